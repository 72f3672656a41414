"""python manage.py export_worker [--once] [--sleep SECONDS]: the staff exports too large
for a request (reports.jobs). Runs as a long-lived service beside the web server: it
writes each queued job's file, then removes the files past ``EXPORT_KEEP_HOURS``.
``--once`` drains the queue, expires, and exits (cron, tests). Several workers may run
at once: each job is claimed by one of them (docs/deployment.md "The export worker")."""

import signal
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from reports import jobs


def _stop(signum, frame):
    # systemctl stop sends SIGTERM: leave like Ctrl-C, failing the job at hand (jobs_drain).
    sys.exit(0)


class Command(BaseCommand):
    help = "Write queued export jobs and remove expired export files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="drain the queue, expire old files, and exit"
        )
        parser.add_argument(
            "--sleep", type=float, default=5.0, help="seconds between looks at an empty queue"
        )

    def handle(self, *args, **options):
        pause = options["sleep"]
        if not 0.1 <= pause <= 3600:
            raise CommandError("--sleep must be between 0.1 and 3600 seconds")
        if not options["once"]:
            signal.signal(signal.SIGTERM, _stop)
        while True:
            expired = jobs.jobs_expire()
            ran = jobs.jobs_drain()
            if ran or expired or options["once"]:
                self.stdout.write(f"{ran} export job(s) run, {expired} expired")
            if options["once"]:
                return
            if not ran:
                time.sleep(pause)
