"""Pages outside any unit: sign-in, the console's registry views, health, admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from tenants.views import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:home", permanent=False), name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("console/", include("tenants.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.v1.urls")),
    path("", include("surveys.urls_citizen")),
    path("", include("analytics.urls_public")),
    path("", include("analytics.urls_publications_public")),
]
