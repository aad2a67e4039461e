"""Signing in, out of a lockout, and choosing a password: Django's auth views with the platform's rules.

The same one-time link serves a password reset and an invitation (tenants.services.member_invite).
"""

from axes.helpers import get_cool_off
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .forms import PasswordResetForm
from .routing import public_reverse


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The page behind the e-mailed link: choose a password, then you are signed in.

    Choosing a new password also lifts a lock on the account from failed sign-ins: whoever reads the
    account's e-mail is its owner.
    """

    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def get_success_url(self) -> str:
        return settings.LOGIN_REDIRECT_URL

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        messages.success(self.request, _("Your password is set. Welcome!"))
        return response


def signin_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: object = None
) -> HttpResponse:
    """django-axes' answer to a locked-out account or address (AXES_LOCKOUT_CALLABLE): 429 with a way out."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60)
    response = render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "reset_url": public_reverse("password_reset")},
        status=429,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
