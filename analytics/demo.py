"""Survey set-up and a year of synthetic answers for the demo units, so `make demo` shows real pages;
a handful of feedback records per demo commune, received, handled and rated through the services; a
household round of seed 002 in the field.

Idempotent: a unit that already has a campaign (or feedback) is left as it is. The answers are random
but seeded, so every demo shows the same figures.
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
from surveys.feedback import (
    FeedbackInput,
    feedback_assign,
    feedback_rate,
    feedback_record,
    feedback_reply,
    rating_url,
)
from surveys.households.models import HouseholdRound, RoundCommune, Slot, Village
from surveys.households.services import (
    enumerator_assign,
    household_answer_submit,
    household_list_replace,
    household_round_create,
    households_draw,
    slot_record,
    village_add,
)
from surveys.models import (
    Campaign,
    Feedback,
    FeedbackCategory,
    FeedbackSource,
    FeedbackStatus,
    FeedbackStatusChange,
    Procedure,
    QRLink,
    ReplyMethod,
    Response,
)
from surveys.services import campaign_create, catalog_seed, questionnaire_install_builtin, response_submit
from surveys.setup_services import campaign_link_ensure, desk_create, staff_member_create
from tenants.demo import DEMO_PASSWORD
from tenants.models import Membership, Role, Structure, Unit, User

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


# Feedback and complaints
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoFeedback:
    """One record: received `days_ago`, then replied `reply_offset` days after its due date (negative:
    before it; None: no reply yet) and rated 1–5 by the citizen when they left contact details."""

    days_ago: int
    source: str
    category: str
    content: str
    contact: dict[str, str] | None
    reply_offset: int | None
    rating: int | None = None


DEMO_FEEDBACK = [
    DemoFeedback(
        200,
        FeedbackSource.LETTER,
        FeedbackCategory.PROCEDURE,
        "Đề nghị niêm yết rõ thành phần hồ sơ đăng ký khai sinh tại Bộ phận một cửa.",
        {"name": "Nguyễn Văn Bình", "phone": "0912 345 678"},
        -3,
        rating=5,
    ),
    DemoFeedback(
        150,
        FeedbackSource.HOTLINE,
        FeedbackCategory.RESULT,
        "Hồ sơ chứng thực trả chậm hai ngày so với giấy hẹn.",
        {"name": "Trần Thị Hoa", "phone": "0987 654 321"},
        4,
        rating=2,
    ),
    DemoFeedback(
        120,
        FeedbackSource.MEETING,
        FeedbackCategory.ATTITUDE,
        "Công chức tiếp nhận hướng dẫn tận tình, đề nghị biểu dương.",
        None,
        -1,
    ),
    DemoFeedback(
        90,
        FeedbackSource.MAILBOX,
        FeedbackCategory.UNOFFICIAL_COSTS,
        "Có người đề nghị nộp thêm tiền ngoài lệ phí khi làm thủ tục đất đai.",
        None,
        0,
    ),
    DemoFeedback(
        60,
        FeedbackSource.MEETING,
        FeedbackCategory.SUGGESTION,
        "Đề nghị bố trí thêm ghế chờ và quạt tại Bộ phận một cửa.",
        {"name": "Lê Văn Tâm", "address": "Thôn Nà Lầu"},
        -2,
        rating=4,
    ),
    DemoFeedback(
        40,
        FeedbackSource.LETTER,
        FeedbackCategory.ACCESS,
        "Khó tìm thông tin về giờ làm việc sáng thứ Bảy.",
        {"phone": "0203 3880 123"},
        2,
        rating=3,
    ),
    DemoFeedback(
        25,
        FeedbackSource.HOTLINE,
        FeedbackCategory.RESULT,
        "Chưa nhận được kết quả cấp đổi giấy chứng nhận quyền sử dụng đất.",
        None,
        None,
    ),
    DemoFeedback(
        2,
        FeedbackSource.MAILBOX,
        FeedbackCategory.OTHER,
        "Đề nghị sửa lại biển chỉ dẫn vào trụ sở.",
        None,
        None,
    ),
]


def _demo_handler(unit: Unit) -> User | None:
    """Who handles the demo feedback: the unit's officer, else its admin, else the platform operator
    (the demo accounts); None without any of them."""
    for role in (Role.OFFICER, Role.ADMIN):
        membership = Membership.objects.filter(unit=unit, role=role, user__is_active=True).first()
        if membership is not None:
            return membership.user
    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def demo_feedback_seed(*, unit: Unit, handler: User) -> int:
    """DEMO_FEEDBACK in the unit, entered, assigned, replied and rated through the services, then dated
    back as the demo answers are. None made when the unit has feedback already; returns how many."""
    with tenant_context(unit):
        if Feedback.objects.exists():
            return 0
    today = timezone.localdate()
    tz = timezone.get_default_timezone()
    for item in DEMO_FEEDBACK:
        received = today - dt.timedelta(days=item.days_ago)
        while received.weekday() >= 5:
            received -= dt.timedelta(days=1)
        data = FeedbackInput(category=item.category, content=item.content, contact=item.contact)
        feedback = feedback_record(
            unit=unit, data=data, source=item.source, received_on=received, entered_by=handler
        )
        feedback = feedback_assign(unit=unit, feedback=feedback, official=handler, by=handler)
        assigned_at = feedback.received_at + dt.timedelta(hours=2)
        with tenant_context(unit):
            Feedback.objects.filter(pk=feedback.pk).update(assigned_at=assigned_at)
            history = FeedbackStatusChange.objects.filter(feedback=feedback)
            history.filter(status=FeedbackStatus.ASSIGNED).update(at=assigned_at)
        if item.reply_offset is None:
            continue
        feedback = feedback_reply(
            unit=unit,
            feedback=feedback,
            reply="Ủy ban nhân dân đã tiếp nhận, kiểm tra và xử lý theo quy định. Cảm ơn ông/bà đã phản ánh.",
            method=ReplyMethod.PRINTED,
            by=handler,
        )
        if item.rating is not None and feedback.rateable:
            signed = rating_url(unit=unit, feedback=feedback).rsplit("/", 1)[-1]
            feedback_rate(signed=signed, value=str(item.rating))
        replied_at = dt.datetime.combine(
            feedback.due_on + dt.timedelta(days=item.reply_offset), dt.time(15), tzinfo=tz
        )
        with tenant_context(unit):
            Feedback.objects.filter(pk=feedback.pk).update(
                replied_at=replied_at,
                rated_at=replied_at + dt.timedelta(days=2) if item.rating is not None else None,
            )
            history.filter(status=FeedbackStatus.REPLIED).update(at=replied_at)
    return len(DEMO_FEEDBACK)


def demo_feedback_seed_all() -> dict[Unit, int]:
    """The demo feedback in each demo commune that has a handler among the demo accounts."""
    seeded = {}
    for structure, code in DEMO_SURVEYS:
        unit = Unit.objects.filter(structure=structure, code=code, onboarded_at__isnull=False).first()
        handler = _demo_handler(unit) if unit is not None else None
        if (
            unit is not None
            and handler is not None
            and (made := demo_feedback_seed(unit=unit, handler=handler))
        ):
            seeded[unit] = made
    return seeded


# Seed 002's round in the demo: legacy Quảng Trị, three of the plan's communes (Đông Hà), its enumerator.
HOUSEHOLD_PROVINCE = (Structure.LEGACY, "45")
HOUSEHOLD_COMMUNES = ("19342", "19345", "19351")
HOUSEHOLD_MANAGER = "quantri.quangtri@demo.sipas.vn"
HOUSEHOLD_ENUMERATOR = "dieutra.quangtri@demo.sipas.vn"
ASSESSMENT = {"agree": 70, "unsure": 18, "disagree": 12}


def _household_answers(definition: dict, rng: random.Random) -> QueryDict:
    """One household's questionnaire: assessments mostly agreeing, ratings mostly satisfied, up to the
    allowed number of needs, and the respondent's characteristics."""
    data = QueryDict(mutable=True)
    mood = rng.choices(["happy", "ok", "unhappy"], weights=[72, 18, 10])[0]
    for q in definition["questions"]:
        name = f"q_{q['key']}"
        options = [o["key"] for o in q.get("options", [])]
        if q["kind"] == "choice" and set(ASSESSMENT) == set(options):
            data[name] = rng.choices(list(ASSESSMENT), weights=list(ASSESSMENT.values()))[0]
        elif q["kind"] == "choice":
            data[name] = rng.choice(options)
        elif q["kind"] == "rating":  # the household's mood, and now and then another view of this element
            feeling = mood if rng.random() < 0.75 else rng.choice(["happy", "ok", "unhappy"])
            levels = {"happy": rng.choice([5, 4, 4]), "ok": 3, "unhappy": rng.choice([1, 2])}
            data[name] = str(levels[feeling])
        elif q["kind"] == "reasons":
            data.setlist(name, rng.sample(options, k=rng.randint(1, q.get("max_choices") or 1)))
    return data


