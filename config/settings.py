"""Settings read from the environment, with safe development defaults.

Production is switched on by DJANGO_DEBUG=0 plus a real DJANGO_SECRET_KEY and
DJANGO_ALLOWED_HOSTS; see README "Production".
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.cache import caches_from_env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET = "dev-only-insecure-key-never-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    # Before viewflow: its workflow_timers command (which also fires hazard alarms)
    # replaces viewflow's of the same name.
    "workflows",
    "viewflow",
    "viewflow.workflow",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "registry",
    "checklists",
    "inspections",
    "reports",
    "audit",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must be last: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.navigation.navigation",
            ],
        },
    },
]

# Each worker keeps its connection for this many seconds instead of opening one per
# request (4 ms idle, 20-50 ms on a busy machine: benchmarks/overhead_bench.py). Checked
# before reuse, so a restarted database costs a new connection, not an error page. 0
# behind a pooler in transaction mode such as PgBouncer, which keeps the connections
# (docs/deployment.md).
DATABASE_CONN_MAX_AGE = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
if DATABASE_CONN_MAX_AGE < 0:
    raise ImproperlyConfigured("DATABASE_CONN_MAX_AGE must be 0 or more (seconds).")
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=DATABASE_CONN_MAX_AGE,
        conn_health_checks=DATABASE_CONN_MAX_AGE > 0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers work while one writer writes; IMMEDIATE avoids
    # "database is locked" upgrades inside write transactions.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("SQLITE_TEST_NAME")
# A PostgreSQL streaming replica: the public site's and the API's reads go there
# (config/routers.py); without it everything reads and writes the one database.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASE_CONN_MAX_AGE,
        conn_health_checks=DATABASE_CONN_MAX_AGE > 0,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
    MIDDLEWARE.insert(1, "config.routers.ReplicaReadsMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "registry.User"

AUTHENTICATION_BACKENDS = [
    # Axes first so a locked-out username is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock out a username from one address after repeated failures. Inspectors share
# carrier NAT addresses, so an address alone is never locked.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registry/lockout.html"
AXES_VERBOSE = False
# The client's address behind the reverse proxy too (core/clientip.py).
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"

# Reverse proxy (docs/deployment.md): with DJANGO_BEHIND_PROXY=1 the client's address
# is read from X-Forwarded-For, written by the DJANGO_TRUSTED_PROXY_COUNT proxies in
# front of the WSGI server (nginx alone: 1), and HTTPS from X-Forwarded-Proto.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "1"))
if TRUSTED_PROXY_COUNT < 1:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be 1 or more.")

# Sessions end after a working day without a request: each request restarts the clock
# (config/sessions.py, which writes the session at most every few minutes).
SESSION_ENGINE = "config.sessions"
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_IDLE_MINUTES", "480")) * 60
if SESSION_COOKIE_AGE < 60:
    raise ImproperlyConfigured("DJANGO_SESSION_IDLE_MINUTES must be 1 or more.")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost")

# Evidence photos live apart from MEDIA_ROOT, with no URL: only an access-checked
# view streams them.
# Working days a facility has to file the "five in place" plan of a supervised major hazard.
SUPERVISION_PLAN_WORKING_DAYS = int(os.environ.get("SUPERVISION_PLAN_WORKING_DAYS", "5"))
# The escalation ladder of an overdue hazard (inspections.enforcement): for each hazard
# class, the working days after the due date at which each step is reached while the
# hazard stays overdue. The reminder (the first step) is the overdue alarm itself.
# JSON in the environment replaces it; ``manage.py check`` refuses a malformed ladder.
_LADDER = os.environ.get("HAZARD_ESCALATION_LADDER", "")
try:
    HAZARD_ESCALATION_LADDER = (
        json.loads(_LADDER)
        if _LADDER
        else {
            "general": {"interview": 5, "control": 15, "case": 30},
            "major": {"interview": 2, "control": 5, "case": 10},
        }
    )
except ValueError:
    HAZARD_ESCALATION_LADDER = _LADDER  # named by the system check, not a traceback
# Working days a verifier has to verify a submitted fix (DOMAIN.md §4: 3).
VERIFY_WITHIN_WORKING_DAYS = int(os.environ.get("VERIFY_WITHIN_WORKING_DAYS", "3"))
# Working days a department a case was transferred to (移送) has to send its feedback.
TRANSFER_FEEDBACK_WORKING_DAYS = int(os.environ.get("TRANSFER_FEEDBACK_WORKING_DAYS", "20"))
# Complaints (投诉举报): working days to reply, and the public form's limits per source
# (a keyed hash of the client address) and per phone number; the lookup page's limit
# against guessing query codes.
COMPLAINT_REPLY_WORKING_DAYS = int(os.environ.get("COMPLAINT_REPLY_WORKING_DAYS", "15"))
COMPLAINT_LIMIT_PER_HOUR = int(os.environ.get("COMPLAINT_LIMIT_PER_HOUR", "3"))
COMPLAINT_LIMIT_PER_DAY = int(os.environ.get("COMPLAINT_LIMIT_PER_DAY", "10"))
COMPLAINT_LOOKUP_LIMIT = int(os.environ.get("COMPLAINT_LOOKUP_LIMIT", "10"))
COMPLAINT_LOOKUP_WINDOW_SECONDS = int(os.environ.get("COMPLAINT_LOOKUP_WINDOW_SECONDS", "600"))
# Days before a registry licence expires at which its facility's managers are reminded
# (inspections.duties.licences); 0 is the day it expires, when the county's leads are told too.
try:
    LICENCE_REMINDER_DAYS = tuple(
        sorted({int(d) for d in env_list("LICENCE_REMINDER_DAYS", "60,30,7,0")}, reverse=True)
    )
except ValueError:
    LICENCE_REMINDER_DAYS = ()
if not LICENCE_REMINDER_DAYS or min(LICENCE_REMINDER_DAYS) < 0:
    raise ImproperlyConfigured(
        "LICENCE_REMINDER_DAYS must be whole days, 0 or more, e.g. 60,30,7,0."
    )
# Hours after an incident (突发事件) by which the facility must have reported it, per kind
# (practice: local rules differ). JSON in the environment replaces the listed kinds.
_INCIDENT_HOURS = {"fire": 1, "food_poisoning": 2, "fall": 24, "missing": 2, "other": 24}
try:
    INCIDENT_REPORT_HOURS = {
        **_INCIDENT_HOURS,
        **json.loads(os.environ.get("INCIDENT_REPORT_HOURS", "") or "{}"),
    }
except (ValueError, TypeError):
    INCIDENT_REPORT_HOURS = {}
if set(INCIDENT_REPORT_HOURS) != set(_INCIDENT_HOURS) or not all(
    isinstance(h, int | float) and 0 < h <= 720 for h in INCIDENT_REPORT_HOURS.values()
):
    raise ImproperlyConfigured(
        "INCIDENT_REPORT_HOURS must be JSON with hours (more than 0, at most 720) for "
        "fire, food_poisoning, fall, missing and other."
    )

EVIDENCE_ROOT = Path(os.environ.get("EVIDENCE_ROOT", VAR_DIR / "evidence"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": EVIDENCE_ROOT, "base_url": "/no-public-url/"},
    },
}
# Object storage for uploads when configured (django-storages, see README).
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    STORAGES["evidence"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "evidence", "default_acl": "private", "querystring_auth": True},
    }
# Rendered PDF documents kept for later downloads (reports/documents.py): private and
# without URL like evidence (staff documents hold names), served by the views.
DOCUMENTS_ROOT = Path(os.environ.get("DOCUMENTS_ROOT", VAR_DIR / "documents"))
STORAGES["documents"] = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "documents", "default_acl": "private", "file_overwrite": True},
    }
    if os.environ.get("AWS_STORAGE_BUCKET_NAME")
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DOCUMENTS_ROOT, "base_url": "/no-public-url/"},
    }
)
# The cache counts the public downloads per client: it must be shared by all worker
# processes of all servers (a directory by default, for one server; Redis through
# REDIS_URL for several; see config/cache.py).
CACHES = caches_from_env(os.environ, VAR_DIR)
# Anonymous downloads of PDFs and open data: at most this many per client address in
# each window (logged-in users are not counted).
PUBLIC_DOWNLOAD_LIMIT = int(os.environ.get("PUBLIC_DOWNLOAD_LIMIT", "20"))
PUBLIC_DOWNLOAD_WINDOW_SECONDS = int(os.environ.get("PUBLIC_DOWNLOAD_WINDOW_SECONDS", "60"))
if PUBLIC_DOWNLOAD_LIMIT < 1 or PUBLIC_DOWNLOAD_WINDOW_SECONDS < 1:
    raise ImproperlyConfigured(
        "PUBLIC_DOWNLOAD_LIMIT and PUBLIC_DOWNLOAD_WINDOW_SECONDS must be 1 or more."
    )
# Staff exports (reports.jobs): a chosen set of at most this many rows downloads at once;
# a larger one becomes a background job of `manage.py export_worker`, whose file is kept
# this many hours after it is done.
EXPORT_INLINE_ROWS = int(os.environ.get("EXPORT_INLINE_ROWS", "500"))
EXPORT_KEEP_HOURS = int(os.environ.get("EXPORT_KEEP_HOURS", "72"))
if EXPORT_INLINE_ROWS < 0 or EXPORT_KEEP_HOURS < 1:
    raise ImproperlyConfigured("EXPORT_INLINE_ROWS must be 0 or more, EXPORT_KEEP_HOURS 1 or more.")
# Font for the stamp drawn on evidence previews (must cover Chinese).
STAMP_FONT = os.environ.get("STAMP_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# A photo whose camera claims a time more than this many days before the upload (or
# after it) is flagged on the staff pages: the camera's clock is not trusted.
PHOTO_CAMERA_TIME_MAX_AGE_DAYS = int(os.environ.get("PHOTO_CAMERA_TIME_MAX_AGE_DAYS", "7"))
# A photo upload in chunks left unfinished this long is removed with its parts by
# `manage.py workflow_timers` (a phone back after that sends the photo again).
PHOTO_UPLOAD_STALE_HOURS = int(os.environ.get("PHOTO_UPLOAD_STALE_HOURS", "168"))
if PHOTO_UPLOAD_STALE_HOURS < 1:
    raise ImproperlyConfigured("PHOTO_UPLOAD_STALE_HOURS must be 1 or more.")
# The Chinese face the PDF documents embed, built once from fonts-noto-cjk by
# `manage.py build_document_font` (make does it). Beside the code, not under VAR_DIR:
# it is a build product, not data.
DOCUMENT_FONT = Path(
    os.environ.get("DOCUMENT_FONT", BASE_DIR / "var" / "fonts" / "NotoSansSC-Documents.otf")
)
# The site's address, for links outside the site: the QR codes of PDFs, the links of
# notification e-mails and other channels.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Outside witnesses: each seal of the audit chain is e-mailed to these addresses.
AUDIT_SEAL_EMAILS = [
    a.strip() for a in os.environ.get("AUDIT_SEAL_EMAILS", "").split(",") if a.strip()
]
# Working hours in local time, "start,end" (from start:00 up to but not including end:00):
# the auditor's report of changes outside working hours lists the rest, and every change
# on a day the work calendar says is not a working day.
try:
    AUDIT_WORKING_HOURS = tuple(int(h) for h in env_list("AUDIT_WORKING_HOURS", "8,18"))
except ValueError:
    AUDIT_WORKING_HOURS = ()
if len(AUDIT_WORKING_HOURS) != 2 or not 0 <= AUDIT_WORKING_HOURS[0] < AUDIT_WORKING_HOURS[1] <= 24:
    raise ImproperlyConfigured('AUDIT_WORKING_HOURS must be two hours "start,end", 0-24.')
# Where notifications go besides the in-app inbox: dotted paths of channel classes
# (core/channels.py; docs/deployment.md "Notifications: e-mail and other channels").
NOTIFY_CHANNELS = env_list("NOTIFY_CHANNELS", "core.channels.EmailChannel,core.channels.LogChannel")

# Content-Security-Policy (config/csp.py): scripts and styles only from the site's own
# files. Templates hold no inline <script>, no on*= handlers and no style= attributes
# (tests/test_csp.py checks), so styles need no 'unsafe-inline' either. data: images are
# the drawn signatures shown back on the finish page; blob: images are the phone's own
# photos shown while they wait in the outbox (static/js/outbox.js). The service worker
# (/sw.js) and the web app manifest come from the site itself. The Swagger UI page of
# the API keeps to it too (reports/api_urls.py).
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint logs seven progress steps per PDF, and fontTools every table it
    # subsets (reports/fonts.py), at INFO.
    "loggers": {
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# The read-only API (reports/api.py) for the provincial platform: token only (no
# session, so no CSRF surface), JSON only, paginated; README "Read-only API".
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["reports.api_auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["reports.api_auth.HasApiToken"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Elderly-care safety supervision: read-only API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
