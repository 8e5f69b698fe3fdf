"""Làng Số settings: one module, read from the environment.

Every variable is documented in docs/reference/settings.md. The defaults run out of the box on an
embedded SQLite database in ./var; production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and
DEBUG=false.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from langso.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LANGSO_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# The fallback key only exists so that a fresh clone runs; check --deploy and the langso.W001
# system check both refuse it in production.
INSECURE_DEFAULT_SECRET_KEY = "insecure-langso-development-key-change-me"  # noqa: S105
SECRET_KEY = env_secret("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("SITE_NAME", "Làng Số")
# The province this installation serves (2-digit official code), e.g. 96 Cà Mau, 14 Sơn La.
PROVINCE_CODE = env_int("PROVINCE_CODE", 96)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "langso",
    "places",
    "accounts",
    "people",
    "notifications",
    "benefits",
    "knowledge",
    "help",
    "health",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "langso.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "langso.urls"
WSGI_APPLICATION = "langso.wsgi.application"

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
                "langso.context_processors.site",
            ],
        },
    },
]

# Database -----------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'langso.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock at BEGIN (no deadlock on upgrade), readers never wait for writers
    # (WAL), and a busy writer is waited for instead of failing at once. Reads go through a
    # memory map (256 MiB) rather than a fresh page cache per connection: a connection is opened
    # per request, and reading a large readings table cold cost a sixth of a batch's time.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA mmap_size=268435456;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts and security ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.PhoneOrUsernameBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.StaffPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Failed logins allowed per account and per address within the window before logins are refused.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900)
# Staff with TOTP set up are asked for a code after their password; REQUIRE makes it mandatory.
STAFF_TOTP_REQUIRED = env_bool("STAFF_TOTP_REQUIRED", False)

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and env_bool("HTTPS", False))
SESSION_COOKIE_SECURE = env_bool("HTTPS", False)
CSRF_COOKIE_SECURE = env_bool("HTTPS", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Language, time and formats ------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]

USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
FORMAT_MODULE_PATH = ["langso.formats"]
LANGUAGE_COOKIE_NAME = "langso_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
# Largest photo or voice note a helper may attach to a case (bytes).
HELP_ATTACHMENT_MAX_BYTES = env_int("HELP_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)

# Background work ------------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "notifications"],
    }
}

# Notifications --------------------------------------------------------------------------------
# One backend per channel (dotted path); the console backend writes to the log and the outbox file.
NOTIFICATION_BACKENDS = {
    "sms": env_str("NOTIFY_SMS_BACKEND", "notifications.backends.ConsoleBackend"),
    "zalo": env_str("NOTIFY_ZALO_BACKEND", "notifications.backends.ConsoleBackend"),
    "email": env_str("NOTIFY_EMAIL_BACKEND", "notifications.backends.ConsoleBackend"),
}
NOTIFY_OUTBOX_FILE = Path(env_str("NOTIFY_OUTBOX_FILE", str(VAR_DIR / "outbox.log")))
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 6)
NOTIFY_QUIET_HOURS = env_str("NOTIFY_QUIET_HOURS", "21-7")
# HTTP gateways for notifications.backends.SmsHttpBackend and ZaloOABackend (JSON + bearer token).
NOTIFY_SMS_URL = env_str("NOTIFY_SMS_URL", "")
NOTIFY_SMS_TOKEN = env_secret("NOTIFY_SMS_TOKEN", "")
NOTIFY_SMS_SENDER = env_str("NOTIFY_SMS_SENDER", "LANGSO")
NOTIFY_ZALO_URL = env_str("NOTIFY_ZALO_URL", "")
NOTIFY_ZALO_TOKEN = env_secret("NOTIFY_ZALO_TOKEN", "")
NOTIFY_HTTP_TIMEOUT = env_int("NOTIFY_HTTP_TIMEOUT", 10)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "langso@localhost")

# Knowledge audio ------------------------------------------------------------------------------
# Articles and lessons are read by espeak-ng (voice vi, vi-vn-x-central or vi-vn-x-south) at
# SPEED words a minute and encoded as Opus at BITRATE kbit/s; editors' recordings are refused
# above MAX_BYTES.
# Debian's hunspell-vi syllable list: typo repair leaves real Vietnamese syllables alone.
LANGSO_HUNSPELL_VI = env_str("LANGSO_HUNSPELL_VI", "/usr/share/hunspell/vi_VN.dic")
LANGSO_AUDIO_VOICE = env_str("LANGSO_AUDIO_VOICE", "vi")
LANGSO_AUDIO_SPEED = env_int("LANGSO_AUDIO_SPEED", 150)
LANGSO_AUDIO_BITRATE = env_int("LANGSO_AUDIO_BITRATE", 16)
LANGSO_AUDIO_MAX_BYTES = env_int("LANGSO_AUDIO_MAX_BYTES", 10 * 1024 * 1024)

# Health monitoring ----------------------------------------------------------------------------
# Most readings one POST /api/v1/health/readings may carry.
HEALTH_READINGS_BATCH_MAX = env_int("HEALTH_READINGS_BATCH_MAX", 1000)
# How far in the future a reading may be dated (device clocks drift) before it is refused.
HEALTH_CLOCK_SKEW_SECONDS = env_int("HEALTH_CLOCK_SKEW_SECONDS", 300)
# Hour (Vietnam time) after which each health worker's daily digest is sent.
HEALTH_DIGEST_HOUR = env_int("HEALTH_DIGEST_HOUR", 7)
# Phones or e-mail addresses told (without names) when an urgent alert is escalated.
HEALTH_ESCALATION_RECIPIENTS = env_list("HEALTH_ESCALATION_RECIPIENTS", [])
# FHIR identifier system of the personal ID number (default: the platform's own naming system).
LANGSO_FHIR_IDENTIFIER_SYSTEM = env_str(
    "LANGSO_FHIR_IDENTIFIER_SYSTEM", "urn:uuid:8065c2f8-bd91-5f51-9ea5-3b55aae15978"
)

# API ------------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