def demo_household_seed(
    *, province: Unit, manager: User, communes: list[Unit], enumerator_email: str, seed: int = 2024
) -> HouseholdRound | None:
    """A household round in the field, made through the services: two villages per commune with their
    household lists, eight households and two reserves drawn in each, the first village given to an
    enumerator (who signs in with the demo password), and the villages but the last two handed out,
    mostly collected and answered, a few refusals replaced by their reserves. None when the province
    has a round already."""
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    with tenant_context(province):
        if HouseholdRound.objects.exists():
            return None
        survey_round = household_round_create(
            owner=province,
            name=f"Khảo sát sự hài lòng của hộ gia đình năm {today.year}",
            structure=province.structure,
            communes=communes,
            handout=(today - 6 * day, today - 5 * day),
            collect=(today - 4 * day, today - 3 * day),
            deliver=(today + day, today + 2 * day),
            user=manager,
            households_per_village=8,
            reserves_per_village=2,
        )
        rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        round_communes = RoundCommune.objects.filter(round=survey_round).select_related("commune")
        for rc in round_communes.order_by("commune__path"):
            for name in ("Thôn Đông", "Thôn Tây"):
                count = rng.randint(60, 160)
                village = village_add(round_commune=rc, name=name, household_count=count)
                rows = [(f"Hộ số {i}", f"{name}, {rc.commune.name}") for i in range(1, count + 1)]
                household_list_replace(village=village, rows=rows)
        households_draw(survey_round=survey_round, seed=seed)
        villages = list(
            Village.objects.filter(round_commune__round=survey_round).order_by(
                "round_commune__commune__path", "position"
            )
        )
        enumerator = enumerator_assign(village=villages[0], email=enumerator_email)
        if enumerator is not None and not enumerator.has_usable_password():
            enumerator.set_password(DEMO_PASSWORD)
            enumerator.save(update_fields=["password"])
        definition = survey_round.campaign.version.definition
        for village in villages[:-2]:
            for slot in list(
                Slot.objects.filter(village=village, status=Slot.Status.PENDING).order_by("serial")
            ):
                slot = slot_record(slot=slot, status=Slot.Status.HANDED_OUT, day=survey_round.handout_from)
                roll = rng.random()
                if roll < 0.08:
                    slot_record(slot=slot, status=Slot.Status.REFUSED, day=survey_round.collect_from)
                elif roll > 0.2:  # else handed out, not collected yet
                    slot = slot_record(slot=slot, status=Slot.Status.COLLECTED, day=survey_round.collect_from)
                    household_answer_submit(
                        slot=slot,
                        data=_household_answers(definition, rng),
                        submission_key=uuid.uuid4(),
                        user=enumerator or manager,
                    )
    return survey_round


def demo_household_seed_default() -> HouseholdRound | None:
    """The demo's round in legacy Quảng Trị, when its province and manager are there."""
    structure, code = HOUSEHOLD_PROVINCE
    province = Unit.objects.filter(structure=structure, code=code, onboarded_at__isnull=False).first()
    manager = User.objects.filter(email=HOUSEHOLD_MANAGER).first()
    if province is None or manager is None:
        return None
    communes = list(Unit.objects.filter(structure=structure, code__in=HOUSEHOLD_COMMUNES).order_by("path"))
    return demo_household_seed(
        province=province, manager=manager, communes=communes, enumerator_email=HOUSEHOLD_ENUMERATOR
    )
