"""The API's error body for the exceptions Django itself raises, not only DRF's."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from api.errors import api_exception_handler

pytestmark = pytest.mark.usefixtures("english")


def test_djangos_permission_denied_is_a_structured_403():
    # given: Django's own PermissionDenied (a service or a decorator may raise it), which DRF answers 403
    # when: the API's handler turns it into the API's error body
    response = api_exception_handler(PermissionDenied(), {})
    # then: a 403 in the usual shape, not an AttributeError (500) on a `detail` Django's exception lacks
    assert response is not None
    assert response.status_code == 403
    assert response.data == {
        "error": {
            "code": "permission_denied",
            "message": "You do not have permission to perform this action.",
            "field": None,
        }
    }


def test_djangos_404_is_a_structured_404():
    response = api_exception_handler(Http404(), {})
    assert response is not None
    assert response.status_code == 404
    assert response.data["error"]["code"] == "not_found"


def test_anything_else_is_left_to_django():
    assert api_exception_handler(ValueError("boom"), {}) is None
