"""/api/v1/ endpoints. Thin: parse, check reach and scope, call a selector or service, serialize."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response as ApiResponse

from analytics.figures.selectors import child_ranking, figures_cached, period_parse, unit_figures
from analytics.models import ParContribution, Publication, TransactionCount
from analytics.quotas.services import quota_status, transaction_count_set
from api.models import Scope
from surveys.dossiers import DossierEvent, dossier_events_ingest
from surveys.models import Response
from surveys.qr import qr_svg
from tenants.models import Level, Unit

from . import serializers as s
from .base import AuditedView

PERIOD_PARAMS = [
    OpenApiParameter(
        "from", OpenApiTypes.DATE, description="first day (ISO 8601); default: a year before `to`"
    ),
    OpenApiParameter("to", OpenApiTypes.DATE, description="last day (ISO 8601); default: today"),
]


def _period(request):
    return period_parse(start=request.query_params.get("from"), end=request.query_params.get("to"))


class UnitPagination(CursorPagination):
    ordering = "path"
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"


class UnitList(AuditedView):
    required_scope = Scope.READ_FIGURES

    @extend_schema(
        summary="Units in the client's subtree",
        parameters=[
            OpenApiParameter("structure", str, enum=["current", "legacy"]),
            OpenApiParameter("level", str, enum=["province", "district", "commune"]),
            OpenApiParameter("parent", str, description="official code of the parent unit"),
            OpenApiParameter("onboarded", bool),
            OpenApiParameter("q", str, description="part of the name"),
        ],
        responses=s.UnitPageSerializer,
    )
    def get(self, request):
        units = (
            Unit.objects.exclude(level=Level.NATIONAL).prefetch_related("successors").select_related("parent")
        )
        client_unit = request.user.unit
        if client_unit.level != Level.NATIONAL:
            units = units.filter(path__startswith=client_unit.path)
        params = request.query_params
        for name, choices in (
            ("structure", {"current", "legacy"}),
            ("level", {"province", "district", "commune"}),
        ):
            if name in params:
                if params[name] not in choices:
                    raise serializers.ValidationError({name: _("Unknown value.")})
                units = units.filter(**{name: params[name]})
        if "parent" in params:
            units = units.filter(parent__code=params["parent"])
        if "onboarded" in params:
            if params["onboarded"] not in {"true", "false"}:
                raise serializers.ValidationError({"onboarded": _("Use true or false.")})
            units = units.filter(onboarded_at__isnull=params["onboarded"] == "false")
        if params.get("q"):
            units = units.filter(name__icontains=params["q"][:100])
        paginator = UnitPagination()
        page = paginator.paginate_queryset(units, request, view=self)
        return paginator.get_paginated_response(s.UnitSerializer(page, many=True).data)


class UnitDetail(AuditedView):
    required_scope = Scope.READ_FIGURES

    @extend_schema(summary="One unit", responses=s.UnitSerializer)
    def get(self, request, structure, code):
        return ApiResponse(s.UnitSerializer(self.unit_in_reach(request, structure, code)).data)


class UnitFigures(AuditedView):
    required_scope = Scope.READ_FIGURES

    @extend_schema(
        summary="A unit's figures for a period, pooled over its subtree (the dashboards' numbers)",
        parameters=PERIOD_PARAMS,
        responses=s.FiguresSerializer,
    )
    def get(self, request, structure, code):
        unit = self.unit_in_reach(request, structure, code)
        period = _period(request)
        figures = figures_cached(
            node=unit,
            what=f"api:{period.start}:{period.end}",
            compute=lambda: unit_figures(unit=unit, period=period, language="en"),
        )
        return ApiResponse(s.FiguresSerializer(figures).data)


class UnitRanking(AuditedView):
    required_scope = Scope.READ_FIGURES

    @extend_schema(
        summary="The units directly below, ranked by overall satisfaction (small n listed, not ranked)",
        parameters=PERIOD_PARAMS,
        responses=s.RankingRowSerializer(many=True),
    )
    def get(self, request, structure, code):
        unit = self.unit_in_reach(request, structure, code)
        period = _period(request)
        rows = figures_cached(
            node=unit,
            what=f"api-ranking:{period.start}:{period.end}",
            compute=lambda: child_ranking(unit=unit, period=period),
        )
        return ApiResponse(s.RankingRowSerializer(rows, many=True).data)


class UnitQuotas(AuditedView):
    required_scope = Scope.READ_FIGURES

    @extend_schema(
        summary="Sample quota status: transactions, required and collected responses, margin of error",
        parameters=PERIOD_PARAMS,
        responses=s.QuotaStatusSerializer,
    )
    def get(self, request, structure, code):
        unit = self.unit_in_reach(request, structure, code)
        return ApiResponse(s.QuotaStatusSerializer(quota_status(unit=unit, period=_period(request))).data)


class UnitPublications(AuditedView):
    required_scope = Scope.READ_FIGURES

    @extend_schema(
        summary="A unit's published reports (immutable snapshots with their PDF), newest first",
        responses=s.PublicationSerializer(many=True),
    )
    def get(self, request, structure, code):
        unit = self.unit_in_reach(request, structure, code)
        rows = Publication.objects.filter(
            unit=unit, status=Publication.Status.PUBLISHED, internal=False
        ).defer("pdf")
        return ApiResponse(s.PublicationSerializer(rows.order_by("-period_end")[:200], many=True).data)


class UnitPar(AuditedView):
    required_scope = Scope.READ_FIGURES

    @extend_schema(
        summary="A unit's PAR Index contributions (live and frozen), with every input and the rule version",
        parameters=[OpenApiParameter("year", int, description="one year; default: all years")],
        responses=s.ParContributionSerializer(many=True),
    )
    def get(self, request, structure, code):
        unit = self.unit_in_reach(request, structure, code)
        rows = (
            ParContribution.objects.filter(unit=unit)
            .select_related("rule_set")
            .order_by("-year", "scope", "frozen")
        )
        year = request.query_params.get("year")
        if year is not None:
            if not year.isdigit() or not 2015 <= int(year) <= 2100:
                raise serializers.ValidationError({"year": _("Give a year such as 2026.")})
            rows = rows.filter(year=int(year))
        return ApiResponse(s.ParContributionSerializer(rows[:500], many=True).data)


class ResponsePagination(CursorPagination):
    ordering = "-submitted_at"
    page_size = 100
    max_page_size = 500
    page_size_query_param = "page_size"


class UnitResponses(AuditedView):
    """Raw responses: only a client whose subtree holds the unit and that has the scope reads them."""

    required_scope = Scope.READ_RESPONSES

    @extend_schema(
        summary="A unit's responses, newest first (free text masked)",
        parameters=PERIOD_PARAMS,
        responses=s.ResponseSerializer(many=True),
    )
    def get(self, request, structure, code):
        unit = self.unit_in_reach(request, structure, code)
        if not unit.is_onboarded:
            raise exceptions.NotFound(_("This unit collects no responses here."))
        period = _period(request)
        with tenant_context(unit):
            responses = (
                Response.objects.filter(answered_on__range=(period.start, period.end))
                .select_related("version__questionnaire", "procedure")
                .prefetch_related("answers")
            )
            paginator = ResponsePagination()
            page = paginator.paginate_queryset(responses, request, view=self)
            data = s.ResponseSerializer(page, many=True).data
        return paginator.get_paginated_response(data)


DOSSIER_EXAMPLE = {
    "MaHoSo": "000.00.20.H37-261120-0001",
    "MaTTHC": "1.001193",
    "NgayTiepNhan": "2026-11-20T08:15:00+07:00",
    "NgayHenTra": "2026-11-22T17:00:00+07:00",
    "NgayKetThucXuLy": "2026-11-21T10:00:00+07:00",
    "TrangThaiHoSo": 10,
    "KenhThucHien": 1,
}


class DossierEvents(AuditedView):
    """Dossier events in; for a finished dossier, a one-time survey link and its QR code for the receipt."""

    required_scope = Scope.WRITE_DOSSIERS

    @extend_schema(
        summary="Send one dossier event or a batch of up to 1,000 (idempotent by MaHoSo)",
        parameters=[
            OpenApiParameter(
                "qr",
                str,
                enum=["svg", "none"],
                description="include each survey link's QR code as SVG (default svg)",
            )
        ],
        request=s.DossierBatchSerializer,
        examples=[OpenApiExample("A batch with one finished dossier", value={"events": [DOSSIER_EXAMPLE]})],
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request, structure, code):
        unit = self.unit_in_reach(request, structure, code)
        if not unit.is_onboarded:
            raise exceptions.NotFound(_("This unit is not onboarded."))
        if not isinstance(request.data, dict) or not isinstance(request.data.get("events"), list):
            raise serializers.ValidationError({"events": _('Send {"events": [...]} with 1 to 1,000 events.')})
        if not 1 <= len(request.data["events"]) <= 1000:
            raise serializers.ValidationError({"events": _("A batch holds 1 to 1,000 events.")})
        results: list[dict | None] = [None] * len(request.data["events"])
        events, positions = [], []
        for index, item in enumerate(request.data["events"]):
            serializer = s.DossierEventSerializer(data=item)
            if not serializer.is_valid():
                code = item.get("MaHoSo") if isinstance(item, dict) else None
                results[index] = {
                    "index": index,
                    "MaHoSo": code,
                    "status": "error",
                    "errors": _errors(serializer.errors),
                }
                continue
            d = serializer.validated_data
            events.append(
                DossierEvent(
                    d["MaHoSo"],
                    d["MaTTHC"],
                    d["NgayTiepNhan"],
                    d.get("NgayHenTra"),
                    d.get("NgayKetThucXuLy"),
                    d["TrangThaiHoSo"],
                    d.get("KenhThucHien"),
                )
            )
            positions.append(index)
        with_qr = request.query_params.get("qr", "svg") != "none"
        for index, event, outcome in zip(
            positions,
            events,
            dossier_events_ingest(unit=unit, events=events, scope=request.user.unit),
            strict=True,
        ):
            results[index] = self._row(index, event, outcome, with_qr)
        failed = sum(1 for r in results if r["status"] == "error")
        return ApiResponse(
            {"accepted": len(results) - failed, "failed": failed, "results": results},
            status=status.HTTP_200_OK if failed < len(results) else status.HTTP_400_BAD_REQUEST,
        )

    @staticmethod
    def _row(index: int, event: DossierEvent, outcome, with_qr: bool) -> dict:
        if isinstance(outcome, DjangoValidationError):
            errors = (
                outcome.message_dict
                if hasattr(outcome, "error_dict")
                else {"non_field_errors": outcome.messages}
            )
            return {"index": index, "MaHoSo": event.code, "status": "error", "errors": _errors(errors)}
        row = {"index": index, "MaHoSo": event.code, "status": outcome.outcome}
        if outcome.signed:
            url = f"{settings.BASE_URL}/d/{outcome.signed}"
            row["survey"] = {
                "url": url,
                "expires_at": outcome.token.expires_at.isoformat(),
                "used": outcome.token.used_at is not None,
            }
            if with_qr:
                row["survey"]["qr_svg"] = qr_svg(url).decode()
        return row


def _errors(errors: dict) -> list[dict]:
    return [
        {
            "field": None if field == "non_field_errors" else field,
            "code": getattr(m, "code", "invalid"),
            "message": str(m),
        }
        for field, messages in errors.items()
        for m in messages
    ]


class TransactionCounts(AuditedView):
    required_scope = Scope.WRITE_TRANSACTIONS

    @extend_schema(
        summary="Set transaction counts (upsert by procedure and period)",
        request=s.TransactionCountSerializer(many=True),
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request, structure, code):
        unit = self.unit_in_reach(request, structure, code)
        serializer = s.TransactionCountSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        # The console's service, so a national procedure code (MaTTHC) is stored under the key the
        # quotas read; all rows or none.
        with transaction.atomic():
            for index, row in enumerate(serializer.validated_data):
                try:
                    transaction_count_set(
                        unit=unit,
                        procedure=row["procedure"],
                        start=row["period_start"],
                        end=row["period_end"],
                        count=row["count"],
                        source=TransactionCount.Source.API,
                    )
                except DjangoValidationError as exc:
                    raise DjangoValidationError(
                        {f"[{index}].{field}": messages for field, messages in exc.message_dict.items()}
                    ) from None
        return ApiResponse({"saved": len(serializer.validated_data)})
