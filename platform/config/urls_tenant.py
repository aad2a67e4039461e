"""Pages of one unit, served under /u/<slug>/ inside the unit's schema."""

from django.urls import include, path

from tenants.views import unit_home

unit_patterns = ([path("console/", unit_home, name="home")], "unit")

urlpatterns = [
    path("", include(unit_patterns)),
]
