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
