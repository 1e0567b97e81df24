"""Vetted settings, read from the environment.

Every variable is documented in README.md ("Configuration"). With nothing set,
Vetted runs embedded: SQLite under var/, Celery tasks eager in-process, a
local-memory cache and emails printed to the console.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VETTED_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
TESTING = env_bool("TESTING", default=False)  # set by pyproject.toml under pytest

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    # bandit waiver (reviewed): a placeholder used only with DEBUG=1 (see the check above).
    SECRET_KEY = "insecure-development-key-only-for-DEBUG"  # nosec B105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "Vetted")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "reversion",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "articles",
    "audit",  # the append-only workflow event log every app writes to
    "review",
    "evidence",
    "publishing",
    "demo",  # the demo content and seed_demo (imports every app; nothing imports it)
    "ops",  # health checks, system checks, logs, metrics, backup/restore (see the Operations block)
]

MIDDLEWARE = [
    # Outermost, so every response gets them, even one an inner middleware answers alone (cms/security.py).
    "cms.security.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the fast path: whether this request's reads may use a replica (cms/replicas.py; inert without one).
    "cms.replicas.ReplicaReadsMiddleware",
    # Public pages found in the page cache are answered here, before sessions,
    # auth, messages and CSRF run; so is a stored article page on a cache miss (publishing/fastpath.py).
    "publishing.fastpath.FastPathMiddleware",
    # The language of a reader's page is the one its address names (cms/languages.py).
    "cms.languages.PathLanguageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cms.accounts.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out sign-in into the "sign-in paused" page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",  # the admin checks for it
                "cms.context_processors.messages",  # after it, so a public page's shared bytes show none
                "cms.context_processors.site",
            ],
            # {% role_name %} and |has_role in every template, including pages and emails rendered without a request;
            # Django's i18n tags ({% translate %}, {% blocktranslate %}) too, so no template needs {% load i18n %}.
            "builtins": ["cms.template_roles", "django.templatetags.i18n"],
        },
    },
]

# --- Database -------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "vetted.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run during a write; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue on the busy timeout instead of deadlocking.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# Read replicas (cms/replicas.py): PostgreSQL streaming replicas of the primary, comma-separated.
# Readers' GETs read one of them; writes, transactions, tasks and a browser's reads just after its
# own write use the primary. A replica down or more than REPLICA_MAX_LAG_SECONDS behind is skipped.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5)
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 15)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 1)
_replica_urls = [url.strip() for url in DATABASE_REPLICA_URL.split(",") if url.strip()]
if _replica_urls:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs a PostgreSQL primary (DATABASE_URL=postgres://...).")
    if REPLICA_PIN_SECONDS <= REPLICA_MAX_LAG_SECONDS:
        raise ImproperlyConfigured(
            f"REPLICA_PIN_SECONDS ({REPLICA_PIN_SECONDS}) must be longer than REPLICA_MAX_LAG_SECONDS "
            f"({REPLICA_MAX_LAG_SECONDS}), or an editor could read a replica that lacks their own save."
        )
    for _number, _url in enumerate(_replica_urls, start=1):
        _replica = dj_database_url.parse(_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
        if _replica["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured(f"DATABASE_REPLICA_URL entry {_number} is not a PostgreSQL URL.")
        # Under the test runner a replica is the test database itself (no second test database is made).
        _replica["TEST"] = {"MIRROR": "default"}
        DATABASES[f"replica{_number}"] = _replica
    DATABASE_ROUTERS = ["cms.replicas.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")


def _next_redis_db(url: str) -> str:
    """Return url pointing at the next Redis database number (redis://h:p/0 -> redis://h:p/1)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    number = parts.path.strip("/") or "0"
    if not number.isdigit():
        return url
    return urlunsplit(parts._replace(path=f"/{int(number) + 1}"))


# The cache lives in its own Redis database (by default the one after the
# broker's) so that clearing it (tests do; so may an operator) never touches
# the Celery queue. The `ops` system checks warn if both are set to one database.
REDIS_CACHE_URL = os.environ.get("REDIS_CACHE_URL") or (_next_redis_db(REDIS_URL) if REDIS_URL else "")
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "vetted"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "vetted"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in-process as they are sent (the embedded mode).
CELERY_TASK_ALWAYS_EAGER = env_bool(
    "CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL and not os.environ.get("CELERY_BROKER_URL")
)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
# The visibility timeout must outlive the longest task, or Redis hands an
# unacknowledged job to a second worker while the first is still running it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}  # filled by cms/celery.py from each app's BEAT_SCHEDULE
# Queues by urgency (README, "Queues"): a go-live, a scheduled withdrawal or
# a purge retry must never wait behind a catalogue re-render or an evidence
# match. Production runs one worker per queue (Procfile); a worker started
# without -Q consumes all four, so one worker still does everything.
CELERY_TASK_QUEUES = [Queue(name) for name in ("publish", "mail", "bulk", "default")]
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "publishing.tasks.publish": {"queue": "publish"},
    "publishing.tasks.publish_scheduled": {"queue": "publish"},
    "publishing.tasks.sweep_outbox": {"queue": "publish"},
    "publishing.tasks.retry_purges": {"queue": "publish"},
    "*.notify_*": {"queue": "mail"},
    "publishing.tasks.render_batch": {"queue": "bulk"},
    "publishing.tasks.verify_batch": {"queue": "bulk"},
    "publishing.tasks.refresh_live_pages": {"queue": "bulk"},
    "evidence.tasks.match_evidence": {"queue": "bulk"},
    "review.tasks.flag_reviews_due": {"queue": "bulk"},
}

