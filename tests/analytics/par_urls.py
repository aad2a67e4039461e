"""The unit URLconf with the PAR pages, for tests/analytics/test_par.py.

The PAR patterns are meant to be included in platform/config/urls_tenant.py's "unit" namespace; until
they are, the tests route through this copy of it (harmless once they are: the first match wins).
"""

from django.urls import include, path

from analytics import urls_par
from config import urls_tenant

_patterns, _namespace = urls_tenant.unit_patterns
urlpatterns = [path("", include(([*_patterns, *urls_par.urlpatterns], _namespace)))]
