"""Shared by tests outside enforcement that need a case behind an inspection (移送处罚)."""

from inspections.enforcement import cases


def case_behind(inspection, lead):
    """An enforcement case opened by ``lead`` for ``inspection``: what lets its result
    be published as 移送处罚."""
    return cases.case_open(
        facility=inspection.facility,
        kind="transfer",
        facts="检查发现的问题涉嫌违法，需移送处罚。",
        legal_basis="《养老机构管理办法》第四十六条",
        inspection=inspection,
        by=lead,
    )
