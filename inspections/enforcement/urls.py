"""The pages of enforcement, one list per part."""

from inspections.enforcement import urls_cases, urls_found, urls_ladder, urls_levels, urls_orders

urlpatterns = [
    *urls_found.urlpatterns,
    *urls_orders.urlpatterns,
    *urls_ladder.urlpatterns,
    *urls_cases.urlpatterns,
    *urls_levels.urlpatterns,
]
