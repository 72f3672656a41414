"""Enforcement cases (立案), transfers (移送) and penalties."""

from django.urls import path

from inspections.enforcement import views_cases

urlpatterns = [
    path("cases/", views_cases.case_list, name="case_list"),
    path("cases/<int:pk>/", views_cases.case_detail, name="case_detail"),
    # From a facility, an inspection or a hazard (views_cases.SOURCES).
    path("cases/new/<slug:source>/<int:pk>/", views_cases.case_open, name="enforcement_case_open"),
    path("cases/<int:pk>/decide/", views_cases.case_decide, name="case_decide"),
    path("cases/<int:pk>/close/", views_cases.case_close, name="case_close"),
    path("cases/<int:pk>/transfer/", views_cases.transfer_send, name="transfer_send"),
    path("cases/<int:pk>/penalty/", views_cases.penalty_record, name="penalty_record"),
    path("transfers/<int:pk>/", views_cases.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/receipt/", views_cases.transfer_receive, name="transfer_receive"),
    path("transfers/<int:pk>/feedback/", views_cases.transfer_answer, name="transfer_answer"),
    path("penalties/<int:pk>/withdraw/", views_cases.penalty_withdraw, name="penalty_withdraw"),
]
