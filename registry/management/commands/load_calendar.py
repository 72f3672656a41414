from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from registry import services


class Command(BaseCommand):
    help = (
        "Load the official holiday schedules (调休 included). Without options, every year "
        "bundled in the chinese-calendar package; with --year and --file, a newly announced "
        "year from a CSV file with the columns 日期,类型,名称 (类型: 休 or 班)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="the year the file holds")
        parser.add_argument("--file", help="CSV file of holidays (休) and make-up days (班)")
        parser.add_argument("--source", default="", help="where the schedule was published")

    def handle(self, *args, year=None, file=None, source="", **options):
        translation.activate(settings.LANGUAGE_CODE)
        if file:
            if not year:
                raise CommandError(_("--file needs --year."))
            try:
                days = services.calendar_parse_file(file, year)
            except OSError as exc:
                raise CommandError(
                    _("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}
                ) from None
            except services.CalendarFileError as exc:
                for line in exc.errors:
                    self.stderr.write(line)
                raise CommandError(_("Nothing was loaded.")) from None
            services.calendar_load_year(year=year, days=days, source=source or file)
            self.stdout.write(_("Loaded %(n)d days for %(year)d.") % {"n": len(days), "year": year})
            return
        years = services.calendar_load_from_package(years=[year] if year else None)
        if year and not years:
            raise CommandError(
                _("The bundled schedule does not cover %(year)d; load it with --file.")
                % {"year": year}
            )
        self.stdout.write(
            _("Loaded the official schedules of %(years)s.") % {"years": ", ".join(map(str, years))}
        )
