# The flows follow inspections and hazards: the same fixtures build them.
from tests.inspections.conftest import *  # noqa: F403
