from tests.inspections.conftest import (  # noqa: F401  (fixtures for the inspections list)
    case,
    onsite_template,
)
