from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("draws.json", views.draw_list_json, name="draw_list_json"),
    path("draws/<int:pk>.json", views.draw_json, name="draw_json"),
]
