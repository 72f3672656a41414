"""Database sessions that end after settings.SESSION_COOKIE_AGE without use.

Each use pushes the end back, but at most once every REFRESH_SECONDS: Django's
SESSION_SAVE_EVERY_REQUEST would write the session row on every request (each photo
thumbnail of a page included), and SQLite has a single writer. So a session ends at most
REFRESH_SECONDS (a tenth of a short age) before SESSION_COOKIE_AGE after its last request."""

from django.contrib.sessions.backends import db
from django.utils import timezone

REFRESH_SECONDS = 300


class SessionStore(db.SessionStore):
    def load(self):
        session = self._get_session_from_db()
        if session is None:
            return {}
        age = self.get_session_cookie_age()
        left = (session.expire_date - timezone.now()).total_seconds()
        if left < age - min(REFRESH_SECONDS, age / 10):
            # SessionMiddleware saves a modified session with a new end, and its cookie.
            self.modified = True
        return self.decode(session.session_data)
