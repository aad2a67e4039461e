import uuid

import pytest
from django_tenants.utils import tenant_context

from surveys.models import Campaign, Procedure
from tests.conftest import post  # noqa: F401 - modules import it from here too


@pytest.fixture
def in_commune(world):
    with tenant_context(world.commune):
        yield world.commune


@pytest.fixture
def campaigns(in_commune) -> dict[str, Campaign]:
    return {c.version.questionnaire.key: c for c in Campaign.objects.select_related("version__questionnaire")}


@pytest.fixture
def procedure(in_commune) -> Procedure:
    return Procedure.objects.filter(field__key="ho_tich").first()


@pytest.fixture
def key():
    return uuid.uuid4()
