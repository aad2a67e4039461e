"""Pages outside any unit: sign-in, the console's registry views, health, admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from api import urls_console as api_console_urls
from tenants import urls as console_urls
from tenants.views import healthz

# The console gathers pages of several apps under one namespace; only config may import them all.
console_patterns = ([*console_urls.urlpatterns, *api_console_urls.urlpatterns], "console")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:home", permanent=False), name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("console/", include(console_patterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.v1.urls")),
    path("", include("surveys.urls_citizen")),
    path("", include("analytics.dashboards.urls_public")),
    path("", include("analytics.publications.urls_public")),
]
