import pytest
from django.core.exceptions import ValidationError

from tenants.models import DivisionType, Level, Structure, Unit
from tenants.services import unit_create, unit_move
from tests.conftest import signed_in

# Assertions read the English messages (see the `english` fixture).
pytestmark = pytest.mark.usefixtures("english")


def _province(code="90", structure=Structure.CURRENT):
    return unit_create(
        code=code,
        name=f"Tỉnh Thử {code}",
        level=Level.PROVINCE,
        division_type=DivisionType.PROVINCE,
        structure=structure,
    )


@pytest.mark.django_db
def test_a_commune_under_a_province_gets_a_path_below_it():
    province = _province()
    commune = unit_create(
        code="99001", name="Xã Thử", level=Level.COMMUNE, division_type=DivisionType.COMMUNE, parent=province
    )
    assert commune.path == "c:90/99001/"
    assert commune.schema_name == "x99001"
    assert not commune.is_onboarded


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("level", "parent_level", "message"),
    [
        (Level.PROVINCE, Level.PROVINCE, "A province has no parent unit."),
        (Level.COMMUNE, Level.COMMUNE, "must be a"),
        (Level.DISTRICT, Level.DISTRICT, "must be a"),
        (Level.DISTRICT, None, "must have a parent"),
        (Level.COMMUNE, None, "must have a parent"),
    ],
)
def test_a_parent_of_the_wrong_level_is_refused_and_nothing_is_written(level, parent_level, message):
    # given
    province = _province(structure=Structure.LEGACY)
    parents = {Level.PROVINCE: province, None: None}
    if parent_level == Level.DISTRICT:
        parents[Level.DISTRICT] = unit_create(
            code="901",
            name="Huyện Thử",
            level=Level.DISTRICT,
            division_type=DivisionType.RURAL_DISTRICT,
            structure=Structure.LEGACY,
            parent=province,
        )
    if parent_level == Level.COMMUNE:
        parents[Level.COMMUNE] = unit_create(
            code="99002",
            name="Xã Thử",
            level=Level.COMMUNE,
            division_type=DivisionType.COMMUNE,
            structure=Structure.LEGACY,
            parent=province,
        )
    before = Unit.objects.count()
    # when / then
    with pytest.raises(ValidationError, match=message):
        unit_create(
            code={Level.PROVINCE: "98", Level.DISTRICT: "977", Level.COMMUNE: "99777"}[level],
            name="Sai",
            level=level,
            division_type=DivisionType.COMMUNE,
            structure=Structure.LEGACY,
            parent=parents[parent_level],
        )
    assert Unit.objects.count() == before


@pytest.mark.django_db
def test_a_duplicate_code_in_the_same_structure_is_refused_but_allowed_in_the_other():
    _province("97")
    with pytest.raises(ValidationError, match="already used"):
        _province("97")
    assert _province("97", structure=Structure.LEGACY).structure == Structure.LEGACY


@pytest.mark.django_db
def test_a_parent_from_the_other_structure_is_refused(world):
    with pytest.raises(ValidationError, match="same structure"):
        unit_create(
            code="99003",
            name="Xã Lạc",
            level=Level.COMMUNE,
            division_type=DivisionType.COMMUNE,
            structure=Structure.CURRENT,
            parent=world.district,
        )


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["abc", "123456", "", "-1"])
def test_a_malformed_code_is_refused(code):
    with pytest.raises(ValidationError, match="not a valid"):
        unit_create(
            code=code, name="X", level=Level.COMMUNE, division_type=DivisionType.COMMUNE, parent=_province()
        )


@pytest.mark.django_db
def test_moving_a_unit_below_its_own_descendant_is_refused(world):
    with pytest.raises(ValidationError):
        unit_move(unit=world.district, parent=world.commune)
    world.district.refresh_from_db()
    assert world.district.path == "l:20/182/"


@pytest.mark.django_db
def test_moving_a_district_rewrites_the_paths_of_its_whole_subtree(world):
    # given another legacy province
    target = Unit.objects.get(structure=Structure.LEGACY, code="67")
    # when
    unit_move(unit=world.district, parent=target)
    # then
    world.commune.refresh_from_db()
    assert world.commune.path == "l:67/182/06175/"
    assert not Unit.objects.filter(path__startswith="l:20/182/").exists()


def _admin_form(unit, parent):
    return {
        "name": unit.name,
        "division_type": unit.division_type,
        "parent": parent.pk if parent else "",
        "valid_from": "",
        "valid_to": "",
    }


@pytest.mark.django_db
def test_moving_a_unit_in_admin_rewrites_the_path_of_its_whole_subtree(operator):
    # given a district with a commune, and another district of the same province
    province = unit_create(
        code="98", name="Tỉnh thử", level=Level.PROVINCE, division_type=DivisionType.PROVINCE
    )
    old = unit_create(
        code="981",
        name="Huyện A",
        level=Level.DISTRICT,
        division_type=DivisionType.RURAL_DISTRICT,
        parent=province,
    )
    new = unit_create(
        code="982",
        name="Huyện B",
        level=Level.DISTRICT,
        division_type=DivisionType.RURAL_DISTRICT,
        parent=province,
    )
    commune = unit_create(
        code="98101", name="Xã C", level=Level.COMMUNE, division_type=DivisionType.COMMUNE, parent=old
    )
    # when an operator gives the commune the other district in admin
    answer = signed_in(operator).post(f"/admin/tenants/unit/{commune.pk}/change/", _admin_form(commune, new))
    # then the service moved it: parent and path agree
    assert answer.status_code == 302
    commune.refresh_from_db()
    assert commune.parent == new
    assert commune.path == new.path + "98101/"


@pytest.mark.django_db
def test_admin_refuses_a_parent_the_hierarchy_does_not_allow(operator):
    province = unit_create(
        code="97", name="Tỉnh thử", level=Level.PROVINCE, division_type=DivisionType.PROVINCE
    )
    district = unit_create(
        code="971",
        name="Huyện A",
        level=Level.DISTRICT,
        division_type=DivisionType.RURAL_DISTRICT,
        parent=province,
    )
    commune = unit_create(
        code="97101", name="Xã C", level=Level.COMMUNE, division_type=DivisionType.COMMUNE, parent=district
    )
    # a district placed under its own commune would be a cycle, and under a commune at all is refused
    answer = signed_in(operator).post(
        f"/admin/tenants/unit/{district.pk}/change/", _admin_form(district, commune)
    )
    assert answer.status_code == 200
    district.refresh_from_db()
    assert district.parent == province
    assert district.path == province.path + "971/"


@pytest.mark.django_db
def test_units_are_not_added_in_admin_but_imported_from_the_registry(operator):
    assert signed_in(operator).get("/admin/tenants/unit/add/").status_code == 403
