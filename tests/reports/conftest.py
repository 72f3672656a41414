# The plan, pool and draw fixtures of the inspections tests, for the public pages.
from tests.inspections.conftest import (  # noqa: F401
    case,
    county_facilities,
    drawn,
    finished,
    onsite_template,
    plan,
    pool,
    published_template,
    started,
    unannounced,
)
