"""The auditor's exception reports: lists that point at what deserves a look.

Each report is a ``base.Report`` registered in ``base.REPORTS``; the families of
reports live in the modules of this package and are imported here so that
registering happens on first import.
"""

from . import changes, draws, hazards, people, publication  # noqa: F401
