"""A unit's results pages."""

urlpatterns: list = []
