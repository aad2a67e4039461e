"""Stable English field names; dates in ISO 8601; rates as fractions in [0, 1] with their n and method."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.figures.figure_json import figure_json
from analytics.figures.selectors import UnitFigures
from analytics.methodology import formulas as f
from analytics.models import ParContribution, Publication
from analytics.publications.selectors import publication_public_url
from analytics.quotas.services import QuotaRow
from surveys.masking import mask_identifiers
from surveys.models import FeedbackCategory, Response
from tenants.models import Unit

# Output fields named like an attribute of DRF's Field (parent, label, required, errors) carry a
# "type: ignore[assignment]": DRF's metaclass moves declared fields aside, which the stubs cannot express.


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SerializerMethodField()  # type: ignore[assignment]
    successors = serializers.SerializerMethodField()
    onboarded = serializers.BooleanField(source="is_onboarded")
    type = serializers.CharField(source="get_division_type_display")

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "type",
            "level",
            "structure",
            "parent",
            "valid_from",
            "valid_to",
            "onboarded",
            "successors",
        ]

    def get_parent(self, unit: Unit) -> dict[str, str] | None:
        parent = unit.parent
        return {"code": parent.code, "structure": parent.structure} if parent is not None else None

    def get_successors(self, unit: Unit) -> list[dict[str, str]]:
        return [{"code": s.code, "structure": s.structure, "name": s.name} for s in unit.successors.all()]


class MethodSerializer(serializers.Serializer):
    code = serializers.CharField()
    description = serializers.CharField()


class NoteSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class FigureSerializer(serializers.Serializer):
    """A figure in the one shape that snapshots and webhooks carry too (analytics.figures.figure_json)."""

    value = serializers.FloatField(
        allow_null=True,
        help_text="the rate as a fraction of 1 (a mean score: 1-5), 6 decimals; null if n = 0",
    )
    exact = serializers.CharField(allow_null=True, help_text='the same value exactly, "p/q"; null if n = 0')
    n = serializers.IntegerField()
    interval = serializers.ListField(
        child=serializers.FloatField(),
        allow_null=True,
        min_length=2,
        max_length=2,
        help_text="95 % Wilson interval [low, high], 6 decimals, or null",
    )
    too_few = serializers.BooleanField(help_text="n is below the minimum: not ranked")
    minimum_n = serializers.IntegerField()
    method = MethodSerializer()
    notes = NoteSerializer(many=True, help_text="caveats that travel with the figure")

    def to_representation(self, instance: f.Figure) -> dict[str, Any]:
        return figure_json(instance)


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class QuestionFigureSerializer(serializers.Serializer):
    questionnaire = serializers.CharField()
    question = serializers.CharField()
    element = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    figure = FigureSerializer()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    share = FigureSerializer()


class DissatisfactionSerializer(serializers.Serializer):
    unsatisfied_responses = serializers.IntegerField()
    shares_sum_past_100 = serializers.BooleanField(
        help_text="a multi-select question: the shares add up to more than 100 %"
    )
    reasons = ReasonSerializer(many=True)


class FiguresSerializer(serializers.Serializer):
    unit = UnitSerializer()
    period = PeriodSerializer()
    responses = serializers.IntegerField()
    held_for_review = serializers.IntegerField(
        source="held",
        help_text="flagged answers of the period (bursts, duplicates) held out of every figure here "
        "until the unit reviews them",
    )
    overall = FigureSerializer()
    sipas_index = FigureSerializer(source="index")
    mean_score = FigureSerializer(source="mean")
    elements = serializers.DictField(child=FigureSerializer())
    questions = QuestionFigureSerializer(many=True)
    dissatisfaction = serializers.SerializerMethodField()

    @extend_schema_field(DissatisfactionSerializer)
    def get_dissatisfaction(self, figures: UnitFigures) -> dict[str, Any]:
        profile = figures.profile
        return DissatisfactionSerializer(
            {
                "unsatisfied_responses": profile.n,
                "shares_sum_past_100": profile.sums_past_100,
                "reasons": [
                    {
                        "reason": s.reason,
                        "label": figures.profile_labels.get(s.reason, s.reason),
                        "count": s.count,
                        "share": s.figure,
                    }
                    for s in profile.shares
                ],
            }
        ).data


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True)
    unit = UnitSerializer()
    overall = FigureSerializer(source="figure")


class StrictFields(serializers.Serializer):
    """For request bodies: unknown fields are refused (a typo must not be silently dropped); the schema
    says so (additionalProperties: false, api.schema)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [serializers.ErrorDetail(str(_("Unknown field.")), code="unknown")]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class SentText(serializers.CharField):
    """A text whose length limits count the characters as sent, as the OpenAPI schema says; surrounding
    spaces are trimmed afterwards. (DRF trims first, so 61 characters with a leading space passed a
    60-character limit the schema promises to refuse.)"""

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class StrictSerializer(StrictFields, serializers.Serializer):
    """A request body that refuses unknown fields."""


