"""A unit's own survey data, stored in the unit's schema."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Desk(models.Model):
    """A one-stop desk (Bộ phận một cửa) or another counter where citizens are served."""

    name = models.CharField(_("name"), max_length=200)
    location = models.CharField(_("location"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("service desk")
        verbose_name_plural = _("service desks")
        constraints = [models.UniqueConstraint(fields=["name"], name="desk_name_unique")]

    def __str__(self) -> str:
        return self.name
