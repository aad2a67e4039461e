import secrets

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response as ApiResponse

from api.auth import ApiRequest
from api.models import Scope, Webhook, WebhookDelivery
from api.webhooks import webhook_url_check

from .base import AuditedView
from .serializers import StrictFields


class WebhookSerializer(StrictFields, serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=Webhook.Event.choices), min_length=1)
    secret = serializers.CharField(
        read_only=True, help_text="shown once, at creation: verify signatures with it"
    )

    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "is_active", "created_at", "secret"]
        read_only_fields = ["id", "is_active", "created_at", "secret"]

    def validate_url(self, url: str) -> str:
        try:
            webhook_url_check(url)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code=error.code) from error
        return url


class DeliverySerializer(serializers.ModelSerializer):
    webhook = serializers.IntegerField(source="webhook_id")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook",
            "event",
            "event_id",
            "status",
            "attempts",
            "last_outcome",
            "created_at",
            "delivered_at",
        ]


class Webhooks(AuditedView):
    required_scope = Scope.MANAGE_WEBHOOKS

    @extend_schema(summary="The client's webhooks", responses=WebhookSerializer(many=True))
    def get(self, request: ApiRequest) -> ApiResponse:
        return ApiResponse(WebhookSerializer(request.user.webhooks.order_by("pk"), many=True).data)

    @extend_schema(
        summary="Subscribe to events (payloads signed with HMAC-SHA256)",
        request=WebhookSerializer,
        responses={201: WebhookSerializer},
    )
    def post(self, request: ApiRequest) -> ApiResponse:
        serializer = WebhookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hook = serializer.save(client=request.user, secret=secrets.token_hex(32))
        data = WebhookSerializer(hook).data
        data["secret"] = hook.secret
        return ApiResponse(data, status=status.HTTP_201_CREATED)


class WebhookDetail(AuditedView):
    required_scope = Scope.MANAGE_WEBHOOKS

    @extend_schema(summary="Delete a webhook", responses={204: None})
    def delete(self, request: ApiRequest, pk: int) -> ApiResponse:
        deleted, _rows = request.user.webhooks.filter(pk=pk).delete()
        if not deleted:
            return ApiResponse(
                {"error": {"code": "not_found", "message": _("No such webhook."), "field": None}},
                status=status.HTTP_404_NOT_FOUND,
            )
        return ApiResponse(status=status.HTTP_204_NO_CONTENT)


class Deliveries(AuditedView):
    required_scope = Scope.MANAGE_WEBHOOKS

    @extend_schema(
        summary="The last 200 deliveries to the client's webhooks", responses=DeliverySerializer(many=True)
    )
    def get(self, request: ApiRequest) -> ApiResponse:
        rows = WebhookDelivery.objects.filter(webhook__client=request.user).order_by("-created_at")[:200]
        return ApiResponse(DeliverySerializer(rows, many=True).data)
