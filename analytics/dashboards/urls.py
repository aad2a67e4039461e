"""A unit's results pages: /u/<slug>/results/ and its exports (inside the "unit" namespace)."""

from django.urls import path

from analytics.dashboards import views

urlpatterns = [
    path("results/", views.results, name="results"),
    path("results/by/<str:dim>/", views.results_breakdown, name="results_breakdown"),
    path("results.csv", views.results_csv, name="results_csv"),
    path("results.xlsx", views.results_xlsx, name="results_xlsx"),
    path("ranking.csv", views.ranking_csv, name="ranking_csv"),
    path("ranking.xlsx", views.ranking_xlsx, name="ranking_xlsx"),
]
