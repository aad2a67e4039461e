"""The test world: the full official registry and a few onboarded units, built once per session.

Each test then runs inside a transaction that is rolled back, in whichever schema it opens.

The clock is pinned: the world is built, and every test starts, at NOW (a Wednesday morning in
Vietnam), so no test depends on the day or the hour it runs. The clock ticks on from there, so
waits and timeouts behave; a test that needs another moment travels with time_machine itself.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from analytics.facts.services import facts_mark_dirty
from surveys.models import Campaign, Procedure, QRLink, Response
from surveys.services import campaign_create, catalog_seed, questionnaire_install_builtin, response_submit
from tenants.confirmation import CONFIRM_FIELD
from tenants.models import Role, Structure, Unit, User
from tenants.registry import registry_import
from tenants.services import public_tenant_ensure, unit_onboard

NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
TODAY = NOW.date()


def clock_pinned() -> time_machine.travel:
    """The pinned clock, for a process of its own (tests/concurrency/worker.py) as for the suite."""
    return time_machine.travel(NOW, tick=True)


@pytest.fixture(scope="session", autouse=True)
def _pinned_clock_for_the_session():
    """The world is built at NOW: its campaigns run from 60 days before to 60 days after."""
    with clock_pinned():
        yield


@pytest.fixture(autouse=True)
def _pinned_clock():
    """Every test starts at NOW, whatever ran before it and however long that took."""
    with clock_pinned():
        yield


# The main world is today's two-tier structure (since 1 July 2025): Lạng Sơn > Hoàng Văn Thụ, the
# commune Hồng Thái (seed 000) was merged into, and Văn Lãng beside it; Nam Dong (seed 004) in Lâm
# Đồng. The legacy three-tier units they came from stay for history: Lạng Sơn > Văn Lãng district >
# Hồng Thái and Bắc La, and Nam Dong in Đắk Nông. The legacy names (province, district, commune,
# sibling, other) keep their meaning for the tests written against them; successor is current_commune.
WORLD_CODES = {
    "current_province": (Structure.CURRENT, "20"),
    "current_commune": (Structure.CURRENT, "06172"),
    "current_sibling": (Structure.CURRENT, "06154"),
    "current_other": (Structure.CURRENT, "24649"),
    "province": (Structure.LEGACY, "20"),
    "district": (Structure.LEGACY, "182"),
    "commune": (Structure.LEGACY, "06175"),
    "sibling": (Structure.LEGACY, "06133"),
    "other": (Structure.LEGACY, "24649"),
}
# The field a POST carries when it confirms an action that cannot be undone (tenants.confirmation).
CONFIRM = {CONFIRM_FIELD: "yes"}
ONBOARDED = (
    "current_commune",
    "current_sibling",
    "current_other",
    "district",
    "commune",
    "sibling",
    "other",
)
# Units with the built-in catalog, the seed questionnaires and open campaigns.
SURVEYED = ("current_commune", "current_sibling", "commune", "sibling")


@dataclass(frozen=True)
class World:
    current_province: Unit
    current_commune: Unit
    current_sibling: Unit
    current_other: Unit
    province: Unit
    district: Unit
    commune: Unit
    sibling: Unit
    other: Unit

    @property
    def successor(self) -> Unit:
        """The current commune that legacy Hồng Thái (`commune`) was merged into."""
        return self.current_commune


BUILTIN_KEYS = ("hong_thai_quick", "son_tay_2017", "nam_dong_2024")
# Named as an official would name them: pages are checked for internal keys in their visible text.
CAMPAIGN_NAMES = {
    "hong_thai_quick": "Khảo sát phiếu nhanh",
    "son_tay_2017": "Khảo sát theo phiếu Sơn Tây",
    "nam_dong_2024": "Khảo sát theo phiếu Nam Dong",
}


def survey_setup() -> None:
    """In the current unit: the built-in catalog, the three seed questionnaires, one open campaign each."""
    catalog_seed()
    today = timezone.localdate()
    for key in BUILTIN_KEYS:
        version = questionnaire_install_builtin(key=key).latest_published
        campaign_create(
            name=CAMPAIGN_NAMES[key],
            version=version,
            starts_on=today - dt.timedelta(days=60),
            ends_on=today + dt.timedelta(days=60),
            channels=["qr", "desk", "staff", "dossier", "paper"],
        )


def _load_world() -> World:
    return World(**{k: Unit.objects.get(structure=s, code=c) for k, (s, c) in WORLD_CODES.items()})


@pytest.fixture(scope="session")
def django_db_setup(_pinned_clock_for_the_session, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        public_tenant_ensure()
        registry_import()
        world = _load_world()
        for name in ONBOARDED:
            unit_onboard(unit=getattr(world, name))
        for name in SURVEYED:
            with tenant_context(getattr(world, name)):
                survey_setup()


@pytest.fixture
def world(db) -> World:
    """Fresh instances per test, so one test's refresh or move cannot leak into the next."""
    return _load_world()


