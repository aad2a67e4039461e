"""The console's registry pages; config mounts them under /console/ in the "console" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.console_home, name="home"),
    path("switch/", views.console_switch, name="switch"),
    path("units/<str:structure>/<str:code>/", views.console_unit, name="unit"),
    path("units/<str:structure>/<str:code>/members/", views.console_member_add, name="member_add"),
    path("units/<str:structure>/<str:code>/onboard/", views.console_onboard, name="onboard"),
    path("members/<int:pk>/remove/", views.console_member_remove, name="member_remove"),
]
