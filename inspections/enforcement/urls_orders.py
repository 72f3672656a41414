"""Control orders (责令停止使用 / 停业整顿)."""

from django.urls import path

from inspections.enforcement import views_orders

urlpatterns = [
    path("control-orders/", views_orders.control_order_list, name="control_order_list"),
    path(
        "control-orders/<int:pk>/", views_orders.control_order_detail, name="control_order_detail"
    ),
    # From a facility, an inspection under way or a hazard (views_orders.SOURCES).
    path(
        "control-orders/new/<slug:source>/<int:pk>/",
        views_orders.control_order_issue,
        name="control_order_issue",
    ),
    path(
        "control-orders/<int:pk>/acknowledge/",
        views_orders.control_order_acknowledge,
        name="control_order_acknowledge",
    ),
    path(
        "control-orders/<int:pk>/lift/", views_orders.control_order_lift, name="control_order_lift"
    ),
]
