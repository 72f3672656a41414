"""Pages of recurring duties and their logs."""

from django.urls import path

from inspections.duties import views

urlpatterns = [
    path("duties/", views.duty_list, name="duty_list"),
    path("duties/<int:pk>/", views.duty_detail, name="duty_detail"),
    path("duties/<int:pk>/finish/", views.duty_finish, name="duty_finish"),
    path("duties/<int:pk>/self-inspection/", views.duty_self_start, name="duty_self_start"),
    path("duties/late/", views.duties_late, name="duties_late"),
    path("duty-rules/", views.duty_rule_list, name="duty_rule_list"),
    path("duty-rules/new/", views.duty_rule_edit, name="duty_rule_new"),
    path("duty-rules/standard/", views.duty_rules_standard, name="duty_rules_standard"),
    path("duty-rules/<int:pk>/", views.duty_rule_edit, name="duty_rule_edit"),
    path("duty-rules/<int:pk>/active/", views.duty_rule_active, name="duty_rule_active"),
]
