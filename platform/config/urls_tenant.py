"""Pages of one unit, served under /u/<slug>/ inside the unit's schema."""

from django.urls import include, path

from analytics import urls_par, urls_publications, urls_quotas
from analytics import urls_unit as analytics_urls
from surveys import urls_console, urls_links, urls_responses
from tenants.views import unit_home

unit_patterns = (
    [
        path("console/", unit_home, name="home"),
        *urls_console.urlpatterns,
        *urls_links.urlpatterns,
        *urls_responses.urlpatterns,
        *analytics_urls.urlpatterns,
        *urls_quotas.urlpatterns,
        *urls_publications.urlpatterns,
        *urls_par.urlpatterns,
    ],
    "unit",
)

urlpatterns = [
    path("", include(unit_patterns)),
]
