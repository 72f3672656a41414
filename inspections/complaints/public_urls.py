"""The public complaint form and the status lookup by tracking number and query code."""

app_name = "complaints_public"

urlpatterns: list = []
