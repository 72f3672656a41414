"""Staff pages of complaints (under the inspections namespace)."""

urlpatterns: list = []
