"""Pages of one unit, served under /u/<slug>/ inside the unit's schema."""

from django.urls import include, path

from analytics.dashboards import urls as analytics_urls
from analytics.figures import household_views
from analytics.par import urls as urls_par
from analytics.publications import urls as urls_publications
from analytics.quotas import urls as urls_quotas
from surveys import urls_console, urls_feedback, urls_links, urls_responses
from surveys.console_views import unit_home

unit_patterns = (
    [
        path("console/", unit_home, name="home"),
        *urls_console.urlpatterns,
        *urls_links.urlpatterns,
        *urls_responses.urlpatterns,
        *urls_feedback.urlpatterns,
        *analytics_urls.urlpatterns,
        *urls_quotas.urlpatterns,
        *urls_publications.urlpatterns,
        *urls_par.urlpatterns,
        *household_views.urlpatterns,
    ],
    "unit",
)

# Django's error pages, named here and in the other URLconf: a fault can strike before the request's
# URLconf is known.
handler400 = "config.error_views.bad_request"
handler403 = "config.error_views.permission_denied"
handler404 = "config.error_views.page_not_found"
handler500 = "config.error_views.server_error"

urlpatterns = [
    path("", include(unit_patterns)),
]
