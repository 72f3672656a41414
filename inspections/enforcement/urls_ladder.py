"""The escalation ladder and interviews (约谈)."""

from django.urls import path

from inspections.enforcement import views_ladder

urlpatterns = [
    path(
        "hazards/<int:pk>/escalation/skip/",
        views_ladder.escalation_skip,
        name="escalation_skip",
    ),
    path(
        "hazards/<int:pk>/interview/",
        views_ladder.hazard_interview_add,
        name="hazard_interview_add",
    ),
    path(
        "facilities/<int:pk>/interviews/",
        views_ladder.interview_list,
        name="interview_list",
    ),
    path(
        "facilities/<int:pk>/interviews/new/",
        views_ladder.interview_add,
        name="interview_add",
    ),
    path("interviews/<int:pk>/", views_ladder.interview_detail, name="interview_detail"),
]
