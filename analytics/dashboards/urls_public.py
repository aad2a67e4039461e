"""Public results of onboarded units, no sign-in: included at the root of config.urls_public.

"ket-qua" is Vietnamese for "results", "bang" for "board" (the TV screen at the one-stop desk).
"""

from django.urls import path

from analytics.dashboards import public_views

urlpatterns = [
    path("ket-qua/<str:slug>/", public_views.public_results, name="public_results"),
    path("ket-qua/<str:slug>/bang/", public_views.public_board, name="public_board"),
]
