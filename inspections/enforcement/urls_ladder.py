"""Placeholder: filled in by the issue-20 work."""

urlpatterns: list = []
