"""Survey set-up and a year of synthetic answers for the demo units, so `make demo` shows real pages.

Idempotent: a unit that already has a campaign is left as it is. The answers are random but seeded,
so every demo shows the same figures.
"""

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.facts.services import facts_rebuild
from surveys.models import Campaign, Procedure, QRLink, Response
from surveys.services import campaign_create, catalog_seed, questionnaire_install_builtin, response_submit
from surveys.setup_services import campaign_link_ensure, desk_create, staff_member_create
from tenants.models import Structure, Unit

# (structure, code) → the seed questionnaire the unit used, and how many answers to make up.
DEMO_SURVEYS = {
    (Structure.LEGACY, "06175"): ("hong_thai_quick", 420),  # Hồng Thái, seed 000
    (Structure.LEGACY, "24649"): ("nam_dong_2024", 360),  # Nam Dong, seed 004
    (Structure.LEGACY, "22516"): ("hong_thai_quick", 150),  # Vạn Thắng, seed 003
    (Structure.LEGACY, "19342"): ("son_tay_2017", 90),  # Phường 2, Đông Hà (seed 002's area)
}
STAFF = [
    ("Nguyễn Thị Lan", "Công chức Tư pháp - Hộ tịch"),
    ("Hoàng Văn Minh", "Công chức Địa chính - Xây dựng"),
]


@dataclass(frozen=True)
class DemoSurvey:
    unit: Unit
    campaign: Campaign
    links: list[QRLink]
    responses: int


def _answers(definition: dict, rng: random.Random, procedure_ids: list[int]) -> QueryDict:
    """One plausible respondent: mostly satisfied, some not, with reasons when unhappy."""
    data = QueryDict(mutable=True)
    mood = rng.choices(["happy", "ok", "unhappy"], weights=[70, 18, 12])[0]
    buckets: dict[str, str] = {}
    chose_procedure = False
    for q in definition["questions"]:
        name = f"q_{q['key']}"
        show_if = q.get("show_if")
        if show_if and buckets.get(show_if["question"]) != show_if["bucket"]:
            continue
        if q["kind"] == "procedure":
            data[name] = str(rng.choice(procedure_ids))
            chose_procedure = True
        elif q["kind"] == "field" and not chose_procedure:  # as the form says: no field after a procedure
            data[name], data[f"{name}_other"] = "other", "Hộ tịch"
        elif q["kind"] == "rating":
            if q["scale"] == "3":
                value = {"happy": rng.choice([3, 3, 2]), "ok": 2, "unhappy": 1}[mood]
            else:
                value = {
                    "happy": rng.choice([5, 4, 4]),
                    "ok": rng.choice([4, 3]),
                    "unhappy": rng.choice([2, 1, 3]),
                }[mood]
            data[name] = str(value)
            buckets[q["key"]] = "unsatisfied" if value <= (1 if q["scale"] == "3" else 2) else "satisfied"
        elif q["kind"] == "reasons" and (mood == "unhappy" or q.get("required")):
            options = [o["key"] for o in q["options"]]
            data.setlist(name, rng.sample(options, k=min(len(options), rng.choice([1, 1, 2]))))
    return data


def demo_survey_seed(
    *, unit: Unit, questionnaire_key: str, count: int, seed: int = 2026
) -> DemoSurvey | None:
    with tenant_context(unit):
        if Campaign.objects.exists():
            return None
        with transaction.atomic():
            catalog_seed()
            version = questionnaire_install_builtin(key=questionnaire_key).latest_published
            if version is None:
                raise RuntimeError(
                    f"The built-in questionnaire {questionnaire_key} has no published version."
                )
            today = timezone.localdate()
            campaign = campaign_create(
                name=f"Khảo sát sự hài lòng năm {today.year}",
                version=version,
                starts_on=today - dt.timedelta(days=365),
                ends_on=today.replace(month=12, day=31),
                channels=["qr", "desk", "staff", "dossier", "paper"],
            )
            desk = desk_create(name="Bộ phận tiếp nhận và trả kết quả", location="Trụ sở UBND")
            staff = [staff_member_create(full_name=n, position=p, desk=desk) for n, p in STAFF]
            links = [
                campaign_link_ensure(unit=unit, campaign=campaign)[0],
                campaign_link_ensure(unit=unit, campaign=campaign, desk=desk)[0],
                *(campaign_link_ensure(unit=unit, campaign=campaign, staff=s)[0] for s in staff),
            ]
        rng = random.Random(f"{seed}:{unit.schema_name}")  # noqa: S311 - reproducible demo data, not secrets
        procedure_ids = list(
            Procedure.objects.filter(field__key__in=["ho_tich", "chung_thuc", "dat_dai"]).values_list(
                "pk", flat=True
            )
        )
        for _ in range(count):
            link = rng.choice(links)
            response, _created = response_submit(
                campaign=campaign,
                version_id=version.pk,
                submission_key=uuid.uuid4(),
                channel=link.channel,
                link=link,
                data=_answers(version.definition, rng, procedure_ids),
            )
            # spread over the past year, weekdays only, as a one-stop desk works
            day = today - dt.timedelta(days=rng.randrange(0, 365))
            while day.weekday() >= 5:
                day -= dt.timedelta(days=1)
            Response.objects.filter(pk=response.pk).update(
                answered_on=day, submitted_at=response.submitted_at - dt.timedelta(days=(today - day).days)
            )
    facts_rebuild(units=[unit])
    return DemoSurvey(unit, campaign, links, count)


def demo_surveys_seed() -> list[DemoSurvey]:
    seeded = []
    for (structure, code), (key, count) in DEMO_SURVEYS.items():
        unit = Unit.objects.filter(structure=structure, code=code, onboarded_at__isnull=False).first()
        if unit is not None and (result := demo_survey_seed(unit=unit, questionnaire_key=key, count=count)):
            seeded.append(result)
    return seeded
