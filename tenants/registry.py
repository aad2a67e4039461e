"""Loads the official unit registry from the vietnam-provinces package (GSO codes).

The only module that imports vietnam_provinces. Both structures are loaded: the two-tier
one in force since 1 July 2025 and the three-tier legacy one, linked by successor rows.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from .models import DivisionType, Level, Structure, Unit
from .services import _path, unit_code_normalize, unit_parent_check, unit_schema_name

REFORM_DAY = dt.date(2025, 7, 1)
LEGACY_LAST_DAY = REFORM_DAY - dt.timedelta(days=1)

DIVISION_TYPES = {
    "tỉnh": DivisionType.PROVINCE,
    "thành phố trung ương": DivisionType.CENTRAL_CITY,
    "huyện": DivisionType.RURAL_DISTRICT,
    "quận": DivisionType.URBAN_DISTRICT,
    "thị xã": DivisionType.TOWN,
    "thành phố": DivisionType.PROVINCIAL_CITY,
    "xã": DivisionType.COMMUNE,
    "phường": DivisionType.WARD,
    "thị trấn": DivisionType.TOWNSHIP,
    "đặc khu": DivisionType.SPECIAL_ZONE,
}


@dataclass(frozen=True)
class Row:
    structure: str
    level: str
    code: str
    name: str
    division_type: str
    parent_code: str | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.structure, self.code)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links_created: int = 0
    by_level: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.links_created)


def _code(value: int, level: str) -> str:
    return unit_code_normalize(code=int(value), level=level)


def _current_rows(provinces: set[str] | None) -> list[Row]:
    from vietnam_provinces import Province, Ward

    rows = []
    for p in Province.iter_all():
        code = _code(p.code, Level.PROVINCE)
        if provinces is None or code in provinces:
            rows.append(
                Row(Structure.CURRENT, Level.PROVINCE, code, p.name, DIVISION_TYPES[p.division_type], None)
            )
    for w in Ward.iter_all():
        parent = _code(w.province_code, Level.PROVINCE)
        if provinces is None or parent in provinces:
            rows.append(
                Row(
                    Structure.CURRENT,
                    Level.COMMUNE,
                    _code(w.code, Level.COMMUNE),
                    w.name,
                    DIVISION_TYPES[w.division_type],
                    parent,
                )
            )
    return rows


def _legacy_rows(legacy_provinces: set[str] | None) -> list[Row]:
    from vietnam_provinces.legacy import District, Province, Ward

    rows = []
    districts: dict[str, str] = {}
    for p in Province.iter_all():
        code = _code(p.code, Level.PROVINCE)
        if legacy_provinces is None or code in legacy_provinces:
            rows.append(
                Row(Structure.LEGACY, Level.PROVINCE, code, p.name, DIVISION_TYPES[p.division_type], None)
            )
    for d in District.iter_all():
        parent = _code(d.province_code, Level.PROVINCE)
        code = _code(d.code, Level.DISTRICT)
        districts[code] = parent
        if legacy_provinces is None or parent in legacy_provinces:
            rows.append(
                Row(Structure.LEGACY, Level.DISTRICT, code, d.name, DIVISION_TYPES[d.division_type], parent)
            )
    for w in Ward.iter_all():
        parent = _code(w.district_code, Level.DISTRICT)
        if legacy_provinces is None or districts.get(parent) in legacy_provinces:
            rows.append(
                Row(
                    Structure.LEGACY,
                    Level.COMMUNE,
                    _code(w.code, Level.COMMUNE),
                    w.name,
                    DIVISION_TYPES[w.division_type],
                    parent,
                )
            )
    return rows


def _successor_pairs() -> Iterable[tuple[tuple[str, str], tuple[str, str]]]:
    """(legacy unit key, current unit key) for provinces, districts and communes."""
    from vietnam_provinces._province_conversion_2025 import OLD_TO_NEW as PROVINCES
    from vietnam_provinces._ward_conversion_2025 import OLD_TO_NEW as WARDS

    legacy, current = Structure.LEGACY.value, Structure.CURRENT.value
    for entry in PROVINCES.values():
        old = _code(entry.old_province.code, Level.PROVINCE)
        for new in entry.new_provinces:
            yield (legacy, old), (current, _code(new.code, Level.PROVINCE))
    district_heirs: set[tuple[str, str]] = set()
    for ward in WARDS.values():
        old = _code(ward.old_ward.code, Level.COMMUNE)
        for heir in ward.new_wards:
            yield (legacy, old), (current, _code(heir.code, Level.COMMUNE))
            # A district was abolished, not merged: its heirs are the provinces its communes went to.
            district_heirs.add(
                (
                    _code(ward.old_ward.district_code, Level.DISTRICT),
                    _code(heir.province_code, Level.PROVINCE),
                )
            )
    for district, province in district_heirs:
        yield (legacy, district), (current, province)


def legacy_provinces_for(current_codes: set[str]) -> set[str]:
    from vietnam_provinces._province_conversion_2025 import OLD_TO_NEW

    return {
        _code(e.old_province.code, Level.PROVINCE)
        for e in OLD_TO_NEW.values()
        if any(_code(n.code, Level.PROVINCE) in current_codes for n in e.new_provinces)
    }


def known_province_codes() -> set[str]:
    from vietnam_provinces import Province

    return {_code(p.code, Level.PROVINCE) for p in Province.iter_all()}


@transaction.atomic
def registry_import(
    *, provinces: set[str] | None = None, structures: Iterable[str] = tuple(Structure.values)
) -> ImportReport:
    """Create or update units so the registry equals the package's data; creates no schema."""
    structures = set(structures)
    rows: list[Row] = []
    if Structure.CURRENT in structures:
        rows += _current_rows(provinces)
    if Structure.LEGACY in structures:
        rows += _legacy_rows(None if provinces is None else legacy_provinces_for(provinces))
    validity: dict[str, tuple[dt.date | None, dt.date | None]] = {
        Structure.CURRENT: (REFORM_DAY, None),
        Structure.LEGACY: (None, LEGACY_LAST_DAY),
    }

    report = ImportReport()
    units = {(u.structure, u.code): u for u in Unit.objects.exclude(level=Level.NATIONAL)}
    for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE):
        new, changed = [], []
        for row in (r for r in rows if r.level == level):
            parent = units.get((row.structure, row.parent_code)) if row.parent_code else None
            if row.parent_code and parent is None:
                raise ValueError(f"{row.name} ({row.code}): parent {row.parent_code} is missing")
            unit_parent_check(level=row.level, structure=row.structure, parent=parent)
            valid_from, valid_to = validity[row.structure]
            wanted = {
                "name": row.name,
                "division_type": row.division_type,
                "parent_id": parent.pk if parent else None,
                "path": _path(row.structure, parent, row.code),
                "valid_from": valid_from,
                "valid_to": valid_to,
            }
            report.by_level[(row.structure, level)] = report.by_level.get((row.structure, level), 0) + 1
            unit = units.get(row.key)
            if unit is None:
                unit = Unit(
                    code=row.code,
                    level=level,
                    structure=row.structure,
                    schema_name=unit_schema_name(structure=row.structure, level=level, code=row.code),
                    **wanted,
                )
                new.append(unit)
            elif any(getattr(unit, k) != v for k, v in wanted.items()):
                for k, v in wanted.items():
                    setattr(unit, k, v)
                changed.append(unit)
            else:
                report.unchanged += 1
        for unit in Unit.objects.bulk_create(new, batch_size=2000):
            units[(unit.structure, unit.code)] = unit
        Unit.objects.bulk_update(changed, list(wanted), batch_size=2000)
        report.created += len(new)
        report.updated += len(changed)

    report.links_created = _link_successors(units)
    return report


def _link_successors(units: dict[tuple[str, str], Unit]) -> int:
    through = Unit.successors.through
    existing = set(through.objects.values_list("from_unit_id", "to_unit_id"))
    wanted = set()
    for old, new in _successor_pairs():
        if old in units and new in units:
            wanted.add((units[old].pk, units[new].pk))
    missing = wanted - existing
    through.objects.bulk_create(
        [through(from_unit_id=a, to_unit_id=b) for a, b in sorted(missing)], batch_size=5000
    )
    return len(missing)
