"""Filled by its owner."""

urlpatterns: list = []
