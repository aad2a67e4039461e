"""The demo world: the units of the five source documents, onboarded, with one demo user per role.

Idempotent: a second run finds everything in place and changes nothing.
"""

from dataclasses import dataclass

from django.db import transaction

from .models import Level, Membership, Role, Structure, Unit
from .services import member_invite, public_tenant_ensure, unit_onboard, user_ensure

DEMO_PASSWORD = "demo-2026"  # noqa: S105 - printed on purpose: demo accounts only

# Legacy units named in the seeds (codes of the GSO registry).
LEGACY_UNITS = [
    "20",
    "182",
    "06175",  # Lạng Sơn > Văn Lãng > Hồng Thái (seed 000)
    "01",
    "269",  # Hà Nội > Sơn Tây town (seed 001)
    "45",
    "461",
    "462",
    "466",  # Quảng Trị > Đông Hà, Quảng Trị town, Gio Linh (seed 002)
    "19342",
    "19345",
    "19351",
    "19358",
    "19360",
    "19705",
    "19495",
    "19522",
    "19498",
    "56",
    "571",
    "22516",  # Khánh Hòa > Vạn Ninh > Vạn Thắng (seed 003)
    "67",
    "662",
    "24649",  # Đắk Nông > Cư Jút > Nam Dong (seed 004)
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    units: tuple[tuple[str, str], ...]  # (structure, code)
    description: str


ACCOUNTS = [
    DemoAccount("vanhanh@demo.sipas.vn", "operator", (), "platform operator (Django admin, onboarding)"),
    DemoAccount(
        "quantri.langson@demo.sipas.vn",
        Role.ADMIN,
        ((Structure.LEGACY, "20"), (Structure.CURRENT, "20")),
        "province admin, Lạng Sơn",
    ),
    DemoAccount(
        "xem.vanlang@demo.sipas.vn", Role.VIEWER, ((Structure.LEGACY, "182"),), "district viewer, Văn Lãng"
    ),
    DemoAccount(
        "canbo.hongthai@demo.sipas.vn",
        Role.OFFICER,
        ((Structure.LEGACY, "06175"),),
        "commune officer, Hồng Thái",
    ),
    DemoAccount(
        "chutich.hongthai@demo.sipas.vn",
        Role.ADMIN,
        ((Structure.LEGACY, "06175"),),
        "commune chairman (admin), Hồng Thái",
    ),
    DemoAccount(
        "canbo.namdong@demo.sipas.vn",
        Role.OFFICER,
        ((Structure.LEGACY, "24649"),),
        "commune officer, Nam Dong",
    ),
    DemoAccount(
        "quantri.quangtri@demo.sipas.vn",
        Role.ADMIN,
        ((Structure.LEGACY, "45"), (Structure.CURRENT, "44")),
        "province admin, Quảng Trị",
    ),
]


def demo_units() -> list[Unit]:
    """The seeds' legacy units, every unit above them, and the current units they were merged into."""
    legacy = list(Unit.objects.filter(structure=Structure.LEGACY, code__in=LEGACY_UNITS))
    current = Unit.objects.filter(predecessors__in=legacy).exclude(level=Level.NATIONAL).distinct()
    merged_into = list(current)
    provinces = Unit.objects.filter(
        structure=Structure.CURRENT, level=Level.PROVINCE, code__in={u.path[2:4] for u in merged_into}
    )
    return sorted({*legacy, *merged_into, *provinces}, key=lambda u: (u.structure, u.path))


@transaction.atomic
def _accounts() -> list[DemoAccount]:
    for account in ACCOUNTS:
        user, created = user_ensure(email=account.email)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = account.role == "operator"
            user.save()
        for structure, code in account.units:
            unit = Unit.objects.get(structure=structure, code=code)
            if not Membership.objects.filter(user=user, unit=unit).exists():
                member_invite(granter=None, email=user.email, unit=unit, role=account.role, notify=False)
    return ACCOUNTS


def demo_seed() -> tuple[list[Unit], list[DemoAccount]]:
    public_tenant_ensure()
    units = demo_units()
    if not units:
        raise RuntimeError("The unit registry is empty: run `manage.py import_units` first.")
    for unit in units:
        if not unit.is_onboarded:
            unit_onboard(unit=unit)
    return units, _accounts()
