"""The one settings file of lawtrail.

Every value that can be set from the environment goes through a helper below that refuses bad
values loudly. The embedded defaults (SQLite and a data folder under ``./var``) need nothing
installed besides the Python packages.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from lawtrail.security.config import check_https, envnetworks, envpositive

BASE_DIR = Path(__file__).resolve().parent


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default)
    if value not in ("", "True", "False"):
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use 'True' or 'False'")
    return value == "True"


def envint(name: str, default: str, minimum: int = 0) -> int:
    value = os.getenv(name, default)
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"Unexpected value {name}={value!r}, use a whole number"
        ) from None
    if number < minimum:
        raise ImproperlyConfigured(
            f"Unexpected value {name}={value!r}, use a whole number of at least {minimum}"
        )
    return number


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.getenv(name, default)
    if value not in choices:
        raise ImproperlyConfigured(
            f"Unexpected value {name}={value!r}, use one of: {', '.join(choices)}"
        )
    return value


#: A host name, an IPv4 address, ``[IPv6]``, a ``.domain`` suffix pattern or ``*`` (Django).
HOST_PATTERN = re.compile(
    r"^(\*|\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"|\[[0-9A-Fa-f:.]+\])$"
)


def envhosts(name: str, default: str) -> list[str]:
    """Host names the server answers for: refused loudly when one is a URL or the list is empty
    (an empty list would turn every request into a 400 once DEBUG is off)."""
    hosts = envlist(name, default)
    if not hosts:
        raise ImproperlyConfigured(
            f"{name} is set but names no host; e.g. {name}=lawtrail.example.cn"
        )
    for host in hosts:
        if not HOST_PATTERN.match(host):
            raise ImproperlyConfigured(
                f"Unexpected value {name}: {host!r} is not a host name "
                "(no scheme, port or path; e.g. lawtrail.example.cn, .example.cn, 10.0.0.5, [::1])"
            )
    return hosts


def data_home() -> Path:
    """The data folder (``LAWTRAIL_HOME``, default ``./var``)."""
    home = os.getenv("LAWTRAIL_HOME", "var")
    if not home.strip():
        raise ImproperlyConfigured("LAWTRAIL_HOME is set but empty; give it a folder path")
    path = Path(home).expanduser().resolve()
    if path == BASE_DIR or BASE_DIR in path.parents:
        # Run from inside the package, "./var" would land in the source tree (and in git).
        raise ImproperlyConfigured(
            f"LAWTRAIL_HOME resolves to {path}, inside the lawtrail package; "
            "set LAWTRAIL_HOME to a folder outside the source tree"
        )
    return path


LAWTRAIL_HOME = data_home()
SECRET_KEY_FILE = LAWTRAIL_HOME / "secret_key"


def secret_key() -> str:
    """LAWTRAIL_SECRET_KEY, else the key ``lawtrail init`` wrote into the data folder."""
    key = os.getenv("LAWTRAIL_SECRET_KEY", "")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("LAWTRAIL_SECRET_KEY must be at least 32 characters long")
        return key
    if SECRET_KEY_FILE.exists():
        return SECRET_KEY_FILE.read_text().strip()
    raise ImproperlyConfigured(
        f"No secret key: set LAWTRAIL_SECRET_KEY or run `lawtrail init` to create {SECRET_KEY_FILE}"
    )


SECRET_KEY = secret_key()
DEBUG = envbool("LAWTRAIL_DEBUG", "False")
ALLOWED_HOSTS = envhosts("LAWTRAIL_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("LAWTRAIL_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "lawtrail.ledger",
    "lawtrail.agencies",
    "lawtrail.matters",
    "lawtrail.records",
    "lawtrail.evidence",
    "lawtrail.devices",
    "lawtrail.access",
    "lawtrail.compliance",
    "lawtrail.archive",
    "lawtrail.replication",
    "lawtrail.security",
    "lawtrail.api",
    "lawtrail.web",
]

MIDDLEWARE = [
    "lawtrail.security.network.AllowedNetworksMiddleware",
    "lawtrail.security.text.RefuseNulMiddleware",
    "lawtrail.security.bodies.LengthRequiredMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lawtrail.security.middleware.SessionExpiryMiddleware",
    "lawtrail.security.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lawtrail.urls"
WSGI_APPLICATION = "lawtrail.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "lawtrail.web.context.abilities",
            ],
        },
    },
]


def database() -> dict[str, object]:
    url = os.getenv("DATABASE_URL", "")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": LAWTRAIL_HOME / "lawtrail.sqlite3",
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one
            # failing half-way with "database is locked" (document numbers, ledger appends).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
            },
        }
    if not url.startswith(("postgres://", "postgresql://", "sqlite://")):
        raise ImproperlyConfigured(
            f"Unexpected DATABASE_URL scheme in {url!r}: use postgresql://… or sqlite:///…"
        )
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
    return config


DATABASES = {"default": database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_validation = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_validation}.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": f"{_validation}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_validation}.CommonPasswordValidator"},
    {"NAME": f"{_validation}.NumericPasswordValidator"},
]
# A locked-out login is refused here too, so every password path (pages, admin) is throttled.
AUTHENTICATION_BACKENDS = ["lawtrail.security.throttle.ThrottledModelBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = LAWTRAIL_HOME / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Tests and `lawtrail serve` before collectstatic still find the files in the apps.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Bodies larger than this are refused with 413 before a view parses them.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("LAWTRAIL_MAX_JSON_BYTES", str(2 * 1024 * 1024), minimum=1024)

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
LAWTRAIL_BEHIND_TLS_PROXY = envbool("LAWTRAIL_BEHIND_TLS_PROXY", "False")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if LAWTRAIL_BEHIND_TLS_PROXY else None
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("LAWTRAIL_SECURE_COOKIES", "False")

# Transport and login (第二十二条, issue 6 §5): lawtrail/security, docs/operations.md.
LAWTRAIL_REQUIRE_HTTPS = envbool("LAWTRAIL_REQUIRE_HTTPS", "False")
check_https(LAWTRAIL_REQUIRE_HTTPS, LAWTRAIL_BEHIND_TLS_PROXY)
if LAWTRAIL_REQUIRE_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer asks over plain HTTP
    SECURE_HSTS_SECONDS = envpositive("LAWTRAIL_HSTS_SECONDS", str(365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
LAWTRAIL_ALLOWED_NETWORKS = envnetworks("LAWTRAIL_ALLOWED_NETWORKS")
LAWTRAIL_TRUSTED_PROXIES = envnetworks("LAWTRAIL_TRUSTED_PROXIES")
LAWTRAIL_LOGIN_ATTEMPTS = envpositive("LAWTRAIL_LOGIN_ATTEMPTS", "5")
LAWTRAIL_LOGIN_WINDOW_MINUTES = envpositive("LAWTRAIL_LOGIN_WINDOW_MINUTES", "15")
LAWTRAIL_REQUIRE_2FA = envbool("LAWTRAIL_REQUIRE_2FA", "True")
LAWTRAIL_SESSION_IDLE_MINUTES = envpositive("LAWTRAIL_SESSION_IDLE_MINUTES", "30")
LAWTRAIL_SESSION_MAX_HOURS = envpositive("LAWTRAIL_SESSION_MAX_HOURS", "12")
SESSION_COOKIE_AGE = LAWTRAIL_SESSION_MAX_HOURS * 3600

LAWTRAIL_LOG_LEVEL = envchoice(
    "LAWTRAIL_LOG_LEVEL", "WARNING", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LAWTRAIL_LOG_LEVEL},
}

# The ledger (审计账本): the origin line of its checkpoints names this log; a checkpoint is
# signed every LAWTRAIL_CHECKPOINT_EVENTS events and every LAWTRAIL_CHECKPOINT_SECONDS seconds.
LAWTRAIL_LOG_ORIGIN = os.getenv("LAWTRAIL_LOG_ORIGIN", "lawtrail.local/log")
LAWTRAIL_CHECKPOINT_EVENTS = envint("LAWTRAIL_CHECKPOINT_EVENTS", "1000", minimum=1)
LAWTRAIL_CHECKPOINT_SECONDS = envint("LAWTRAIL_CHECKPOINT_SECONDS", "60", minimum=1)
LAWTRAIL_SIGNING_KEY_FILE = LAWTRAIL_HOME / "ledger" / "signing-key"


def evidence_store() -> str:
    """LAWTRAIL_STORE: where originals are kept (issue 4 §1), checked here so a bad value
    stops start-up instead of the first upload. ``file://…`` (default: LAWTRAIL_HOME/store) or
    ``s3://bucket?endpoint=…&region=…`` (keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or
    the access_key/secret_key parameters); see lawtrail/storage/config.py."""
    from lawtrail.storage.config import StoreURLError, parse_store_url, redact

    url = os.getenv("LAWTRAIL_STORE", "") or (LAWTRAIL_HOME / "store").as_uri()
    try:
        parse_store_url(url)
    except StoreURLError as exc:
        message = f"Unexpected value LAWTRAIL_STORE={redact(url)!r}: {exc}"
        raise ImproperlyConfigured(message) from None
    return url


LAWTRAIL_STORE = evidence_store()


def master_key_file() -> str:
    """LAWTRAIL_MASTER_KEY_FILE (a 0600 file, ``lawtrail keys init``) or LAWTRAIL_MASTER_KEY
    (base64): the master key of encryption at rest (issue 6 §4), outside the database. Checked
    here so a bad key stops start-up; the store reads it itself (lawtrail/storage/kms.py)."""
    from lawtrail.storage.kms import MasterKeyConfigError, load_keyring

    try:
        load_keyring()
    except MasterKeyConfigError as exc:
        raise ImproperlyConfigured(f"Unexpected master key setting: {exc}") from None
    return os.getenv("LAWTRAIL_MASTER_KEY_FILE", "")


LAWTRAIL_MASTER_KEY_FILE = master_key_file()

# Archive packages (第十八条, issue 8): where bags are kept, how their 档号 is made, and from what
# size an original is referenced by its digest instead of copied into the bag.
LAWTRAIL_ARCHIVE_DIR = Path(os.getenv("LAWTRAIL_ARCHIVE_DIR", "") or LAWTRAIL_HOME / "archive")
LAWTRAIL_ARCHIVE_NUMBER = os.getenv(
    "LAWTRAIL_ARCHIVE_NUMBER", "{fonds}-{year}-{retention}-{kind}-{seq:04d}"
)
LAWTRAIL_ARCHIVE_INLINE_MAX_BYTES = envint("LAWTRAIL_ARCHIVE_INLINE_MAX_BYTES", str(1024**3))


def replica_store() -> str:
    """LAWTRAIL_REPLICA: the provincial offsite copy (第十九条, issue 9), in the URL forms of
    LAWTRAIL_STORE; empty (the default) means no replica. Checked here so a bad value stops
    start-up instead of the first copy."""
    from lawtrail.storage.config import StoreURLError, parse_store_url, redact

    url = os.getenv("LAWTRAIL_REPLICA", "").strip()
    if not url:
        return ""
    try:
        parse_store_url(url)
    except StoreURLError as exc:
        raise ImproperlyConfigured(
            f"Unexpected value LAWTRAIL_REPLICA={redact(url)!r}: {exc}"
        ) from None
    return url


LAWTRAIL_REPLICA = replica_store()
# Which evidence goes to the replica: "important" (marked, or by rule: 行政处罚 matters and the
# situations of 第十四条) or "all".
LAWTRAIL_REPLICA_SCOPE = envchoice("LAWTRAIL_REPLICA_SCOPE", "important", ("important", "all"))

# Resumable uploads (tus, 第十九条): the largest upload and how long an unfinished one is kept.
LAWTRAIL_UPLOAD_MAX_BYTES = envint("LAWTRAIL_UPLOAD_MAX_BYTES", str(64 * 1024**3), minimum=1)
LAWTRAIL_UPLOAD_EXPIRY_HOURS = envint("LAWTRAIL_UPLOAD_EXPIRY_HOURS", "168", minimum=1)
