"""Stable English field names; dates in ISO 8601; rates as fractions in [0, 1] with their n and method."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from analytics.figures.selectors import UnitFigures
from analytics.methodology import formulas as f
from analytics.models import ParContribution, Publication
from analytics.publications.selectors import publication_public_url
from analytics.quotas.services import QuotaRow
from surveys.masking import mask_identifiers
from surveys.models import Response
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


class FigureSerializer(serializers.Serializer):
    # Not get_value: that name is DRF's Field.get_value, which reads a nested serializer's input.
    value = serializers.SerializerMethodField(
        method_name="get_rate", help_text="the rate as a fraction of 1, 6 decimals; null if n = 0"
    )
    n = serializers.IntegerField()
    interval = serializers.SerializerMethodField(help_text="95 % Wilson interval [low, high], or null")
    too_few = serializers.BooleanField(help_text="n is below the minimum: not ranked")
    minimum_n = serializers.IntegerField()
    method = MethodSerializer()

    def get_rate(self, figure: f.Figure) -> float | None:
        return None if figure.value is None else round(float(figure.value), 6)

    def get_interval(self, figure: f.Figure) -> list[float] | None:
        return (
            None if figure.interval is None else [round(figure.interval[0], 6), round(figure.interval[1], 6)]
        )


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

    def get_dissatisfaction(self, figures: UnitFigures) -> dict[str, Any]:
        profile = figures.profile
        return {
            "unsatisfied_responses": profile.n,
            "shares_sum_past_100": profile.sums_past_100,
            "reasons": [
                {
                    "reason": s.reason,
                    "label": figures.profile_labels.get(s.reason, s.reason),
                    "count": s.count,
                    "share": FigureSerializer(s.figure).data,
                }
                for s in profile.shares
            ],
        }


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
