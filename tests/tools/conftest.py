# The plan, pool and draw fixtures of the inspections tests, for the public pages.
from tests.inspections.conftest import (  # noqa: F401
    county_facilities,
    drawn,
    plan,
    pool,
    published_template,
)
