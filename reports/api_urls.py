"""URLs of the read-only API under /api/ (README "Read-only API")."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import api

app_name = "api"

router = SimpleRouter()
router.register("plans", api.PlanViewSet, basename="plan")
router.register("draws", api.DrawViewSet, basename="draw")
router.register("results", api.ResultViewSet, basename="result")
router.register("hazards", api.HazardViewSet, basename="hazard")
router.register("credit", api.CreditViewSet, basename="credit")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Under the site's Content-Security-Policy as it is: the split view serves Swagger UI's
    # start-up script as a file (?script) instead of inline, and the template moves
    # drf-spectacular's inline <style> to a file.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="reports/api_docs.html"
        ),
        name="docs",
    ),
    *router.urls,
    re_path(r"", api.NotFoundView.as_view(), name="not_found"),
]
