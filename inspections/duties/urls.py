"""Pages of the facility's own duties, licences and incidents (under the inspections namespace)."""

from inspections.duties import urls_duties, urls_incidents

urlpatterns = [*urls_duties.urlpatterns, *urls_incidents.urlpatterns]
