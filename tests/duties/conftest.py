from tests.inspections.conftest import published_template  # noqa: F401  (a checklist to use)
