"""Pages outside any unit: sign-in, the console's registry views, health, admin."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from api import urls_console as api_console_urls
from tenants import urls as console_urls
from tenants import urls_accounts as account_urls
from tenants.account_views import PasswordResetView
from tenants.views import healthz

# The console gathers pages of several apps under one namespace; only config may import them all.
console_patterns = ([*console_urls.urlpatterns, *api_console_urls.urlpatterns], "console")

# Django's error pages, named here and in the other URLconf: a fault can strike before the request's
# URLconf is known.
handler400 = "config.error_views.bad_request"
handler403 = "config.error_views.permission_denied"
handler404 = "config.error_views.page_not_found"
handler500 = "config.error_views.server_error"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:home", permanent=False), name="home"),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the citizen form loads nothing extra).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("accounts/", include(account_urls)),
    # Django admin's sign-in page links here ("Forgotten your password?").
    path("admin/password_reset/", PasswordResetView.as_view(), name="admin_password_reset"),
    path("console/", include(console_patterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.v1.urls")),
    path("", include("surveys.urls_citizen")),
    path("", include("analytics.dashboards.urls_public")),
    path("", include("analytics.publications.urls_public")),
]
