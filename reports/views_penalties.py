"""Open data of administrative penalties (依法公示行政处罚信息): every penalty recorded and
not withdrawn, as JSON and CSV. A penalty exists only once decided; one withdrawn
leaves these files. What a body decided about a facility, never a person: no names
of people, no case file."""

import csv
import io
import json

from django.http import StreamingHttpResponse

from inspections import access
from inspections.enforcement.models import Penalty

from .exports import neutralise
from .ratelimit import limited

PENALTY_COLUMNS = [
    "decision_no",
    "decided_on",
    "kind",
    "kind_label",
    "legal_basis",
    "authority",
    "amount",
    "facility_name",
    "facility_credit_code",
    "region_code",
]


def _rows():
    penalties = (
        access.public_penalties()
        .select_related("facility__region")
        .order_by("-decided_on", "-pk")
        .iterator(chunk_size=500)
    )
    for penalty in penalties:
        yield {
            "decision_no": penalty.decision_no,
            "decided_on": penalty.decided_on.isoformat(),
            "kind": penalty.kind,
            "kind_label": str(Penalty.Kind(penalty.kind).label),
            "legal_basis": penalty.legal_basis,
            "authority": penalty.authority,
            "amount": None if penalty.amount is None else str(penalty.amount),
            "facility_name": penalty.facility.name,
            "facility_credit_code": penalty.facility.credit_code or None,
            "region_code": penalty.facility.region.code,
        }


@limited
def penalties_json(request):
    def chunks():
        yield "["
        for n, row in enumerate(_rows()):
            yield ("," if n else "") + "\n" + json.dumps(row, ensure_ascii=False)
        yield "\n]\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@limited
def penalties_csv(request):
    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # With a BOM, Excel on Chinese Windows opens it as UTF-8.
        buffer.write("\ufeff")
        writer.writerow(PENALTY_COLUMNS)
        for row in _rows():
            writer.writerow(["" if row[c] is None else neutralise(row[c]) for c in PENALTY_COLUMNS])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="penalties.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return response