class DossierEventSerializer(StrictSerializer):
    """One event, named as in the national portal's dossier synchronisation."""

    MaHoSo = SentText(min_length=1, max_length=60)
    MaTTHC = SentText(min_length=1, max_length=40)
    NgayTiepNhan = serializers.DateTimeField()
    NgayHenTra = serializers.DateTimeField(required=False, allow_null=True)
    NgayKetThucXuLy = serializers.DateTimeField(required=False, allow_null=True)
    TrangThaiHoSo = serializers.IntegerField(min_value=1, max_value=10)
    KenhThucHien = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3)


class DossierBatchSerializer(StrictSerializer):
    """A batch of dossier events."""

    events = serializers.ListField(
        child=DossierEventSerializer(),
        min_length=1,
        max_length=1000,
        help_text="1 to 1,000 events; a malformed one refuses the whole batch, nothing stored",
    )


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class SurveyLinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="the one-time survey link to print on the receipt")
    expires_at = serializers.DateTimeField()
    used = serializers.BooleanField()
    qr_svg = serializers.CharField(required=False, help_text="the link's QR code (SVG), unless qr=none")


class DossierResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="the event's position in the batch")
    MaHoSo = serializers.CharField()
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error"])
    errors = FieldErrorSerializer(many=True, required=False, help_text="why the event was refused")  # type: ignore[assignment]
    survey = SurveyLinkSerializer(required=False, help_text="for a finished dossier of an open campaign")


class DossierBatchResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = DossierResultSerializer(many=True)


class SavedSerializer(serializers.Serializer):
    saved = serializers.IntegerField(help_text="rows stored")


