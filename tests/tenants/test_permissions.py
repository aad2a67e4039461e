import pytest
from django.core.exceptions import ValidationError

from tenants.models import Role
from tenants.permissions import Action, has_perm, visible_units
from tenants.services import member_invite

# (persona, unit of the world, action, allowed)
# Assertions read the English messages (see the `english` fixture).
pytestmark = pytest.mark.usefixtures("english")


MATRIX = [
    ("commune_officer", "commune", Action.VIEW_FIGURES, True),
    ("commune_officer", "commune", Action.VIEW_RESPONSES, True),
    ("commune_officer", "commune", Action.OPERATE, True),
    ("commune_officer", "commune", Action.MANAGE, False),
    ("commune_officer", "sibling", Action.VIEW_FIGURES, False),
    ("commune_officer", "district", Action.VIEW_FIGURES, False),
    ("district_viewer", "district", Action.VIEW_FIGURES, True),
    ("district_viewer", "commune", Action.VIEW_FIGURES, True),
    ("district_viewer", "sibling", Action.VIEW_FIGURES, True),
    ("district_viewer", "commune", Action.VIEW_RESPONSES, False),
    ("district_viewer", "commune", Action.OPERATE, False),
    ("district_viewer", "province", Action.VIEW_FIGURES, False),
    ("district_viewer", "other", Action.VIEW_FIGURES, False),
    ("province_admin", "province", Action.MANAGE, True),
    ("province_admin", "commune", Action.VIEW_FIGURES, True),
    ("province_admin", "commune", Action.MANAGE, True),
    ("province_admin", "commune", Action.VIEW_RESPONSES, False),
    ("province_admin", "other", Action.VIEW_FIGURES, False),
    ("outsider", "commune", Action.VIEW_FIGURES, False),
    ("outsider", "province", Action.VIEW_FIGURES, False),
    ("operator", "other", Action.MANAGE, True),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "unit", "action", "allowed"), MATRIX)
def test_permission_matrix(request, world, persona, unit, action, allowed):
    user = request.getfixturevalue(persona)
    assert has_perm(user, action, getattr(world, unit)) is allowed


@pytest.mark.django_db
def test_a_district_viewer_sees_exactly_the_district_subtree(world, district_viewer):
    units = visible_units(district_viewer)
    assert world.commune in units and world.sibling in units and world.district in units
    assert world.province not in units and world.other not in units
    assert all(u.path.startswith(world.district.path) for u in units)


@pytest.mark.django_db
def test_an_outsider_sees_nothing(outsider):
    assert not visible_units(outsider).exists()


@pytest.mark.django_db
def test_an_anonymous_user_may_do_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not has_perm(AnonymousUser(), Action.VIEW_FIGURES, world.commune)


@pytest.mark.django_db
def test_a_province_admin_can_grant_a_role_in_a_commune_below(world, province_admin, outsider):
    membership = member_invite(
        granter=province_admin, email=outsider.email, unit=world.commune, role=Role.OFFICER
    ).membership
    assert membership.granted_by == province_admin
    assert has_perm(outsider, Action.OPERATE, world.commune)


@pytest.mark.django_db
def test_a_grant_outside_the_granters_subtree_is_refused_and_nothing_is_written(
    world, province_admin, outsider
):
    with pytest.raises(ValidationError, match="outside"):
        member_invite(granter=province_admin, email=outsider.email, unit=world.other, role=Role.VIEWER)
    assert not outsider.memberships.exists()


@pytest.mark.django_db
def test_a_commune_officer_cannot_grant_roles_even_in_their_own_unit(world, commune_officer, outsider):
    with pytest.raises(ValidationError):
        member_invite(granter=commune_officer, email=outsider.email, unit=world.commune, role=Role.ADMIN)


@pytest.mark.django_db
def test_an_unknown_role_is_refused(world, province_admin, outsider):
    with pytest.raises(ValidationError, match="Unknown role"):
        member_invite(granter=province_admin, email=outsider.email, unit=world.commune, role="owner")
