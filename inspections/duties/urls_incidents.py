"""Pages of licences' expiry and incident reports."""

urlpatterns: list = []
