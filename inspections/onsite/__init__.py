"""On site: opening and scheduling inspections, answers, evidence photos, signatures,
and finishing a visit."""
