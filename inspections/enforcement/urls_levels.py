"""Pages of the supervision of lower levels (约谈/通报 of a lower region's bureau)."""

from django.urls import path

from . import views_levels

urlpatterns = [
    path("levels/", views_levels.level_actions, name="level_actions"),
    path("levels/new/", views_levels.level_action_add, name="level_action_add"),
    path("levels/<int:pk>/", views_levels.level_action_detail, name="level_action_detail"),
]