@pytest.fixture
def english(settings):
    """For modules whose assertions read English: pages and messages default to English in them.

    Everything else runs in Vietnamese, the default language of every page.
    """
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _public_schema_after_each_test():
    yield
    connection.set_schema_to_public()


# Helpers every module shares: a signed-in browser and one stored answer
# --------------------------------------------------------------------------------------------------


def signed_in(user: User, **client_options) -> Client:
    """A test client with `user` signed in (client_options as for django.test.Client)."""
    client = Client(**client_options)
    client.force_login(user)
    return client


def answer(
    unit: Unit,
    satisfaction: int,
    *,
    reasons=(),
    comment: str = "",
    link: QRLink | None = None,
    procedure_key: str = "dang_ky_khai_sinh",
    day: dt.date | None = None,
) -> Response:
    """One Hồng Thái quick-form answer (3 = very satisfied … 1 = dissatisfied) stored in `unit` through
    the service, through `link`'s channel if given; with `day`, as if answered that day (the day is
    marked dirty like a real submission's)."""
    with tenant_context(unit):
        campaign = Campaign.objects.get(version__questionnaire__key="hong_thai_quick")
        procedure = Procedure.objects.filter(key=procedure_key).first() or Procedure.objects.first()
        fields = {"q_procedure": procedure.pk, "q_field": "other", "q_field_other": "x"}
        fields["q_satisfaction"] = satisfaction
        if reasons:
            fields["q_reasons"] = list(reasons)
        if comment:
            fields["q_comment"] = comment
        response, _ = response_submit(
            campaign=campaign,
            version_id=campaign.version_id,
            data=post(**fields),
            submission_key=uuid.uuid4(),
            channel=link.channel if link else "qr",
            link=link,
        )
        if day is not None:
            Response.objects.filter(pk=response.pk).update(answered_on=day)
            facts_mark_dirty(unit=unit, day=day)
        return response


def post(**fields) -> QueryDict:
    """A posted form: values may be lists for multi-selects."""
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        data.setlist(name, value if isinstance(value, list) else [str(value)])
    return data


def _person(email: str, unit: Unit | None = None, role: Role | None = None) -> User:
    user = User.objects.create_user(username=email, email=email, password="secret-pass-123")
    if unit is not None and role is not None:
        user.memberships.create(unit=unit, role=role)
    return user


@pytest.fixture
def current_officer(db, world) -> User:
    return _person("officer@hoangvanthu.test", world.current_commune, Role.OFFICER)


@pytest.fixture
def current_admin(db, world) -> User:
    return _person("admin@hoangvanthu.test", world.current_commune, Role.ADMIN)


@pytest.fixture
def current_province_admin(db, world) -> User:
    return _person("admin@langson-current.test", world.current_province, Role.ADMIN)


@pytest.fixture
def commune_officer(db, world) -> User:
    return _person("officer@hongthai.test", world.commune, Role.OFFICER)


@pytest.fixture
def commune_admin(db, world) -> User:
    return _person("admin@hongthai.test", world.commune, Role.ADMIN)


@pytest.fixture
def sibling_officer(db, world) -> User:
    return _person("officer@sibling.test", world.sibling, Role.OFFICER)


@pytest.fixture
def district_viewer(db, world) -> User:
    return _person("viewer@vanlang.test", world.district, Role.VIEWER)


@pytest.fixture
def province_admin(db, world) -> User:
    return _person("admin@langson.test", world.province, Role.ADMIN)


@pytest.fixture
def outsider(db) -> User:
    return _person("outsider@example.test")


@pytest.fixture
def operator(db) -> User:
    return User.objects.create_superuser(
        username="ops@platform.test", email="ops@platform.test", password="x"
    )
