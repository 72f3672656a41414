"""The credit tests reuse the supervision fixtures (plans, inspections, hazards)."""

import pytest

from tests.inspections.conftest import *  # noqa: F403


@pytest.fixture
def steady(world):
    """Classes the default rules agree with: no facility starts with a proposal
    (a facility without events scores 95, class B)."""
    from core.audited import save_with_history

    for key in ("facility", "other_facility", "far_facility"):
        facility = world[key]
        facility.risk_class = "B"
        save_with_history(facility)
    return world


@pytest.fixture(autouse=True)
def language_reset():
    """Pages read in English (Accept-Language) leave the language active in the test's
    thread: put the default back for the tests that run after."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def english(settings, request):
    """Assertions read the English msgids; a test marked ``chinese`` reads the default."""
    if not request.node.get_closest_marker("chinese"):
        settings.LANGUAGE_CODE = "en"
