"""The test world: the full official registry and a few onboarded units, built once per session.

Each test then runs inside a transaction that is rolled back, in whichever schema it opens.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connection
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from surveys.services import campaign_create, catalog_seed, questionnaire_install_builtin
from tenants.confirmation import CONFIRM_FIELD
from tenants.models import Role, Structure, Unit, User
from tenants.registry import registry_import
from tenants.services import public_tenant_ensure, unit_onboard

# Legacy Lạng Sơn > Văn Lãng > Hồng Thái (seed 000) and a sibling commune, plus Nam Dong (seed 004)
# in another province; and the current commune Hồng Thái was merged into.
WORLD_CODES = {
    "province": (Structure.LEGACY, "20"),
    "district": (Structure.LEGACY, "182"),
    "commune": (Structure.LEGACY, "06175"),
    "sibling": (Structure.LEGACY, "06133"),
    "other": (Structure.LEGACY, "24649"),
    "successor": (Structure.CURRENT, "06172"),
}
# The field a POST carries when it confirms an action that cannot be undone (tenants.confirmation).
CONFIRM = {CONFIRM_FIELD: "yes"}
ONBOARDED = ("district", "commune", "sibling", "other", "successor")


@dataclass(frozen=True)
class World:
    province: Unit
    district: Unit
    commune: Unit
    sibling: Unit
    other: Unit
    successor: Unit


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
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        public_tenant_ensure()
        registry_import()
        world = _load_world()
        for name in ONBOARDED:
            unit_onboard(unit=getattr(world, name))
        for unit in (world.commune, world.sibling):
            with tenant_context(unit):
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


def _person(email: str, unit: Unit | None = None, role: Role | None = None) -> User:
    user = User.objects.create_user(username=email, email=email, password="secret-pass-123")
    if unit is not None and role is not None:
        user.memberships.create(unit=unit, role=role)
    return user


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
