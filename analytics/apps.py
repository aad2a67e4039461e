from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Results and analytics")

    def ready(self) -> None:
        from .facts import receivers  # noqa: F401 - connects the facts to the surveys' signal
