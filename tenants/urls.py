from django.urls import path

from api import console_views as api_views

from . import views

app_name = "console"

urlpatterns = [
    path("", views.console_home, name="home"),
    path("switch/", views.console_switch, name="switch"),
    path("units/<str:structure>/<str:code>/", views.console_unit, name="unit"),
    path("units/<str:structure>/<str:code>/members/", views.console_member_add, name="member_add"),
    path("units/<str:structure>/<str:code>/onboard/", views.console_onboard, name="onboard"),
    path("members/<int:pk>/remove/", views.console_member_remove, name="member_remove"),
    path("units/<str:structure>/<str:code>/api-clients/", api_views.api_clients, name="api_clients"),
    path(
        "units/<str:structure>/<str:code>/api-clients/<int:pk>/<str:action>/",
        api_views.api_client_action,
        name="api_client_action",
    ),
]
