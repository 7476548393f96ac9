"""Settings, read strictly from the environment.

FUPIN_DATA_DIR     where the SQLite database, uploads and the generated secret live (default ./var)
DATABASE_URL       e.g. postgres://user@host:5432/fupin; unset means SQLite in WAL mode
FUPIN_PRODUCTION   1 on a server others reach (behind a reverse proxy with HTTPS): requires
                   FUPIN_SECRET_KEY and FUPIN_ALLOWED_HOSTS, turns on secure cookies, HSTS and the
                   redirect to HTTPS, and refuses FUPIN_DEBUG and FUPIN_TODAY (default 0: a laptop
                   county or the demo, served over plain HTTP on this machine)
FUPIN_SECRET_KEY   required in production; elsewhere a key is generated under FUPIN_DATA_DIR
FUPIN_DEBUG        1 shows Django's debug pages (default 0; never in production)
FUPIN_ALLOWED_HOSTS comma-separated (default localhost,127.0.0.1,[::1],testserver)
FUPIN_CSRF_TRUSTED_ORIGINS comma-separated origins the proxy serves fupin under,
                   e.g. https://fupin.example.org
FUPIN_PROXY_SSL_HEADER the header the proxy sets to "https" for a secure request, e.g.
                   X-Forwarded-Proto; set it only when a proxy in front strips it from clients
FUPIN_PROXY_COUNT  how many reverse proxies stand in front (the client's address for the
                   sign-in lockout is then read from X-Forwarded-For)
FUPIN_HSTS_SECONDS HSTS max-age in production (default 31536000, one year; 0 turns HSTS off)
FUPIN_TODAY        YYYY-MM-DD: the server's notion of today, for a demo or a test run (e.g. to
                   show a notice period ending); refused in production
FUPIN_LOG_LEVEL    default INFO
FUPIN_UPLOAD_RETENTION_DAYS days an import's uploaded files (and error report) are kept after
                   the job finished or failed, then removed (default 30)
"""

from __future__ import annotations

import os
import secrets
import warnings
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from fupin.core.files import private_dir, write_private

BASE_DIR = Path(__file__).resolve().parent


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1 or 0.")


def _csv(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("FUPIN_DATA_DIR") or Path.cwd() / "var").resolve()
PRODUCTION = _flag("FUPIN_PRODUCTION", False)
# Django's debug pages show settings, source and request data: only when asked for, and
# never on a server others reach.
DEBUG = _flag("FUPIN_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("FUPIN_DEBUG=1 is refused when FUPIN_PRODUCTION=1.")


def _secret_key() -> str:
    key = os.environ.get("FUPIN_SECRET_KEY", "")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("FUPIN_SECRET_KEY must be set when FUPIN_PRODUCTION=1.")
    # A laptop county gets a stable key of its own rather than a shared default.
    private_dir(DATA_DIR)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        write_private(path, secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
if PRODUCTION and not os.environ.get("FUPIN_ALLOWED_HOSTS", "").strip():
    raise ImproperlyConfigured(
        "FUPIN_ALLOWED_HOSTS must name the server's host names when FUPIN_PRODUCTION=1."
    )
ALLOWED_HOSTS = _csv("FUPIN_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = _csv("FUPIN_CSRF_TRUSTED_ORIGINS")
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"FUPIN_CSRF_TRUSTED_ORIGINS: {_origin!r} needs its scheme, e.g. https://{_origin}"
        )


def _today() -> date | None:
    raw = os.environ.get("FUPIN_TODAY", "").strip()
    if not raw:
        return None
    if PRODUCTION:
        raise ImproperlyConfigured("FUPIN_TODAY is for demos and tests; refused in production.")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(f"FUPIN_TODAY={raw!r} is not a date; use YYYY-MM-DD.") from None


# The day fupin takes as today (core.clock); None means the calendar's.
FUPIN_TODAY = _today()


def _databases() -> dict[str, dict[str, Any]]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        private_dir(DATA_DIR)  # the database and uploads live here: the owner's alone
        return {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(DATA_DIR / "fupin.sqlite3"),
                "OPTIONS": {
                    # WAL lets readers go on while an import writes; IMMEDIATE avoids
                    # the upgrade deadlock between two writers.
                    "transaction_mode": "IMMEDIATE",
                    "init_command": (
                        "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                        "PRAGMA busy_timeout=5000;PRAGMA cache_size=-64000;"
                        "PRAGMA foreign_keys=ON;"
                    ),
                },
            }
        }
    import dj_database_url

    try:
        config = dict(dj_database_url.parse(url, conn_max_age=60))
    except Exception as exc:  # the library raises several types; all mean the same
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a valid database address ({exc}). "
            "Expected e.g. postgres://user:password@localhost:5432/fupin"
        ) from exc
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL names an unsupported database ({engine or 'unknown'}); "
            "fupin runs on PostgreSQL (postgres://...) or SQLite (sqlite:///path)."
        )
    if engine == "django.db.backends.postgresql":
        if not config.get("NAME"):
            raise ImproperlyConfigured("DATABASE_URL has no database name (postgres://host/NAME).")
        # Test runs made side by side on one server (developers, CI retries) must not
        # drop each other's test database.
        config["TEST"] = {"NAME": f"test_{config['NAME']}_{os.getpid()}"}
        # JIT compilation costs seconds on the wide set-based statements (evaluation
        # runs, roll-ups) and saves nothing on page queries; libpq options keep any the
        # address already gives.
        given = config.get("OPTIONS")
        options: dict[str, Any] = dict(given) if isinstance(given, dict) else {}
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
        config["OPTIONS"] = options
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # ninja as an app serves its Swagger assets itself: county servers may be offline.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "fupin.core",
    "fupin.audit",
    "fupin.areas",
    "fupin.accounts",
    "fupin.registry",
    "fupin.exchange",
    "fupin.policy",
    "fupin.procedures",
    "fupin.assistance",
    "fupin.command",
    "fupin.party",
    "fupin.leadership",
    "fupin.matching",
    "fupin.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fupin.core.middleware.LanguageMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fupin.core.middleware.FupinErrorMiddleware",
    # innermost: writes one access record per response of the personal data it revealed
    "fupin.core.pii.PiiAuditMiddleware",
]

