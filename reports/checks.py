"""System checks for the PDF documents: `manage.py check --deploy` (deployment step 6)
stops a server that could not produce them, or only slowly."""

from django.conf import settings
from django.core import checks


@checks.register()
def document_font(app_configs, **kwargs):
    if settings.DOCUMENT_FONT.is_file():
        return []
    return [
        checks.Warning(
            f"The document font {settings.DOCUMENT_FONT} is missing: PDF downloads fail.",
            hint="Run `python manage.py build_document_font` (make does it).",
            id="reports.W001",
        )
    ]


@checks.register(deploy=True)
def harfbuzz_subset(app_configs, **kwargs):
    from weasyprint.pdf import fonts

    if fonts.harfbuzz_subset is not None:
        return []
    return [
        checks.Warning(
            "WeasyPrint cannot use HarfBuzz to subset fonts: every PDF takes seconds more.",
            hint="Install the Debian package libharfbuzz-subset0.",
            id="reports.W002",
        )
    ]
