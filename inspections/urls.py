"""The pages of the supervision domain, one list per sub-domain, under one namespace."""

from inspections.complaints import urls as complaints
from inspections.credit import urls as credit
from inspections.duties import urls as duties
from inspections.enforcement import urls as enforcement
from inspections.hazards import urls as hazards
from inspections.onsite import urls as onsite
from inspections.planning import urls as planning
from inspections.publication import urls as publication

app_name = "inspections"

urlpatterns = [
    *planning.urlpatterns,
    *onsite.urlpatterns,
    *hazards.urlpatterns,
    *publication.urlpatterns,
    *credit.urlpatterns,
    *enforcement.urlpatterns,
    *complaints.urlpatterns,
    *duties.urlpatterns,
]