ROOT_URLCONF = "fupin.urls"
WSGI_APPLICATION = "fupin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fupin.accounts.context_processors.roles",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "registry:household_list"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
# whitenoise serves straight from the finders in debug and tests; no collectstatic needed there.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# A laptop county serves static files from the finders and never runs collectstatic; the
# warning that STATIC_ROOT is missing concerns production only.
if not PRODUCTION:
    warnings.filterwarnings("ignore", message="No directory at: ")

SESSION_COOKIE_HTTPONLY = True
# A laptop county is served over plain HTTP on this machine: secure cookies would never
# come back. In production the proxy serves HTTPS, and nothing else is accepted.
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION
SECURE_HSTS_SECONDS = int(os.environ.get("FUPIN_HSTS_SECONDS", "31536000")) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
_proxy_header = os.environ.get("FUPIN_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
# Submitting a domain to the browsers' HSTS preload list is a decision for its owner, taken
# outside fupin; the header does not claim it.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "fupin.core.views.csrf_failure"

# Every script and style comes from fupin's own static files: no inline script, style
# attribute or outside host (django-csp).
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"pii": {"()": "fupin.core.logging.PiiRedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["pii"], "formatter": "plain"}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("FUPIN_LOG_LEVEL", "INFO")},
    "loggers": {
        # The default request logger prints request bodies of failed requests; ours
        # goes through the same redacting handler.
        "django": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# Background jobs (imports, evaluation runs): the database backend by default, so a laptop
# county needs nothing more than `fupin db_worker` beside the web server.
TASKS: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": os.environ.get("FUPIN_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}
}

# Uploads above this size are refused before they are read (bytes).
FUPIN_IMPORT_MAX_BYTES = int(os.environ.get("FUPIN_IMPORT_MAX_BYTES", str(1024 * 1024 * 1024)))

# A running import whose progress has not moved for this long is taken as crashed and may
# be run again.
FUPIN_IMPORT_STALE_MINUTES = int(os.environ.get("FUPIN_IMPORT_STALE_MINUTES", "15"))

# An import's uploaded files and error report hold ID numbers: kept this many days after the
# job finished or failed (to rerun a failed one, to download the report), then removed.
FUPIN_UPLOAD_RETENTION_DAYS = int(os.environ.get("FUPIN_UPLOAD_RETENTION_DAYS", "30"))

# Households per page in the list; keyset pagination keeps every page equally fast.
FUPIN_PAGE_SIZE = 20

# --- sign-in throttling (django-axes) -------------------------------------------------------
# Failed web sign-ins are counted per user name and address in the database (so every
# server process sees them); 5 in a row lock that pair out for 15 minutes with a Chinese
# page (accounts.views.locked_out). The API counts bad bearer tokens the same way
# (accounts.throttle). Behind reverse proxies (FUPIN_PROXY_COUNT of them), the client's
# address is read from X-Forwarded-For, so that the proxy's own is not the one counted.
INSTALLED_APPS.append("axes")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as axes asks
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fupin.accounts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Successful sign-ins are in Django's last_login already; keep only the failures.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "q", "id_number", "phone"]
_proxy_count = os.environ.get("FUPIN_PROXY_COUNT", "").strip()
if _proxy_count:
    if not _proxy_count.isdigit():
        raise ImproperlyConfigured(f"FUPIN_PROXY_COUNT={_proxy_count!r} is not a number.")
    AXES_IPWARE_PROXY_COUNT = int(_proxy_count)
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
LOGGING["loggers"]["axes"] = {"handlers": ["console"], "level": "WARNING", "propagate": False}