class TransactionCountSerializer(StrictSerializer):
    """The number of dossiers of one procedure (or of the whole unit) in a period."""

    procedure = SentText(
        max_length=80,
        allow_blank=True,
        help_text="the procedure's key in the unit's catalog or its national code (MaTTHC); \"\" for all",
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    count = serializers.IntegerField(min_value=0, max_value=10_000_000)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["period_end"] < data["period_start"]:
            raise serializers.ValidationError({"period_end": "The period ends before it starts."})
        return data


class ResponseSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    submitted_at = serializers.DateTimeField()
    answered_on = serializers.DateField()
    channel = serializers.CharField()
    questionnaire = serializers.CharField(source="version.questionnaire.key")
    version = serializers.IntegerField(source="version.number")
    procedure = serializers.SerializerMethodField()
    overall = serializers.CharField(source="overall_bucket", allow_blank=True)
    answers = serializers.SerializerMethodField()

    def get_procedure(self, response: Response) -> str | None:
        return response.procedure.key if response.procedure is not None else None

    def get_answers(self, response: Response) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for a in response.answers.all():
            if a.kind == "text":
                rows.append({"question": a.question_key, "kind": "text", "text": mask_identifiers(a.text)})
            elif a.kind == "reason":
                rows.append(
                    {
                        "question": a.question_key,
                        "kind": "reason",
                        "option": a.option_key,
                        "element": a.element,
                    }
                )
            else:
                rows.append(
                    {
                        "question": a.question_key,
                        "kind": "rating",
                        "element": a.element,
                        "scale": a.scale,
                        "value": a.value,
                        "bucket": a.bucket or None,
                    }
                )
        return rows


def page_of(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The schema of a cursor-paginated list: {"next", "previous", "results"}."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


UnitPageSerializer = page_of(UnitSerializer, "UnitPage")
ResponsePageSerializer = page_of(ResponseSerializer, "ResponsePage")


class QuotaRowSerializer(serializers.Serializer):
    procedure = serializers.CharField(help_text='procedure key, "" for the whole unit')
    label = serializers.CharField()  # type: ignore[assignment]
    transactions = serializers.IntegerField()
    required = serializers.IntegerField()  # type: ignore[assignment]
    collected = serializers.IntegerField()
    met = serializers.BooleanField()
    attainment = serializers.SerializerMethodField(help_text="collected / required, or null")
    margin_of_error = serializers.SerializerMethodField(
        help_text="95 %, finite-population corrected, or null"
    )

    def get_attainment(self, row: QuotaRow) -> float | None:
        ratio = row.attainment.ratio
        return None if ratio is None else round(float(ratio), 6)

    def get_margin_of_error(self, row: QuotaRow) -> float | None:
        moe = row.attainment.margin_of_error
        return None if moe is None else round(float(moe), 6)


class QuotaStatusSerializer(serializers.Serializer):
    unit = UnitSerializer()
    period = PeriodSerializer()
    rule = serializers.CharField(source="rule.code")
    unit_wide = QuotaRowSerializer(allow_null=True)
    procedures = QuotaRowSerializer(many=True)


class PublicationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.CharField()
    period = serializers.SerializerMethodField()
    cutoff_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()
    pdf = serializers.SerializerMethodField()
    pdf_sha256 = serializers.CharField()

    def get_period(self, publication: Publication) -> dict[str, str]:
        return {"start": publication.period_start.isoformat(), "end": publication.period_end.isoformat()}

    def get_url(self, publication: Publication) -> str:
        return publication_public_url(publication)

    def get_pdf(self, publication: Publication) -> str:
        return publication_public_url(publication, pdf=True)


class ParContributionSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    scope = serializers.CharField(help_text="year or ytd (year to date)")
    frozen = serializers.BooleanField(help_text="the copy taken when the province froze the year")
    points = serializers.SerializerMethodField(help_text="null = not applicable (never a silent 0)")
    maximum = serializers.SerializerMethodField()
    not_applicable = serializers.CharField()
    rule = serializers.SerializerMethodField()
    inputs = serializers.JSONField()
    computed_at = serializers.DateTimeField()

    def get_points(self, row: ParContribution) -> float | None:
        return None if row.points is None else float(row.points)

    def get_maximum(self, row: ParContribution) -> float:
        return float(row.maximum)

    def get_rule(self, row: ParContribution) -> dict[str, Any]:
        rule = row.rule_set
        return {"name": rule.name, "version": rule.version, "kind": rule.kind}


# --------------------------------------------------------------------------- feedback (phản ánh, kiến nghị)


class FeedbackEventSerializer(StrictSerializer):
    """One piece of feedback sent for the national portal; contact details optional. The names follow the
    portal's naming style but are not verified against a published specification of its interface (see
    the endpoint's description): they are this API's own."""

    MaPAKN = SentText(min_length=1, max_length=60, help_text="the portal's code (idempotency key)")
    NgayGui = serializers.DateTimeField(help_text="when the citizen sent it")
    PhanLoai = serializers.ChoiceField(
        choices=FeedbackCategory.values,
        help_text="what it is about: this API's category codes, not the portal's",
    )
    NoiDung = SentText(min_length=1, max_length=4000)
    MaTTHC = SentText(max_length=80, required=False, allow_blank=True)
    MaHoSo = SentText(max_length=60, required=False, allow_blank=True)
    HoTen = SentText(max_length=200, required=False, allow_blank=True)
    SoDienThoai = SentText(max_length=30, required=False, allow_blank=True)
    Email = SentText(max_length=254, required=False, allow_blank=True)
    DiaChi = SentText(max_length=300, required=False, allow_blank=True)


class FeedbackBatchSerializer(StrictSerializer):
    events = serializers.ListField(
        child=FeedbackEventSerializer(),
        min_length=1,
        max_length=500,
        help_text="1 to 500 events; any refused event refuses the whole batch, nothing stored",
    )


class FeedbackResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    MaPAKN = serializers.CharField()
    status = serializers.ChoiceField(choices=["created", "unchanged"])
    reference = serializers.CharField(help_text="the unit's reference, told to the citizen")
    due_on = serializers.DateField(help_text="the day a reply is due (working days)")


class FeedbackHistorySerializer(serializers.Serializer):
    status = serializers.CharField()
    at = serializers.DateTimeField()


class FeedbackStatusSerializer(serializers.Serializer):
    """Where a piece of feedback stands: dates and status, never its content or who sent it."""

    MaPAKN = serializers.CharField(source="portal_code")
    reference = serializers.CharField()
    category = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    due_on = serializers.DateField()
    assigned_at = serializers.DateTimeField(allow_null=True)
    replied_at = serializers.DateTimeField(allow_null=True)
    on_time = serializers.BooleanField(allow_null=True, help_text="null while not replied and not yet due")
    rated = serializers.BooleanField()
    history = FeedbackHistorySerializer(many=True)


class FigureOutSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()
    interval = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    too_few = serializers.BooleanField()
    minimum_n = serializers.IntegerField()
    method = serializers.CharField()


class FeedbackFiguresSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    received = serializers.IntegerField()
    by_category = serializers.DictField(child=serializers.IntegerField())
    on_time = FigureOutSerializer()
    pending = serializers.IntegerField(help_text="due in the period, open, not past due yet")
    handling_satisfaction = FigureOutSerializer()
    unrateable = serializers.IntegerField(help_text="replied without contact details: cannot be rated")
