import pytest
from django.core.cache import cache
from django.test import Client

from api.models import Scope
from api.services import api_client_create
from tenants.models import Structure, Unit

ALL_SCOPES = list(Scope.values)


class Api:
    """A test client that sends one API key and JSON."""

    def __init__(self, key: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"} if key else {}

    def get(self, path, **params):
        return self.client.get(path, params, **self.headers)

    def post(self, path, data, raw=False):
        body = data if raw else __import__("json").dumps(data)
        return self.client.post(path, body, content_type="application/json", **self.headers)

    def delete(self, path):
        return self.client.delete(path, **self.headers)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def make_api(operator):
    def make(unit: Unit, scopes=None, **kw) -> tuple[Api, object]:
        client, key = api_client_create(
            creator=operator, unit=unit, name=f"client of {unit.code}", scopes=scopes or ALL_SCOPES, **kw
        )
        return Api(key), client

    return make


@pytest.fixture
def national_province(world):
    return Unit.objects.get(structure=Structure.LEGACY, code="20")
