"""Pages of the credit file, cases, lists and annual coverage."""

from django.urls import path

from . import coverage_views, views

urlpatterns = [
    path("credit/facility/<int:pk>/", views.facility_file, name="credit_file"),
    path("credit/facility/<int:pk>/record/", views.event_record, name="credit_event_record"),
    path("credit/cases/", views.case_list, name="credit_cases"),
    path("credit/case/<int:pk>/", views.case_detail, name="credit_case"),
    path("credit/case/<int:pk>/evidence/", views.case_evidence, name="credit_case_evidence"),
    path("credit/event/<int:pk>/object/", views.objection, name="credit_object"),
    path("credit/event/<int:pk>/withdraw/", views.event_withdraw, name="credit_event_withdraw"),
    path("credit/lists/", views.lists, name="credit_lists"),
    path("credit/list-entry/<int:pk>/repair/", views.repair, name="credit_repair"),
    path("credit/coverage/", coverage_views.coverage, name="credit_coverage"),
]
