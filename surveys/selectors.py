"""Reads of the survey domain for the officer console (the current unit's schema unless a unit is given)."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from tenants.models import QuestionnaireShare, Unit
from tenants.permissions import ancestor_paths
from tenants.selectors import unit_current
from tenants.vietnam import fold

from .builtin.catalog import PROCEDURES
from .builtin.questionnaires import BUILTIN_QUESTIONNAIRES, ELEMENTS, SCALES, Scale, Text
from .definition import Definition
from .models import (
    Campaign,
    Desk,
    Field,
    Procedure,
    QRLink,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    StaffMember,
)

# --------------------------------------------------------------------------- first steps


@dataclass(frozen=True)
class FirstStep:
    key: str
    done: bool
    url_name: str
    url_args: tuple[int, ...] = ()


def first_steps() -> list[FirstStep]:
    """What a freshly onboarded unit does before its first answer, in order, each with whether it is done:
    the catalog, a desk, its civil servants, a questionnaire, a campaign, and a printed QR poster."""
    campaign = Campaign.objects.filter(is_active=True).order_by("-starts_on", "-pk").first()
    has_link = QRLink.objects.filter(is_active=True, campaign__is_active=True).exists()
    return [
        FirstStep("catalog", Procedure.objects.filter(is_active=True).exists(), "unit:catalog"),
        FirstStep("desk", Desk.objects.filter(is_active=True).exists(), "unit:desk_new"),
        FirstStep("staff", StaffMember.objects.filter(is_active=True).exists(), "unit:staff_new"),
        FirstStep("questionnaire", published_versions().exists(), "unit:questionnaires"),
        FirstStep("campaign", campaign is not None, "unit:campaign_new"),
        FirstStep(
            "poster",
            has_link,
            "unit:campaign" if campaign else "unit:campaigns",
            (campaign.pk,) if campaign else (),
        ),
    ]


# --------------------------------------------------------------------------- catalog


def field_list() -> QuerySet[Field]:
    return Field.objects.annotate(procedure_count=Count("procedures")).order_by("-is_active", "name_vi")


def procedure_search(*, q: str = "") -> list[Procedure]:
    """Procedures whose name, code or field matches every word of `q`, accents ignored.

    A commune's catalog holds a few hundred rows, so folding in Python is cheaper than an extension.
    """
    rows = list(Procedure.objects.select_related("field").order_by("-is_active", "field__name_vi", "name_vi"))
    words = fold(q).split()
    if not words:
        return rows
    matches = []
    for p in rows:
        haystack = fold(f"{p.name_vi} {p.name_en} {p.national_code or ''} {p.key} {p.field.name_vi}")
        if all(word in haystack for word in words):
            matches.append(p)
    return matches


def catalog_seed_conflicts() -> list[str]:
    """National codes of the built-in catalog already taken by another procedure (the seed would clash)."""
    by_code = {code: p["key"] for p in PROCEDURES if (code := p["national_code"])}
    taken = Procedure.objects.filter(national_code__in=by_code).values_list("national_code", "key")
    return sorted(code for code, key in taken if code is not None and by_code[code] != key)


# --------------------------------------------------------------------------- desks and staff


def desk_list() -> QuerySet[Desk]:
    return Desk.objects.annotate(staff_count=Count("staff", filter=Q(staff__is_active=True))).order_by(
        "-is_active", "name"
    )


def staff_list() -> QuerySet[StaffMember]:
    return (
        StaffMember.objects.select_related("desk")
        .prefetch_related(Prefetch("fields", queryset=Field.objects.order_by("name_vi")))
        .order_by("-is_active", "full_name")
    )


# --------------------------------------------------------------------------- questionnaires


def questionnaire_list() -> QuerySet[Questionnaire]:
    return Questionnaire.objects.prefetch_related(
        Prefetch("versions", queryset=QuestionnaireVersion.objects.order_by("-number"))
    ).order_by("title_vi")


def builtin_templates() -> list[dict[str, Any]]:
    """The built-in templates with whether the unit has installed each (their "source" notes, in
    English and naming the seed documents, are for developers: officials read the description)."""
    installed = set(Questionnaire.objects.values_list("key", flat=True))
    return [
        {
            "key": t["key"],
            "title": t["title"],
            "description": t["description"],
            "installed": t["key"] in installed,
        }
        for t in BUILTIN_QUESTIONNAIRES
    ]


def questionnaire_draft(*, questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    latest = questionnaire.versions.order_by("-number").first()
    return latest if latest is not None and not latest.is_published else None


# Published versions are frozen (a trigger refuses edits), so each process reads a definition once.
# Keyed by schema, id and publication time: ids repeat across schemas, and a schema dropped and
# onboarded again may reuse an id for another version.
_DEFINITIONS: dict[tuple[str, int, object], Definition] = {}
_DEFINITIONS_MAX = 512


def version_definition(*, version: QuestionnaireVersion) -> Definition:
    """The questions of a version in the current unit's schema. Pass the version with its definition
    deferred (`.defer("definition")`, or `campaign__version__definition`): a published one is read from
    the database only the first time this process needs it."""
    if version.published_at is None:
        return Definition(version.definition)
    key = (unit_current().schema_name, version.pk, version.published_at)
    definition = _DEFINITIONS.get(key)
    if definition is None:
        if len(_DEFINITIONS) >= _DEFINITIONS_MAX:
            _DEFINITIONS.clear()
        definition = _DEFINITIONS[key] = Definition(version.definition)
    return definition


def published_versions() -> QuerySet[QuestionnaireVersion]:
    return (
        QuestionnaireVersion.objects.filter(published_at__isnull=False)
        .select_related("questionnaire")
        .order_by("questionnaire__title_vi", "-number")
    )


@dataclass(frozen=True)
class QuestionPreview:
    """One question as the staff preview shows it, both languages side by side."""

    number: int
    key: str
    kind: str
    required: bool
    text: dict[str, str]
    help: dict[str, str] | None
    scale: Scale | None
    element: Text | None
    element_code: str
    options: list[dict[str, Any]]
    show_if: dict[str, Any] | None
    max_length: int | None


def definition_preview(definition: dict[str, Any]) -> list[QuestionPreview]:
    """Everything a citizen would see, resolved: scale labels, element names, the show_if condition."""
    questions = definition.get("questions") if isinstance(definition, dict) else None
    if not isinstance(questions, list):
        return []
    texts = {q.get("key"): q.get("text") for q in questions if isinstance(q, dict)}
    previews = []
    for number, q in enumerate(questions, start=1):
        if not isinstance(q, dict):
            continue
        show_if = q.get("show_if") if isinstance(q.get("show_if"), dict) else None
        element_code = q.get("element", "")
        previews.append(
            QuestionPreview(
                number=number,
                key=str(q.get("key", "")),
                kind=str(q.get("kind", "")),
                required=bool(q.get("required")),
                text=q.get("text") or {},
                help=q.get("help"),
                scale=SCALES.get(str(q.get("scale"))) if q.get("kind") == "rating" else None,
                element=ELEMENTS.get(element_code),
                element_code=element_code,
                options=[
                    {**o, "element_name": ELEMENTS.get(o.get("element", ""), {})}
                    for o in q.get("options", [])
                    if isinstance(o, dict)
                ],
                show_if=(
                    {**show_if, "question_text": texts.get(show_if.get("question")) or {}}
                    if show_if
                    else None
                ),
                max_length=q.get("max_length"),
            )
        )
    return previews


# --------------------------------------------------------------------------- sharing (public schema)


def shares_offered_to(*, unit: Unit) -> list[QuestionnaireShare]:
    """Active shares of the units above `unit`: the newest version of each (owner, key)."""
    above = [p for p in ancestor_paths(unit) if p != unit.path]
    rows = (
        QuestionnaireShare.objects.filter(owner__path__in=above, is_active=True)
        .select_related("owner")
        .order_by("owner__path", "key", "-version")
    )
    newest: dict[tuple[int, str], QuestionnaireShare] = {}
    for share in rows:
        newest.setdefault((share.owner_id, share.key), share)
    return list(newest.values())


def shares_owned_by(*, unit: Unit) -> QuerySet[QuestionnaireShare]:
    return QuestionnaireShare.objects.filter(owner=unit).order_by("key", "-version")


def share_offered_to(*, unit: Unit, share_id: int) -> QuestionnaireShare | None:
    """The share if it is active and owned by an ancestor of `unit`; None hides everything else."""
    above = [p for p in ancestor_paths(unit) if p != unit.path]
    return (
        QuestionnaireShare.objects.filter(pk=share_id, owner__path__in=above, is_active=True)
        .select_related("owner")
        .first()
    )


# --------------------------------------------------------------------------- campaigns and links


def campaign_list() -> QuerySet[Campaign]:
    return (
        Campaign.objects.select_related("version__questionnaire")
        .annotate(response_count=Count("responses"))
        .order_by("-is_active", "-starts_on", "name")
    )


def campaign_response_count(*, campaign: Campaign) -> int:
    return Response.objects.filter(campaign=campaign).count()


CHANNEL_ORDER = {"qr": 0, "desk": 1, "staff": 2}


def campaign_links(*, campaign: Campaign) -> list[QRLink]:
    """Active codes first: the whole campaign's, then the desks', then the civil servants'."""
    links = campaign.links.select_related("desk", "staff").annotate(response_count=Count("responses"))
    return sorted(
        links,
        key=lambda link: (
            not link.is_active,
            CHANNEL_ORDER.get(link.channel, 9),
            fold(link.desk.name if link.desk else link.staff.full_name if link.staff else ""),
            link.created_at,
        ),
    )


def campaign_link_targets(*, campaign: Campaign) -> dict[str, Any]:
    """What still lacks an active link: the campaign itself, each active desk, each active civil servant."""
    active = campaign.links.filter(is_active=True)
    desks_done = set(active.exclude(desk=None).filter(staff=None).values_list("desk_id", flat=True))
    staff_done = set(active.exclude(staff=None).values_list("staff_id", flat=True))
    return {
        "campaign": not active.filter(channel="qr").exists(),
        "desks": [d for d in Desk.objects.filter(is_active=True).order_by("name") if d.pk not in desks_done],
        "staff": [
            s
            for s in StaffMember.objects.filter(is_active=True).select_related("desk").order_by("full_name")
            if s.pk not in staff_done
        ],
    }
