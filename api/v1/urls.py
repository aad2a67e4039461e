from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from . import views, webhook_views

UNIT = "units/<str:structure>/<str:code>/"


@csrf_exempt
def no_such_endpoint(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": "not_found", "message": "No such endpoint.", "field": None}}, status=404
    )


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("units/", views.UnitList.as_view(), name="api-units"),
    path(UNIT, views.UnitDetail.as_view(), name="api-unit"),
    path(UNIT + "figures/", views.UnitFigures.as_view(), name="api-unit-figures"),
    path(UNIT + "ranking/", views.UnitRanking.as_view(), name="api-unit-ranking"),
    path(UNIT + "quotas/", views.UnitQuotas.as_view(), name="api-unit-quotas"),
    path(UNIT + "publications/", views.UnitPublications.as_view(), name="api-unit-publications"),
    path(UNIT + "par/", views.UnitPar.as_view(), name="api-unit-par"),
    path(UNIT + "responses/", views.UnitResponses.as_view(), name="api-unit-responses"),
    path(UNIT + "dossier-events/", views.DossierEvents.as_view(), name="api-dossier-events"),
    path(UNIT + "transaction-counts/", views.TransactionCounts.as_view(), name="api-transaction-counts"),
    path(UNIT + "feedback-events/", views.FeedbackEvents.as_view(), name="api-feedback-events"),
    path(UNIT + "feedback/<str:portal_code>/", views.FeedbackStatus.as_view(), name="api-feedback"),
    path(UNIT + "feedback-figures/", views.FeedbackFigures.as_view(), name="api-feedback-figures"),
    path("webhooks/", webhook_views.Webhooks.as_view(), name="api-webhooks"),
    path("webhooks/<int:pk>/", webhook_views.WebhookDetail.as_view(), name="api-webhook"),
    path("webhooks/deliveries/", webhook_views.Deliveries.as_view(), name="api-deliveries"),
    # Anything else under /api/v1/ is a structured 404, never Django's HTML page.
    re_path(r"", no_such_endpoint),
]
