"""Sign-in, sign-out and passwords; config mounts them under /accounts/."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import account_views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/<uidb64>/<token>/",
        account_views.PasswordSetView.as_view(),
        name="password_reset_confirm",
    ),
]
