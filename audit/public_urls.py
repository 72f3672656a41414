from django.urls import path

from . import public_views

app_name = "audit_public"

urlpatterns = [
    path("seals/", public_views.seal_list, name="seal_list"),
    path("seals.json", public_views.seals_json, name="seals_json"),
]
