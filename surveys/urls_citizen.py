"""Public pages of citizens: /q/<code> and /d/<token>."""

urlpatterns: list = []
