"""Django settings for Motivo. Everything environment-specific comes from `config.env`."""

from __future__ import annotations

import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from motivo.config.env import data_dir, env_bool, env_int, env_list, env_str, require

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir()
TESTING = "pytest" in sys.modules or env_bool("MOTIVO_TESTING")

DEBUG = env_bool("DJANGO_DEBUG", default=False)
# The demo and tests run without a configured secret; production must set one.
if DEBUG or TESTING or env_bool("MOTIVO_DEMO"):
    SECRET_KEY = env_str("MOTIVO_SECRET_KEY", "motivo-insecure-demo-key-change-me")
else:
    SECRET_KEY = require("MOTIVO_SECRET_KEY")
ALLOWED_HOSTS = env_list("MOTIVO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("MOTIVO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("MOTIVO_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_htmx",
    "django_tasks_db",
    "ninja",  # serves its Swagger UI from local static files instead of a CDN
    "motivo.core",
    "motivo.accounts",
    "motivo.customers",
    "motivo.reasons",
    "motivo.cases",
    "motivo.channels",
    "motivo.mail",
    "motivo.chat",
    "motivo.voice",
    "motivo.costs",
    "motivo.council",
    "motivo.insights",
    "motivo.promises",
    "motivo.studies",
    "motivo.suggest",
    "motivo.themes",
    "motivo.spikes",
    "motivo.search",
    "motivo.portal",
    "motivo.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "motivo.accounts.middleware.UserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "motivo.config.urls"
WSGI_APPLICATION = "motivo.config.wsgi.application"

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
                "motivo.core.context_processors.motivo",
            ],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'motivo.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at the
    # start of a transaction, and our backend queues writers on a file lock (see its doc).
    DATABASES["default"]["ENGINE"] = "motivo.core.dbbackends.sqlite3"
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
            "PRAGMA cache_size=-64000;PRAGMA mmap_size=268435456;PRAGMA temp_store=MEMORY;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-motivo.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("MOTIVO_TIME_ZONE", "Europe/Madrid")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Cache (rate limits): shared by every process on one machine via files by default;
# Redis for several machines (MOTIVO_CACHE_URL=redis://...). Tests use memory.
_cache_url = env_str("MOTIVO_CACHE_URL")
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif _cache_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# Uploads: attachments larger than this are refused with a clear message.
MOTIVO_MAX_ATTACHMENT_BYTES = env_int("MOTIVO_MAX_ATTACHMENT_MB", 10) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Repeat-contact window R of DESIGN.md, in days.
MOTIVO_REPEAT_WINDOW_DAYS = env_int("MOTIVO_REPEAT_WINDOW_DAYS", 7)
MOTIVO_REPEAT_DAYS = MOTIVO_REPEAT_WINDOW_DAYS  # the name insights.repeats reads
# Theme discovery (docs/themes.md): the days a run covers, the confidence below which a
# suggestion counts as weak, the smallest theme, the clustering's distance, at most how many
# contacts a run reads.
MOTIVO_THEMES_DAYS = env_int("MOTIVO_THEMES_DAYS", 30)
MOTIVO_THEMES_MAX_CONFIDENCE = float(env_str("MOTIVO_THEMES_MAX_CONFIDENCE", "0.5"))
MOTIVO_THEMES_MIN_SIZE = env_int("MOTIVO_THEMES_MIN_SIZE", 5)
MOTIVO_THEMES_DISTANCE = float(env_str("MOTIVO_THEMES_DISTANCE", "0.8"))
MOTIVO_THEMES_MAX_CONTACTS = env_int("MOTIVO_THEMES_MAX_CONTACTS", 5000)
# Currency of channel costs, goodwill and chargeback statements (ISO 4217 code; docs/costs.md).
MOTIVO_CURRENCY = env_str("MOTIVO_CURRENCY", "EUR").upper()
# Telephony webhook (docs/phone.md): shared secret of the HMAC signature (empty: only staff
# bearer tokens are accepted) and how old a signed request may be, in seconds.
MOTIVO_TELEPHONY_SECRET = env_str("MOTIVO_TELEPHONY_SECRET", "")
MOTIVO_TELEPHONY_TOLERANCE = env_int("MOTIVO_TELEPHONY_TOLERANCE", 300)
MOTIVO_MAGIC_LINK_MAX_AGE = env_int("MOTIVO_MAGIC_LINK_MINUTES", 15) * 60
PASSWORD_RESET_TIMEOUT = MOTIVO_MAGIC_LINK_MAX_AGE
# Embeddable web contact form (docs/web-forms.md): who may frame it, limits, spam checks.
MOTIVO_FORM_ALLOWED_ORIGINS = env_list("MOTIVO_FORM_ALLOWED_ORIGINS", ["*"])
MOTIVO_FORM_MAX_PER_IP = env_int("MOTIVO_FORM_MAX_PER_IP", 20)  # submissions an hour
MOTIVO_FORM_MAX_PER_EMAIL = env_int("MOTIVO_FORM_MAX_PER_EMAIL", 5)  # submissions an hour
MOTIVO_FORM_MIN_SECONDS = env_int("MOTIVO_FORM_MIN_SECONDS", 3)
MOTIVO_FORM_MAX_AGE = env_int("MOTIVO_FORM_MAX_AGE_HOURS", 24) * 3600
MOTIVO_FORM_MAX_LINKS = env_int("MOTIVO_FORM_MAX_LINKS", 3)
MOTIVO_FORM_MAX_ATTACHMENT_BYTES = env_int("MOTIVO_FORM_MAX_ATTACHMENT_MB", 5) * 1024 * 1024
# Behind a reverse proxy: the request header holding the visitor's address (e.g.
# X-Forwarded-For; its last entry is used). Empty: the connection's address.
MOTIVO_FORM_IP_HEADER = env_str("MOTIVO_FORM_IP_HEADER", "")

# Live chat (docs/chat.md). Streams are served by a separate ASGI process started by
# `motivo serve` (config/asgi.py, MOTIVO_REALTIME=1); pages find it at MOTIVO_CHAT_STREAM_URL
# or on MOTIVO_CHAT_STREAM_PORT of the host they were loaded from (neither: same server).
MOTIVO_CHAT_STREAM_URL = env_str("MOTIVO_CHAT_STREAM_URL", "")
MOTIVO_CHAT_STREAM_PORT = env_int("MOTIVO_CHAT_STREAM_PORT", 0)
MOTIVO_CHAT_BUS = env_str("MOTIVO_CHAT_BUS", "poll")  # poll | redis
MOTIVO_CHAT_REDIS_URL = env_str(
    "MOTIVO_CHAT_REDIS_URL", env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
)
MOTIVO_CHAT_POLL_MS = env_int("MOTIVO_CHAT_POLL_MS", 300)
MOTIVO_CHAT_PRESENCE_MINUTES = env_int("MOTIVO_CHAT_PRESENCE_MINUTES", 2)
MOTIVO_CHAT_IDLE_MINUTES = env_int("MOTIVO_CHAT_IDLE_MINUTES", 3)
MOTIVO_CHAT_CONTINUE_HOURS = env_int("MOTIVO_CHAT_CONTINUE_HOURS", 24)
MOTIVO_CHAT_MAX_MESSAGE_CHARS = env_int("MOTIVO_CHAT_MAX_MESSAGE_CHARS", 2000)
MOTIVO_CHAT_MAX_SESSIONS_PER_IP = env_int("MOTIVO_CHAT_MAX_SESSIONS_PER_IP", 10)  # an hour
MOTIVO_CHAT_MAX_MESSAGES_PER_MINUTE = env_int("MOTIVO_CHAT_MAX_MESSAGES_PER_MINUTE", 20)
MOTIVO_CHAT_ALLOWED_ORIGINS = env_list("MOTIVO_CHAT_ALLOWED_ORIGINS", ["*"])
MOTIVO_CHAT_IP_HEADER = env_str("MOTIVO_CHAT_IP_HEADER", "")
if env_bool("MOTIVO_REALTIME"):  # the realtime process serves the chat streams only
    ROOT_URLCONF = "motivo.chat.realtime_urls"
    MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("MOTIVO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Mail: console in the demo, SMTP when MOTIVO_SMTP_HOST is set.
DEFAULT_FROM_EMAIL = env_str("MOTIVO_FROM_EMAIL", "Motivo <soporte@motivo.localhost>")
# The address customers write to; signed reply addresses are made from it (mail/tokens.py).
MOTIVO_SUPPORT_ADDRESS = env_str("MOTIVO_SUPPORT_ADDRESS", "")
# The company's country (ISO 3166 code): national phone numbers are read as numbers there.
MOTIVO_PHONE_REGION = env_str("MOTIVO_PHONE_REGION", "ES").upper()
# Outbound mail (mail/outbound.py): attempts before a mail is failed, and the first retry
# delay in seconds (doubled after each further failure, at most six hours).
MOTIVO_MAIL_MAX_ATTEMPTS = env_int("MOTIVO_MAIL_MAX_ATTEMPTS", 5)
MOTIVO_MAIL_RETRY_SECONDS = env_int("MOTIVO_MAIL_RETRY_SECONDS", 60)
# Inbound mail (docs/email.md): the largest raw message accepted by any transport, the LMTP
# listener's address, and the seconds between IMAP polls of `mail_poll --forever`.
MOTIVO_MAIL_MAX_MESSAGE_BYTES = env_int("MOTIVO_MAIL_MAX_MESSAGE_MB", 50) * 1024 * 1024
MOTIVO_MAIL_LMTP_HOST = env_str("MOTIVO_MAIL_LMTP_HOST", "127.0.0.1")
MOTIVO_MAIL_LMTP_PORT = env_int("MOTIVO_MAIL_LMTP_PORT", 8024)
MOTIVO_MAIL_POLL_SECONDS = env_int("MOTIVO_MAIL_POLL_SECONDS", 60)
# Spike detection: how often `motivo serve` judges today so far (motivo/spikes).
MOTIVO_SPIKE_SECONDS = env_int("MOTIVO_SPIKE_SECONDS", 300)
if env_str("MOTIVO_SMTP_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("MOTIVO_SMTP_HOST"),
                "port": env_int("MOTIVO_SMTP_PORT", 25),
                "username": env_str("MOTIVO_SMTP_USER", ""),
                "password": env_str("MOTIVO_SMTP_PASSWORD", ""),
                "use_tls": env_bool("MOTIVO_SMTP_STARTTLS"),
                "use_ssl": env_bool("MOTIVO_SMTP_SSL"),
                "timeout": 30,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "motivo.core.mail.ReadableConsoleBackend"}}

# Background work: a database-backed queue and worker (no other service) by default;
# MOTIVO_TASKS=rq with REDIS_URL for the scale-out path; immediate in tests.
_tasks = env_str("MOTIVO_TASKS", "immediate" if TESTING else "database")
if _tasks == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
elif _tasks == "rq":
    INSTALLED_APPS.append("django_tasks_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": env_str("REDIS_URL", "redis://127.0.0.1:6379/0")}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MOTIVO_LOG_LEVEL", "WARNING")},
}
