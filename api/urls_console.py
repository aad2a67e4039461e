"""The console's pages for API clients; config mounts them in the console's namespace."""

from django.urls import path

from . import console_views as views

urlpatterns = [
    path("units/<str:structure>/<str:code>/api-clients/", views.api_clients, name="api_clients"),
    path(
        "units/<str:structure>/<str:code>/api-clients/<int:pk>/<str:action>/",
        views.api_client_action,
        name="api_client_action",
    ),
]