# --- Auth -----------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # PBKDF2 is slow by design; under test it made most of the suite's run
    # time (users are created by factories in nearly every test).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Sign-in throttling (django-axes). Failures count per username *and* address together, and per
# address alone: a guesser from one address is stopped, and cannot lock a colleague out by
# typing their name, because that colleague signs in from another address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a proxy, the header it puts the client's address in (e.g. HTTP_X_FORWARDED_FOR) and how
# many proxies append to it; unset, REMOTE_ADDR is the client (cms/security.py: client_ip).
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "")
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1)
AXES_CLIENT_IP_CALLABLE = "cms.security.client_ip"
# Two-factor sign-in (django-otp): required for board members, editors and admin staff when on.
# Off under DEBUG (the demo) and under tests unless a test turns it on.
REQUIRE_STAFF_2FA = env_bool("REQUIRE_STAFF_2FA", default=not DEBUG and not TESTING)
OTP_TOTP_ISSUER = os.environ.get("SITE_NAME", "Vetted")
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/accounts/home/"
LOGOUT_REDIRECT_URL = "/"

# --- Content-Security-Policy (django-csp) ----------------------------------
# Scripts and styles only from this site's own files: no inline <script> code, no
# style="" or <style>, no on* handlers, no plugins, no framing. No nonces, so stored
# public pages stay the same bytes for everyone. JSON-LD data blocks are not scripts.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "frame-src": [NONE],
        "worker-src": [NONE],
        "manifest-src": [SELF],
    }
}
if os.environ.get("CSP_REPORT_URI"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [os.environ["CSP_REPORT_URI"]]

# --- i18n, static ---------------------------------------------------------

# Every user-visible string goes through the catalogues in locale/ (README "Languages").
# English is the default and the active language unless code overrides it
# (translation.override("es")): there is deliberately no LocaleMiddleware. Public
# pages are stored bytes served to everyone, so a page's language must come from
# its address, never from Accept-Language or a cookie. "en-us" (a variant of
# "en", which Django accepts) keeps the bytes already published, e.g. the feed's xml:lang.
LANGUAGE_CODE = "en-us"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# When the board approves a source revision that changes a dose or another
# number, its translations are marked out of date ("flag", the default: the
# page says a newer version exists and the editor decides) or also withdrawn
# with a notice ("withdraw") until the translation is approved again.
TRANSLATION_ON_SIGNIFICANT_CHANGE = os.environ.get("TRANSLATION_ON_SIGNIFICANT_CHANGE", "flag")
if TRANSLATION_ON_SIGNIFICANT_CHANGE not in ("flag", "withdraw"):
    raise ImproperlyConfigured("TRANSLATION_ON_SIGNIFICANT_CHANGE must be flag or withdraw.")
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- reader search (publishing/search.py) ---------------------------------
# The PostgreSQL text-search configuration of each article language (primary
# subtag); a language not listed is indexed with "simple" (no stemming).
SEARCH_TEXT_CONFIGS = {"en": "english", "es": "spanish"}
# Searches that found nothing are counted per query and day, and kept this many days.
SEARCH_MISS_KEEP_DAYS = int(os.environ.get("SEARCH_MISS_KEEP_DAYS") or 90)

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Development and tests serve straight from the app folders; production
# serves the collectstatic output (make serve runs collectstatic).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
if WHITENOISE_USE_FINDERS:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- Email ----------------------------------------------------------------

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Vetted <vetted@localhost>")
EDITORS_EMAIL = env_list("EDITORS_EMAIL")

# --- Vetted ---------------------------------------------------------------

REVIEW_REQUIRED_APPROVALS = env_int("REVIEW_REQUIRED_APPROVALS", 1)
# Board approvals a proposed glossary definition needs before pages may use it.
GLOSSARY_REQUIRED_APPROVALS = env_int("GLOSSARY_REQUIRED_APPROVALS", 1)
if GLOSSARY_REQUIRED_APPROVALS < 1:
    raise ImproperlyConfigured(f"GLOSSARY_REQUIRED_APPROVALS={GLOSSARY_REQUIRED_APPROVALS} must be 1 or more.")
REVIEW_INTERVAL_MONTHS = env_int("REVIEW_INTERVAL_MONTHS", 12)
REVIEW_STALE_DAYS = env_int("REVIEW_STALE_DAYS", 7)
# Days a reviewer has to decide after being assigned; per-condition overrides as
# REVIEW_DUE_DAYS_BY_CONDITION="Chronic kidney disease=14,Sepsis=2" (the article's
# condition, matched ignoring case; articles have no other type).
REVIEW_DUE_DAYS = env_int("REVIEW_DUE_DAYS", 7)
REVIEW_DUE_DAYS_BY_CONDITION: dict[str, int] = {}
for _item in env_list("REVIEW_DUE_DAYS_BY_CONDITION"):
    _condition, _sep, _days = _item.rpartition("=")
    if not _sep or not _condition.strip() or not _days.strip().isdigit() or int(_days) < 1:
        raise ImproperlyConfigured(f"REVIEW_DUE_DAYS_BY_CONDITION item {_item!r} is not 'condition=days' (days ≥ 1).")
    REVIEW_DUE_DAYS_BY_CONDITION[_condition.strip().lower()] = int(_days)
if REVIEW_DUE_DAYS < 1:
    raise ImproperlyConfigured(f"REVIEW_DUE_DAYS={REVIEW_DUE_DAYS} must be 1 or more.")
# The beat job reminds a reviewer this many days before the due date (and again once overdue).
REVIEW_REMINDER_DAYS_BEFORE = env_int("REVIEW_REMINDER_DAYS_BEFORE", 2)
# A board member who opened a round shows as "looking at it" on the queues for this long after.
REVIEW_VIEWING_MINUTES = env_int("REVIEW_VIEWING_MINUTES", 15)
# Invited reviewers: how long an emailed one-time code lasts, and how many wrong codes lock an invitation.
INVITATION_CODE_MINUTES = env_int("INVITATION_CODE_MINUTES", 10)
INVITATION_CODE_ATTEMPTS = env_int("INVITATION_CODE_ATTEMPTS", 5)
PROVISIONAL_PUBLISHING = env_bool("PROVISIONAL_PUBLISHING", default=False)
AUTO_PUBLISH_ON_APPROVAL = env_bool("AUTO_PUBLISH_ON_APPROVAL", default=False)
PUBLISH_MAX_ATTEMPTS = env_int("PUBLISH_MAX_ATTEMPTS", 5)
# Seconds before the first publish retry; doubles with each attempt, capped at 15 minutes.
PUBLISH_RETRY_BACKOFF = env_int("PUBLISH_RETRY_BACKOFF", 10)
STATIC_EXPORT_DIR = os.environ.get("STATIC_EXPORT_DIR", "")
# Stored pages re-rendered per background job after a deploy or a furniture change (publishing RenderRun).
RENDER_BATCH_SIZE = env_int("RENDER_BATCH_SIZE", 50)
# Live publications checked per background job of a verification started on the desk (publishing VerifyRun).
VERIFY_BATCH_SIZE = env_int("VERIFY_BATCH_SIZE", 100)
READER_CACHE_SECONDS = env_int("READER_CACHE_SECONDS", 600)
# Brotli quality (0-11) of bytes compressed once and kept: stored pages at
# go-live and the static export. 11 is the smallest file and costs about 40 ms
# of CPU per page; pages built on a request always use a quick 5.
STORED_BROTLI_QUALITY = env_int("STORED_BROTLI_QUALITY", 11)
if not 0 <= STORED_BROTLI_QUALITY <= 11:
    raise ImproperlyConfigured(f"STORED_BROTLI_QUALITY must be between 0 and 11, not {STORED_BROTLI_QUALITY}.")
QUESTION_RATE_LIMIT = env_int("QUESTION_RATE_LIMIT", 5)  # per IP per hour

# Evidence integrity (textkit.grades, evidence/): grading scheme, data files, lookups.
EVIDENCE_GRADING = os.environ.get("EVIDENCE_GRADING", "GRADE").strip().upper()
if EVIDENCE_GRADING not in {"GRADE", "SORT"}:
    raise ImproperlyConfigured(f"EVIDENCE_GRADING must be GRADE or SORT, not {EVIDENCE_GRADING!r}.")
RETRACTION_WATCH_SOURCE = os.environ.get("RETRACTION_WATCH_SOURCE", "")  # path or URL of the CSV
LABEL_VERSIONS_SOURCE = os.environ.get("LABEL_VERSIONS_SOURCE", "")  # path or URL of the SPL listing
# How long a reload of the studio editor waits for the closing page's last
# autosave (announced by its flush cookie) before showing what is kept.
DRAFT_FLUSH_WAIT_SECONDS = float(os.environ.get("DRAFT_FLUSH_WAIT_SECONDS", "3"))
IDENTIFIER_LOOKUP_NETWORK = env_bool("IDENTIFIER_LOOKUP_NETWORK", default=False)  # ask PubMed/Crossref
IDENTIFIER_LOOKUP_TIMEOUT = env_int("IDENTIFIER_LOOKUP_TIMEOUT", 5)  # seconds
PUBMED_ESUMMARY_URL = os.environ.get(
    "PUBMED_ESUMMARY_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi"
)
CROSSREF_WORKS_URL = os.environ.get("CROSSREF_WORKS_URL", "https://api.crossref.org/works/")
# Public responses (publishing/httpcache.py): Cache-Control for browsers
# (max-age) and shared caches (s-maxage); a change purges them (purge.py).
# Per-process copies of public responses (publishing/localcopy.py): on by
# default with a Redis cache and an edge that marks its fetches (or none).
# Each process reads the purge counter at most every LOCAL_COPY_CHECK_SECONDS
# (the bound on how long a replaced page reaches a reader asking the app
# directly; an edge's fetch always reads it first). The memory they may use.
LOCAL_COPIES = env_bool(
    "LOCAL_COPIES",
    default=bool(REDIS_CACHE_URL) and os.environ.get("PURGE_BACKEND", "none") in ("none", "varnish", "http"),
)
LOCAL_COPY_CHECK_SECONDS = float(os.environ.get("LOCAL_COPY_CHECK_SECONDS", "0.5"))
LOCAL_COPY_MAX_BYTES = env_int("LOCAL_COPY_MAX_MB", 64) * 1024 * 1024
PUBLIC_MAX_AGE = env_int("PUBLIC_MAX_AGE", 60)
PUBLIC_S_MAXAGE = env_int("PUBLIC_S_MAXAGE", 600)
PUBLIC_STALE_WHILE_REVALIDATE = env_int("PUBLIC_STALE_WHILE_REVALIDATE", 30)
# Cache tags on every public response (publishing/httpcache.py tags_for):
# which headers carry them, lower case, comma-separated (xkey for Varnish,
# surrogate-key for Fastly, cache-tag for Cloudflare); empty sends none.
CACHE_TAG_HEADERS = [
    name.strip().lower()
    for name in os.environ.get("CACHE_TAG_HEADERS", "xkey,surrogate-key,cache-tag").split(",")
    if name.strip()
]
# Outside cache to purge on every change (publishing/purge.py). By tag:
# varnish (xkey-purge to PURGE_HTTP_URL), fastly (PURGE_FASTLY_SERVICE +
# PURGE_FASTLY_TOKEN), cloudflare-tags (PURGE_CDN_ZONE + PURGE_CDN_TOKEN).
# By address (the fallback): http (PURGE <address> to PURGE_HTTP_URL),
# cloudflare (purge by URL). none, or a dotted path to a purger class.
PURGE_BACKEND = os.environ.get("PURGE_BACKEND", "none")
PURGE_HTTP_URL = os.environ.get("PURGE_HTTP_URL", "http://127.0.0.1:8080")
PURGE_CDN_API = os.environ.get("PURGE_CDN_API", "https://api.cloudflare.com/client/v4")
PURGE_CDN_ZONE = os.environ.get("PURGE_CDN_ZONE", "")
PURGE_CDN_TOKEN = os.environ.get("PURGE_CDN_TOKEN", "")
PURGE_FASTLY_API = os.environ.get("PURGE_FASTLY_API", "https://api.fastly.com")
PURGE_FASTLY_SERVICE = os.environ.get("PURGE_FASTLY_SERVICE", "")
PURGE_FASTLY_TOKEN = os.environ.get("PURGE_FASTLY_TOKEN", "")
PURGE_TIMEOUT = env_int("PURGE_TIMEOUT", 5)
# How often the job retries failed purges: the bound on how long a withdrawn
# page can outlive a cache outage once the cache is back.
PURGE_RETRY_SECONDS = env_int("PURGE_RETRY_SECONDS", 30)

# --- Security (production) ------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not TESTING)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    # Trust X-Forwarded-Proto only behind a TLS proxy that sets it (and strips
    # it from clients); otherwise any client could claim to be on HTTPS.
    if env_bool("BEHIND_TLS_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # PLAIN_HTTP=1: try services mode locally over http:// (no redirect to
    # https, no HSTS, cookies not marked Secure). Never in production; the
    # deploy check (manage.py check --deploy) warns about it.
    if env_bool("PLAIN_HTTP"):
        SECURE_SSL_REDIRECT = False
        SESSION_COOKIE_SECURE = False
        CSRF_COOKIE_SECURE = False
        SECURE_HSTS_SECONDS = 0
        SECURE_HSTS_PRELOAD = False

# LOG_FORMAT=json (default with DEBUG off): one JSON object per line (see ops/logs.py);
# LOG_FORMAT=text: plain lines for reading in a terminal (default with DEBUG on).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is not known; use json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # In-process (eager) tasks would log a line per task into the
        # command's output; a real worker keeps its own task log.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}

# --- Operations (ops app: services mode, health, logs, errors, backups) ----

# Celery beat keeps its schedule state next to the SQLite file, never in the
# working directory (celery -A cms beat needs no --schedule).
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Every request and every task is logged as one line (ops/logs.py); the
# request line comes from a WSGI wrapper (cms/wsgi.py), outside MIDDLEWARE.
# The worker and beat log through LOGGING too (one format everywhere), not Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
LOGGING["loggers"]["vetted.requests"] = {"level": "INFO"}
# In-process (eager) tasks stay quiet, like celery.app.trace above; a real worker logs each.
LOGGING["loggers"]["vetted.tasks"] = {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"}
# /readyz reports the age of the oldest publication waiting in the outbox and
# fails (503) once it is older than this many seconds (the sweep runs each minute).
READYZ_OUTBOX_MAX_AGE = env_int("READYZ_OUTBOX_MAX_AGE", 900)
# Load balancers probe over plain HTTP inside the network: no HTTPS redirect there.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Errors go to Sentry when SENTRY_DSN is set (sentry-sdk is optional).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    try:
        import sentry_sdk
    except ImportError as exc:
        raise ImproperlyConfigured("SENTRY_DSN is set but sentry-sdk is not installed: pip install sentry-sdk") from exc
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "development" if DEBUG else "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
        send_default_pii=False,
    )
