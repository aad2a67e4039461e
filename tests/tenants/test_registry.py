import io

import pytest
from django.core.management import CommandError, call_command

from tenants.models import Level, Structure, Unit
from tenants.registry import _current_rows, registry_import


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("structure", "level", "count"),
    [
        (Structure.CURRENT, Level.PROVINCE, 34),
        (Structure.CURRENT, Level.COMMUNE, 3321),
        (Structure.LEGACY, Level.PROVINCE, 63),
        (Structure.LEGACY, Level.DISTRICT, 696),
        (Structure.LEGACY, Level.COMMUNE, 10051),
    ],
)
def test_the_registry_holds_both_structures_in_full(structure, level, count):
    assert Unit.objects.filter(structure=structure, level=level).count() == count


@pytest.mark.django_db
def test_current_units_are_valid_from_the_reform_and_legacy_ones_until_the_day_before():
    current = Unit.objects.filter(structure=Structure.CURRENT).exclude(level=Level.NATIONAL)
    legacy = Unit.objects.filter(structure=Structure.LEGACY)
    assert set(current.values_list("valid_from", flat=True)) == {__import__("datetime").date(2025, 7, 1)}
    assert set(legacy.values_list("valid_to", flat=True)) == {__import__("datetime").date(2025, 6, 30)}


@pytest.mark.django_db
def test_a_second_import_changes_nothing_and_says_so():
    report = registry_import()
    assert not report.changed
    out = io.StringIO()
    call_command("import_units", stdout=out)
    assert "nothing changed" in out.getvalue()


@pytest.mark.django_db
def test_a_renamed_unit_is_restored_by_the_next_import(world):
    Unit.objects.filter(pk=world.commune.pk).update(name="Tên sai")
    report = registry_import(provinces={"20"})
    assert report.updated == 1
    world.commune.refresh_from_db()
    assert world.commune.name == "Xã Hồng Thái"


def test_the_import_can_be_limited_to_some_provinces():
    rows = _current_rows({"20"})
    assert {r.level for r in rows} == {Level.PROVINCE, Level.COMMUNE}
    assert all(r.parent_code in (None, "20") for r in rows)
    assert 50 < len(rows) < 120


@pytest.mark.django_db
def test_an_unknown_province_code_is_refused():
    with pytest.raises(CommandError, match="Unknown province code"):
        call_command("import_units", "--province", "99")


@pytest.mark.django_db
def test_a_merged_commune_points_to_its_successor_and_back(world):
    assert list(world.commune.successors.all()) == [world.successor]
    assert world.commune in world.successor.predecessors.all()
    assert world.province.successors.get().structure == Structure.CURRENT


@pytest.mark.django_db
def test_the_import_creates_no_schema(world):
    from django_tenants.utils import schema_exists

    assert not schema_exists(world.province.schema_name)
    assert schema_exists(world.commune.schema_name)


@pytest.mark.django_db
def test_the_test_worlds_main_units_are_two_tier_and_carry_the_legacy_ones_history(world):
    # today's structure: communes straight under their province, no district
    assert world.current_commune.parent == world.current_sibling.parent == world.current_province
    assert world.current_other.parent != world.current_province
    for unit in (world.current_province, world.current_commune, world.current_other):
        assert unit.structure == Structure.CURRENT
    assert (world.current_province.level, world.current_commune.level) == (Level.PROVINCE, Level.COMMUNE)
    # the legacy units they replaced stay, for history
    assert world.commune.parent == world.district and world.district.parent == world.province
    assert world.successor == world.current_commune
    assert world.commune in world.current_commune.predecessors.all()
    assert world.sibling in world.current_sibling.predecessors.all()
    assert world.other in world.current_other.predecessors.all()
