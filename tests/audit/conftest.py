"""Fixtures of the audit tests: a second county's auditor, and the supervision
fixtures the scope tests need (imported so that pytest registers them here)."""

import csv
import io

import pytest

from registry.models import User
from tests.conftest import PASSWORD
from tests.inspections.conftest import (  # noqa: F401  (fixtures)
    case,
    county_facilities,
    drawn,
    finished,
    onsite_template,
    plan,
    pool,
    published_template,
    started,
)


@pytest.fixture(autouse=True)
def english(settings):
    # Assertions read English msgids; the zh_Hans catalog is someone else's work.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def other_auditor(world):
    user = User.objects.create_user(
        username="other_auditor", password=PASSWORD, role=User.Role.AUDITOR, full_name="钱审"
    )
    user.regions.set([world["other_county"]])
    return user


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))
