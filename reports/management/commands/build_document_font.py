"""Build the Chinese font of the PDF documents (README "Document font")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports import fonts


class Command(BaseCommand):
    help = "Extract the Simplified Chinese face of Noto Sans CJK for the PDF documents."
    # The checks would warn that the font this command builds is missing.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--source", default=fonts.SOURCE, help="the Noto Sans CJK file")
        parser.add_argument("--out", help="where to write it (default: DOCUMENT_FONT)")
        parser.add_argument(
            "--if-missing", action="store_true", help="do nothing when the font exists"
        )

    def handle(self, *args, source, out, if_missing, **options):
        target = Path(out) if out else fonts.font_path()
        if if_missing and target.exists():
            return
        if not Path(source).is_file():
            raise CommandError(
                f"{source} not found: install the Debian package fonts-noto-cjk "
                "(scripts/system-packages.sh)."
            )
        try:
            written = fonts.build(source=source, out=target)
        except (OSError, LookupError) as error:
            raise CommandError(f"Cannot build the document font: {error}") from error
        self.stdout.write(f"{written} ({written.stat().st_size // 1024} KiB)")
