"""Pages of recurring duties and their logs."""

urlpatterns: list = []
