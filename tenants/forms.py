from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Role, User
from .services import password_link


class MembershipForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, also for people invited who have not chosen a password yet (their link may have
    expired); the e-mail's link points at BASE_URL, the site's public address."""

    def get_users(self, email: str) -> QuerySet[User]:
        return User.objects.filter(email__iexact=email, is_active=True)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        context["link"] = password_link(user=context["user"])
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATE_ERROR = _("Write the date as dd/mm/yyyy, e.g. 01/09/2024.")
PAGE_ERROR = _("The page number must be a whole number.")


def day_field(label: Any, *, required: bool = False) -> forms.DateField:
    """A day typed as dd/mm/yyyy (or ISO, as links carry it)."""
    return forms.DateField(
        required=required, input_formats=DATE_FORMATS, error_messages={"invalid": DATE_ERROR}, label=label
    )


class ListFilterForm(forms.Form):
    """A console list's query string: a period, a page and the list's own choices. Anything it refuses
    gives a 400 with its message: an unknown choice, a malformed day or page, a period ending before it
    starts."""

    date_from = day_field(_("From"))
    date_to = day_field(_("To"))
    page = forms.IntegerField(
        required=False,
        label=_("Page"),
        min_value=1,
        error_messages={"invalid": PAGE_ERROR, "min_value": PAGE_ERROR},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field) is forms.ChoiceField:
                field.error_messages["invalid_choice"] = _("This filter value is not in the list.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The period ends before it starts."))
        return data
