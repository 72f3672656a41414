"""The major-hazard criteria of 民办发〔2023〕13号 as shipped in criteria.yaml.

Migration 0015 loads them into a new database. The demo seed loads them again, because
tests that flush the database (browser tests) lose what migrations wrote; loading is
idempotent and never overwrites a criterion a bureau has edited in the admin.
"""

from pathlib import Path

import yaml

CRITERIA = Path(__file__).resolve().parent / "criteria.yaml"


def load(model):
    """Create each shipped criterion ``model`` (the app's or a migration's historical
    model) does not have yet; return how many were created."""
    created = 0
    for position, row in enumerate(yaml.safe_load(CRITERIA.read_text(encoding="utf-8"))):
        _, new = model.objects.get_or_create(
            code=row["code"],
            defaults={
                "group": row["group"],
                "text": row["text"],
                "needs_outside_determination": bool(row.get("outside")),
                "position": position,
            },
        )
        created += new
    return created
