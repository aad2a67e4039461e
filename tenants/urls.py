"""The console's registry pages; config mounts them under /console/ in the "console" namespace."""

from django.urls import path

from . import audit_views, views

urlpatterns = [
    path("", views.console_home, name="home"),
    path("switch/", views.console_switch, name="switch"),
    path("units/<str:structure>/<str:code>/", views.console_unit, name="unit"),
    path("units/<str:structure>/<str:code>/members/", views.console_member_add, name="member_add"),
    path("units/<str:structure>/<str:code>/onboard/", views.console_onboard, name="onboard"),
    path("members/<int:pk>/remove/", views.console_member_remove, name="member_remove"),
    path("units/<str:structure>/<str:code>/audit/", audit_views.unit_audit, name="unit_audit"),
    path("units/<str:structure>/<str:code>/audit.csv", audit_views.unit_audit_csv, name="unit_audit_csv"),
    path("audit/", audit_views.audit, name="audit"),
    path("audit.csv", audit_views.audit_csv, name="audit_csv"),
]
