"""/api/v1/ endpoints. Thin: parse, check reach and scope, call a selector or service, serialize."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse

from analytics.feedback.selectors import feedback_figures
from analytics.figures.selectors import Period, child_ranking, figures_cached, period_parse, unit_figures
from analytics.models import ParContribution, Publication, TransactionCount
from analytics.quotas.services import quota_status, transaction_count_set
from api.auth import ApiRequest
from api.models import Scope
from surveys.dossiers import DossierEvent, DossierResult, dossier_events_ingest
from surveys.feedback import FeedbackInput, PortalFeedback, feedback_portal_ingest
from surveys.feedback_selectors import feedback_by_portal_code, feedback_status_view
from surveys.models import Response
from surveys.qr import qr_svg
from tenants.models import Level, Unit
from tenants.replica import reads_from_replica

from . import serializers as s
from .base import AuditedView

PERIOD_PARAMS = [
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description="first day (ISO 8601), not before 2015-01-01; default: a year before `to`",
    ),
    OpenApiParameter(
        "to",
        OpenApiTypes.DATE,
        description="last day (ISO 8601), not after a year from today; default: today. "
        "The period runs forward and lasts at most five years (1,830 days).",
    ),
]


def _period(request: ApiRequest) -> Period:
    """The period of `from` and `to`; a rule it breaks is reported on the field that was given last."""
    params = request.query_params
    for name in ("from", "to"):
        if name in params and not params[name].strip():
            raise serializers.ValidationError({name: _("Give a date such as 2026-01-31, or leave it out.")})
    try:
        return period_parse(start=params.get("from"), end=params.get("to"))
    except DjangoValidationError as error:
        raise serializers.ValidationError({"to" if "to" in params else "from": error.messages}) from None


class StrictCursorPagination(CursorPagination):
    """Cursor pages whose page_size is refused when it is not a whole number from 1 to the maximum
    (DRF would silently fall back to the default)."""

    page_size_query_param = "page_size"
    max_page_size: int  # set by each subclass

    def get_page_size(self, request: Request) -> int | None:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise serializers.ValidationError(
                {"page_size": _("Give a number from 1 to %(max)s.") % {"max": self.max_page_size}}
            )
        return int(raw)

    @classmethod
    def parameters(cls) -> list[OpenApiParameter]:
        return [
            OpenApiParameter("cursor", str, description="the `next` or `previous` link's cursor"),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": cls.max_page_size},
                description=f"default {cls.page_size}",
            ),
        ]


class UnitPagination(StrictCursorPagination):
    ordering = "path"
    page_size = 100
    max_page_size = 1000


@method_decorator(reads_from_replica, name="dispatch")
class UnitList(AuditedView):
    required_scope = Scope.READ_FIGURES

    query_parameters = [
        OpenApiParameter("structure", str, enum=["current", "legacy"]),
        OpenApiParameter("level", str, enum=["province", "district", "commune"]),
        OpenApiParameter("parent", str, description="official code of the parent unit"),
        OpenApiParameter("onboarded", bool),
        OpenApiParameter("q", str, description="part of the name"),
        *UnitPagination.parameters(),
    ]

    @extend_schema(
        summary="Units in the client's subtree",
        parameters=query_parameters,
        responses=s.UnitPageSerializer,
    )
    def get(self, request: ApiRequest) -> ApiResponse:
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


@method_decorator(reads_from_replica, name="dispatch")
class UnitDetail(AuditedView):
    required_scope = Scope.READ_FIGURES

    @extend_schema(summary="One unit", responses=s.UnitSerializer)
    def get(self, request: ApiRequest, structure: str, code: str) -> ApiResponse:
        return ApiResponse(s.UnitSerializer(self.unit_in_reach(request, structure, code)).data)


@method_decorator(reads_from_replica, name="dispatch")
class UnitFigures(AuditedView):
    required_scope = Scope.READ_FIGURES
    query_parameters = PERIOD_PARAMS

    @extend_schema(
        summary="A unit's figures for a period, pooled over its subtree (the dashboards' numbers)",
        parameters=query_parameters,
        responses=s.FiguresSerializer,
    )
    def get(self, request: ApiRequest, structure: str, code: str) -> ApiResponse:
        unit = self.unit_in_reach(request, structure, code)
        period = _period(request)
        figures = figures_cached(
            node=unit,
            what=f"api:{period.start}:{period.end}",
            compute=lambda: unit_figures(unit=unit, period=period, language="en"),
        )
        return ApiResponse(s.FiguresSerializer(figures).data)


@method_decorator(reads_from_replica, name="dispatch")
class UnitRanking(AuditedView):
    required_scope = Scope.READ_FIGURES
    query_parameters = PERIOD_PARAMS

    @extend_schema(
        summary="The units directly below, ranked by overall satisfaction (small n listed, not ranked)",
        parameters=query_parameters,
        responses=s.RankingRowSerializer(many=True),
    )
    def get(self, request: ApiRequest, structure: str, code: str) -> ApiResponse:
        unit = self.unit_in_reach(request, structure, code)
        period = _period(request)
        rows = figures_cached(
            node=unit,
            what=f"api-ranking:{period.start}:{period.end}",
            compute=lambda: child_ranking(unit=unit, period=period),
        )
        return ApiResponse(s.RankingRowSerializer(rows, many=True).data)


# On the primary: clients read back the transaction counts they have just posted.
class UnitQuotas(AuditedView):
    required_scope = Scope.READ_FIGURES
    query_parameters = PERIOD_PARAMS

    @extend_schema(
        summary="Sample quota status: transactions, required and collected responses, margin of error",
        parameters=query_parameters,
        responses=s.QuotaStatusSerializer,
    )
    def get(self, request: ApiRequest, structure: str, code: str) -> ApiResponse:
        unit = self.unit_in_reach(request, structure, code)
        return ApiResponse(s.QuotaStatusSerializer(quota_status(unit=unit, period=_period(request))).data)


@method_decorator(reads_from_replica, name="dispatch")
class UnitPublications(AuditedView):
    required_scope = Scope.READ_FIGURES

    @extend_schema(
        summary="A unit's published reports (immutable snapshots with their PDF), newest first",
        responses=s.PublicationSerializer(many=True),
    )
    def get(self, request: ApiRequest, structure: str, code: str) -> ApiResponse:
        unit = self.unit_in_reach(request, structure, code)
        rows = Publication.objects.filter(
            unit=unit, status=Publication.Status.PUBLISHED, internal=False
        ).defer("pdf")
        return ApiResponse(s.PublicationSerializer(rows.order_by("-period_end")[:200], many=True).data)


@method_decorator(reads_from_replica, name="dispatch")
class UnitPar(AuditedView):
    required_scope = Scope.READ_FIGURES

    query_parameters = [
        OpenApiParameter(
            "year",
            {"type": "integer", "minimum": 2015, "maximum": 2100},
            description="one year; default: all years",
        )
    ]

    @extend_schema(
        summary="A unit's PAR Index contributions (live and frozen), with every input and the rule version",
        parameters=query_parameters,
        responses=s.ParContributionSerializer(many=True),
    )
    def get(self, request: ApiRequest, structure: str, code: str) -> ApiResponse:
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


class ResponsePagination(StrictCursorPagination):
    ordering = "-submitted_at"
    page_size = 100
    max_page_size = 500


@method_decorator(reads_from_replica, name="dispatch")
class UnitResponses(AuditedView):
    """Raw responses: only a client whose subtree holds the unit and that has the scope reads them."""

    required_scope = Scope.READ_RESPONSES
    query_parameters = [*PERIOD_PARAMS, *ResponsePagination.parameters()]

    @extend_schema(
        summary="A unit's responses, newest first (free text masked)",
        description="Only a key of the unit itself reads them: raw answers stay with the unit.",
        parameters=query_parameters,
        responses=s.ResponsePageSerializer,
    )
    def get(self, request: ApiRequest, structure: str, code: str) -> ApiResponse:
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
    query_parameters = [
        OpenApiParameter(
            "qr",
            str,
            enum=["svg", "none"],
            description="include each survey link's QR code as SVG (default svg)",
        )
    ]

    @extend_schema(
        summary="Send one dossier event or a batch of up to 1,000 (idempotent by MaHoSo)",
        description=(
            "A malformed batch (a missing or mistyped field in any event, an unknown field, fewer than 1 "
            "or more than 1,000 events) is refused whole with a 400 that lists every problem, and nothing "
            "is stored. A well-formed batch is answered 200, each event with its own outcome: created, "
            "updated, unchanged, or error with the reasons (an unknown procedure code, dates out of order, "
            "a dossier code another unit within the key's reach holds)."
        ),
        parameters=query_parameters,
        request=s.DossierBatchSerializer,
        examples=[OpenApiExample("A batch with one finished dossier", value={"events": [DOSSIER_EXAMPLE]})],
        responses={200: s.DossierBatchResultSerializer},
    )
    def post(self, request: ApiRequest, structure: str, code: str) -> ApiResponse:
        unit = self.unit_in_reach(request, structure, code)
        if not unit.is_onboarded:
            raise exceptions.NotFound(_("This unit is not onboarded."))
        qr = request.query_params.get("qr", "svg")
        if qr not in {"svg", "none"}:
            raise serializers.ValidationError({"qr": _("Use svg or none.")})
        batch = s.DossierBatchSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        events = [
            DossierEvent(
                d["MaHoSo"],
                d["MaTTHC"],
                d["NgayTiepNhan"],
                d.get("NgayHenTra"),
                d.get("NgayKetThucXuLy"),
                d["TrangThaiHoSo"],
                d.get("KenhThucHien"),
            )
            for d in batch.validated_data["events"]
        ]
        outcomes = dossier_events_ingest(unit=unit, events=events, scope=request.user.unit)
        results = [
            self._row(index, event, outcome, qr == "svg")
            for index, (event, outcome) in enumerate(zip(events, outcomes, strict=True))
        ]
        failed = sum(1 for r in results if r["status"] == "error")
        return ApiResponse({"accepted": len(results) - failed, "failed": failed, "results": results})

    @staticmethod
    def _row(
        index: int, event: DossierEvent, outcome: DossierResult | DjangoValidationError, with_qr: bool
    ) -> dict[str, Any]:
        if isinstance(outcome, DjangoValidationError):
            errors = (
                outcome.message_dict
                if hasattr(outcome, "error_dict")
                else {"non_field_errors": outcome.messages}
            )
            return {"index": index, "MaHoSo": event.code, "status": "error", "errors": _errors(errors)}
        row: dict[str, Any] = {"index": index, "MaHoSo": event.code, "status": outcome.outcome}
        link = outcome.link
        if link is not None:
            row["survey"] = {"url": link.url, "expires_at": link.expires_at.isoformat(), "used": link.used}
            if with_qr:
                row["survey"]["qr_svg"] = qr_svg(link.url).decode()
        return row


def _errors(errors: dict[str, list[str]]) -> list[dict[str, Any]]:
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
        description=(
            "All rows or none. `procedure` is a procedure key or national code (MaTTHC) of the unit's "
            'catalog, or "" for the whole unit; a period ends on or after its start, within 2015-01-01 and '
            "a year from today."
        ),
        request=s.TransactionCountSerializer(many=True),
        responses={200: s.SavedSerializer},
    )
    def post(self, request: ApiRequest, structure: str, code: str) -> ApiResponse:
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


# --------------------------------------------------------------------------- feedback (phản ánh, kiến nghị)

FEEDBACK_EXAMPLE = {
    "MaPAKN": "PAKN-2026-000123",
    "NgayGui": "2026-03-02T09:15:00+07:00",
    "PhanLoai": "unofficial_costs",
    "NoiDung": "Cán bộ đề nghị nộp thêm tiền ngoài lệ phí khi nhận hồ sơ.",
    "MaHoSo": "000.00.20.H31-260302-0001",
    "SoDienThoai": "0912345678",
}


class FeedbackEvents(AuditedView):
    """Feedback sent by the national portal: recorded in the unit, due date computed, idempotent by code."""

    required_scope = Scope.WRITE_FEEDBACK

    @extend_schema(
        summary="Send feedback events (phản ánh, kiến nghị), 1 to 500 (idempotent by MaPAKN)",
        description=(
            "All or nothing: any malformed or refused event (an unknown category, a date in the future, "
            "a procedure code not in the unit's catalog, a phone number that is not one) refuses the whole "
            "batch with a 400 listing every problem, and nothing is stored. A code already recorded "
            "answers `unchanged`. Contact details are kept apart and are never returned by the API.\n\n"
            "**Field names not verified against the portal.** MaPAKN, NgayGui, PhanLoai, NoiDung, MaTTHC, "
            "MaHoSo, HoTen, SoDienThoai, Email and DiaChi follow the naming style of the national public "
            "service portal's records, but no published specification of the portal's interface for "
            "feedback (phản ánh, kiến nghị) was available when this endpoint was built, so they have not "
            "been checked against one: treat them as this API's own names. PhanLoai takes this API's own "
            "category codes (listed in the schema), not the portal's classification. Once the portal's "
            "specification is known, its names and categories will be mapped onto these, and this note "
            "will say so."
        ),
        request=s.FeedbackBatchSerializer,
        examples=[OpenApiExample("One complaint", value={"events": [FEEDBACK_EXAMPLE]})],
        responses={200: s.FeedbackResultSerializer(many=True)},
    )
    def post(self, request, structure, code):
        unit = self.unit_in_reach(request, structure, code)
        if not unit.is_onboarded:
            raise exceptions.NotFound(_("This unit is not onboarded."))
        batch = s.FeedbackBatchSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        events = [
            PortalFeedback(
                code=e["MaPAKN"],
                sent_at=e["NgayGui"],
                data=FeedbackInput(
                    category=e["PhanLoai"],
                    content=e["NoiDung"],
                    procedure=e.get("MaTTHC") or None,
                    dossier_code=e.get("MaHoSo", ""),
                    contact={
                        "name": e.get("HoTen", ""),
                        "phone": e.get("SoDienThoai", ""),
                        "email": e.get("Email", ""),
                        "address": e.get("DiaChi", ""),
                    },
                ),
            )
            for e in batch.validated_data["events"]
        ]
        results = feedback_portal_ingest(unit=unit, events=events)
        return ApiResponse(
            [
                {
                    "index": index,
                    "MaPAKN": r.code,
                    "status": r.outcome,
                    "reference": r.feedback.reference,
                    "due_on": r.feedback.due_on,
                }
                for index, r in enumerate(results)
            ]
        )


class FeedbackStatus(AuditedView):
    """The handling status of one piece of feedback the portal sent."""

    required_scope = Scope.WRITE_FEEDBACK

    @extend_schema(
        summary="Where a piece of feedback stands: status and dates (never its content or sender)",
        responses=s.FeedbackStatusSerializer,
    )
    def get(self, request, structure, code, portal_code):
        unit = self.unit_in_reach(request, structure, code)
        if not unit.is_onboarded:
            raise exceptions.NotFound(_("This unit is not onboarded."))
        with tenant_context(unit):
            feedback = feedback_by_portal_code(portal_code=portal_code)
            if feedback is None:
                raise exceptions.NotFound(_("No such feedback."))
            return ApiResponse(s.FeedbackStatusSerializer(feedback_status_view(feedback)).data)


@method_decorator(reads_from_replica, name="dispatch")
class FeedbackFigures(AuditedView):
    """Feedback figures of a unit, pooled over its subtree: counts, on-time rate, handling satisfaction."""

    required_scope = Scope.READ_FIGURES
    query_parameters = PERIOD_PARAMS

    @extend_schema(
        summary="Feedback figures for a period: counts by category, on-time rate, satisfaction with handling",
        parameters=query_parameters,
        responses=s.FeedbackFiguresSerializer,
    )
    def get(self, request, structure, code):
        unit = self.unit_in_reach(request, structure, code)
        period = _period(request)
        return ApiResponse(s.FeedbackFiguresSerializer(feedback_figures(unit=unit, period=period)).data)
