"""The public complaint form and the status lookup by tracking number and query code."""

from django.urls import path

from inspections.complaints import public_views

app_name = "complaints_public"

urlpatterns = [
    path("", public_views.complaint_form, name="form"),
    path("sent/", public_views.complaint_done, name="done"),
    path("lookup/", public_views.complaint_lookup, name="lookup"),
]
