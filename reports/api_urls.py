"""URLs of the read-only API under /api/ (README "Read-only API")."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from . import api

app_name = "api"

router = SimpleRouter()
router.register("plans", api.PlanViewSet, basename="plan")
router.register("draws", api.DrawViewSet, basename="draw")
router.register("results", api.ResultViewSet, basename="result")
router.register("hazards", api.HazardViewSet, basename="hazard")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
