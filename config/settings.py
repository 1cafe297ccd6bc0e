"""Casusregie settings. Every setting comes from the environment (12-factor).

Each variable read here is documented in ``docs/configuration.md``; a test keeps the two in step.
Without ``DATABASE_URL``/``REDIS_URL`` the embedded servers of ``make run`` are used: their
addresses are written to ``.data/embedded.env`` by ``config.embedded`` and read below.
"""

from pathlib import Path
from urllib.parse import unquote

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
EMBEDDED_ENV_FILE = BASE_DIR / ".data" / "embedded.env"

env = environ.Env()
if EMBEDDED_ENV_FILE.exists():
    # Real environment variables win: read_env never overrides what is already set.
    environ.Env.read_env(str(EMBEDDED_ENV_FILE), overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
PRODUCTION = env.bool("PRODUCTION", default=False)
# -- secrets ---------------------------------------------------------------------------------
# No secret has a default and none is derived from another: start-up stops, naming each one that
# is missing, whatever PRODUCTION says. The embedded default (`make run`, `config.embedded exec`)
# generates its own once into .data/secrets.env and hands them to its children; the test suite
# generates its own per session (tests/pytest_secrets.py). BSNs are stored encrypted (Fernet
# keys, comma-separated: the first encrypts, all decrypt) with an HMAC-SHA256 under BSN_HASH_KEY
# for look-ups (casusregie/bsn_vault.py).
SECRET_KEY = env.str("SECRET_KEY", default="")
BSN_ENCRYPTION_KEYS = [k.strip() for k in env.list("BSN_ENCRYPTION_KEYS", default=[]) if k.strip()]
BSN_HASH_KEY = env.str("BSN_HASH_KEY", default="")
# The access log's chain heads are sealed with an HMAC-SHA256 under ACCESS_LOG_KEY
# (casusregie/access_log.py), so a chain recomputed without it fails `manage.py verify_access_log`.
ACCESS_LOG_KEY = env.str("ACCESS_LOG_KEY", default="")
_missing_secrets = [
    name
    for name, value in (
        ("SECRET_KEY", SECRET_KEY),
        ("BSN_ENCRYPTION_KEYS", BSN_ENCRYPTION_KEYS),
        ("BSN_HASH_KEY", BSN_HASH_KEY),
        ("ACCESS_LOG_KEY", ACCESS_LOG_KEY),
    )
    if not value
]
if _missing_secrets:
    raise ImproperlyConfigured(
        f"Missing secret(s): {', '.join(_missing_secrets)}. Set each in the environment "
        "(see docs/configuration.md); there are no defaults. For development, `make run` and "
        "`python -m config.embedded exec -- CMD` generate them once into .data/secrets.env."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the session expires after inactivity, not after login
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

if "DATABASE_URL" not in env or "REDIS_URL" not in env:
    raise ImproperlyConfigured(
        "DATABASE_URL and REDIS_URL are not set and no embedded servers run: "
        "use `make run` / `make test`, or set both (see docs/configuration.md)."
    )
DATABASES = {"default": env.db("DATABASE_URL")}
# A Unix-socket directory comes URL-encoded in the host part (postgres://user@%2Fpath/db).
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"] or "")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault(
    "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
)
REDIS_URL = env.str("REDIS_URL")

INSTALLED_APPS = [
    "casusregie.admin_app.CasusregieAdminConfig",  # django.contrib.admin behind two-factor login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "django_htmx",
    "pgtrigger",
    "pghistory",
    "health_check",
    "health_check.db",
    "health_check.cache",
    "health_check.contrib.celery_ping",
    "health_check.contrib.redis",
    "rules.apps.AutodiscoverRulesConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "casusregie",
    "analyses",
    "plans",
    "referrals",
    "flags",
    "escalations",
    "dashboard",
    "worker",
    "portal",
    "family_portal",
    "dossier",
    "demo",
    "retention",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # before WhiteNoise: static files get the policy too
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files (STATIC_URL), see below
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",  # who changed what: the user goes into the context
    "axes.middleware.AxesMiddleware",  # last: it turns a lockout into the lockout page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "casusregie.Worker"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The dashboard's refresh runs its statements on this many connections side by side (one per
# core the database can give it); 1 runs them one after the other on one connection.
DASHBOARD_REFRESH_CONNECTIONS = env.int("DASHBOARD_REFRESH_CONNECTIONS", default=2)
# Two-factor login (TOTP, django-otp): every worker page and the admin need a verified device.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Casusregie")
# -- lockout (django-axes, casusregie/lockout.py) ---------------------------------------------
# AXES_FAILURE_LIMIT failed logins of one username from one address lock that username from that
# address; LOCKOUT_ADDRESS_FAILURE_LIMIT failures from one address (any usernames) lock the
# address; both for AXES_COOLOFF_MINUTES. A successful login resets its own username + address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOCKOUT_ADDRESS_FAILURE_LIMIT = env.int("LOCKOUT_ADDRESS_FAILURE_LIMIT", default=20)
if LOCKOUT_ADDRESS_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("LOCKOUT_ADDRESS_FAILURE_LIMIT must be at least AXES_FAILURE_LIMIT")
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # this order: lockout.py
AXES_HANDLER = "casusregie.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "casusregie.lockout.client_address"
LOCKOUT_CLIENT_ADDRESS_HEADER = env.str("LOCKOUT_CLIENT_ADDRESS_HEADER", default="")
AXES_RESET_ON_SUCCESS = True
# A worker's first authenticator needs a one-time enrolment code from an administrator, valid
# for ENROLMENT_CODE_HOURS (casusregie/services.py: issue_enrolment_code).
ENROLMENT_CODE_HOURS = env.int("ENROLMENT_CODE_HOURS", default=72)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Single sign-on for workers (OpenID Connect, mozilla-django-oidc; casusregie/oidc.py). The
# identity providers are rows (casusregie.IdentityProvider, managed by the superuser in the
# admin), one per organisation; each row names the environment variable that holds its client
# secret (OIDC_CLIENT_SECRET_<NAME>, read at login). Workers are matched, never created.
AUTHENTICATION_BACKENDS += ["casusregie.oidc.WorkerOIDCBackend"]
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)  # seconds per request to a provider
OIDC_STATE_MAX_AGE = env.int("OIDC_STATE_MAX_AGE", default=600)  # seconds to come back
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc-callback"
LOGIN_REDIRECT_URL_FAILURE = "login"

# The gezinsportaal (family_portal, docs/family-portal.md): a link by e-mail (django-sesame,
# short-lived and used once), then a code by e-mail. Family accounts are not workers: sesame
# signs a family account's id; a link dies when it is used (``last_login`` changes).
FAMILY_LINK_MINUTES = env.int("FAMILY_LINK_MINUTES", default=60)
FAMILY_CODE_MINUTES = env.int("FAMILY_CODE_MINUTES", default=10)
FAMILY_CODE_ATTEMPTS = env.int("FAMILY_CODE_ATTEMPTS", default=5)
SESAME_MAX_AGE = FAMILY_LINK_MINUTES * 60
SESAME_ONE_TIME = True
SESAME_INVALIDATE_ON_PASSWORD_CHANGE = False  # a family account has no password
SESAME_TOKEN_NAME = "sleutel"  # noqa: S105 (the name of the link's query parameter)

# DigiD/eHerkenning for the gezinsportaal through an OpenID Connect broker (family_portal/broker.py,
# docs/family-portal.md). Off while FAMILY_OIDC_ISSUER is empty: no button, the routes are 404.
# Set, it needs the client ID, the client secret (environment only, no default) and the acr
# values that count (the minimum level and those above it); start-up names what is missing.
FAMILY_OIDC_ISSUER = env.str("FAMILY_OIDC_ISSUER", default="")
FAMILY_OIDC_CLIENT_ID = env.str("FAMILY_OIDC_CLIENT_ID", default="")
FAMILY_OIDC_CLIENT_SECRET = env.str("FAMILY_OIDC_CLIENT_SECRET", default="")
FAMILY_OIDC_ACR_VALUES = env.list("FAMILY_OIDC_ACR_VALUES", default=[])
FAMILY_OIDC_IDENTIFIER_CLAIM = env.str("FAMILY_OIDC_IDENTIFIER_CLAIM", default="bsn")
FAMILY_OIDC_SCOPES = env.str("FAMILY_OIDC_SCOPES", default="openid")
FAMILY_OIDC_SIGN_ALGORITHM = env.str("FAMILY_OIDC_SIGN_ALGORITHM", default="RS256")
FAMILY_OIDC_LABEL = env.str("FAMILY_OIDC_LABEL", default="DigiD")
if FAMILY_OIDC_ISSUER:
    _missing_broker = [
        name
        for name, value in (
            ("FAMILY_OIDC_CLIENT_ID", FAMILY_OIDC_CLIENT_ID),
            ("FAMILY_OIDC_CLIENT_SECRET", FAMILY_OIDC_CLIENT_SECRET),
            ("FAMILY_OIDC_ACR_VALUES", FAMILY_OIDC_ACR_VALUES),
            ("FAMILY_OIDC_IDENTIFIER_CLAIM", FAMILY_OIDC_IDENTIFIER_CLAIM),
        )
        if not value
    ]
    if _missing_broker:
        raise ImproperlyConfigured(
            f"FAMILY_OIDC_ISSUER is set, but not: {', '.join(_missing_broker)} "
            "(see docs/configuration.md)."
        )
    if FAMILY_OIDC_SIGN_ALGORITHM not in ("RS256", "ES256"):
        raise ImproperlyConfigured("FAMILY_OIDC_SIGN_ALGORITHM must be RS256 or ES256.")

# Content-Security-Policy (django-csp): only our own origin; no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

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
                "casusregie.context_processors.menu",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands"))]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# Static files are served by the application itself: WhiteNoise (MIDDLEWARE) serves them from
# where they live — static/ and the apps' static folders (admin, htmx, the API docs) — found by
# Django's finders when a worker starts. So gunicorn alone serves a styled site right after
# `make install`: there is no collectstatic step, hence no copy that is missing or stale, and no
# manifest that could be missing. Same origin, so the strict CSP below holds. File names carry no
# hash, so browsers keep a file WHITENOISE_MAX_AGE seconds (WhiteNoise's default: 60 when DEBUG
# is off) before asking again (a 304 when it did not change).
STATIC_URL = "static/"
STATIC_ROOT = None  # nothing is collected (see above)
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
WHITENOISE_USE_FINDERS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
}

# Celery: the broker and result store are the same Redis.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A message a worker took but never acknowledged (the worker was killed mid-task) goes back to
# the queue after this many seconds (Redis transport; Celery's default is an hour). Longer than
# the longest task, or a slow task runs twice: harmless here, every task is idempotent.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600)
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
SWEEP_HOUR = env.int("SWEEP_HOUR", default=6)
SWEEP_MINUTE = env.int("SWEEP_MINUTE", default=0)
CELERY_BEAT_SCHEDULE = {
    # Incremental on weekdays and Saturday (the cases changed or due), in full on Sunday.
    "daily-sweep": {
        "task": "flags.tasks.sweep_all",
        "schedule": crontab(hour=SWEEP_HOUR, minute=SWEEP_MINUTE, day_of_week="1-6"),
        "kwargs": {"split": True},  # per municipality, over all worker processes
    },
    "weekly-full-sweep": {
        "task": "flags.tasks.sweep_all",
        "schedule": crontab(hour=SWEEP_HOUR, minute=SWEEP_MINUTE, day_of_week="0"),
        "kwargs": {"split": True, "full": True},
    },
    "expire-unanswered-referrals": {
        "task": "referrals.tasks.expire_unanswered",
        "schedule": crontab(hour=SWEEP_HOUR, minute=(SWEEP_MINUTE + 30) % 60),
    },
    "deliver-outbox": {"task": "referrals.tasks.deliver_outbox", "schedule": 10.0},
    # The provider API's idempotency records older than IDEMPOTENCY_TTL_HOURS.
    "delete-expired-idempotency-records": {
        "task": "referrals.tasks.delete_expired_idempotency_records",
        "schedule": crontab(minute=17),
    },
    # Changed cases are re-judged on a nudge at commit; this catches nudges that were lost.
    "sweep-requested": {"task": "flags.tasks.sweep_requested", "schedule": 60.0},
    # Meldingen by e-mail are nudged on commit; this catches nudges that were lost.
    "send-notification-emails": {
        "task": "casusregie.tasks.send_notification_emails",
        "schedule": 300.0,
    },
    # The expert table's follow-up dates: a melding for the regisseur on the day.
    "table-follow-ups": {
        "task": "escalations.tasks.notify_follow_ups_due",
        "schedule": crontab(hour=SWEEP_HOUR, minute=(SWEEP_MINUTE + 45) % 60),
    },
    # The dashboard's figures, an hour after the sweep (flags and escalations are in them).
    "refresh-dashboard": {
        "task": "dashboard.tasks.refresh_statistics",
        "schedule": crontab(hour=(SWEEP_HOUR + 1) % 24, minute=SWEEP_MINUTE),
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="casusregie@localhost")
FLAG_EMAIL_ENABLED = env.bool("FLAG_EMAIL_ENABLED", default=False)
# The address the site is reached at, for the link in an e-mail (no trailing slash).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
REFERRAL_EXPIRY_WORKING_DAYS = env.int("REFERRAL_EXPIRY_WORKING_DAYS", default=20)
RETENTION_YEARS = env.int("RETENTION_YEARS", default=20)  # Jeugdwet art. 7.3.8
if RETENTION_YEARS < 1:
    raise ImproperlyConfigured("RETENTION_YEARS must be at least 1")
BREAK_GLASS_HOURS = env.int("BREAK_GLASS_HOURS", default=24)  # doorbreken: how long it holds
if not 1 <= BREAK_GLASS_HOURS <= 168:
    raise ImproperlyConfigured("BREAK_GLASS_HOURS must be between 1 and 168")
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
# How long the provider API remembers an Idempotency-Key (referrals/api/views.py); older
# records are deleted hourly and their key counts as new.
IDEMPOTENCY_TTL_HOURS = env.int("IDEMPOTENCY_TTL_HOURS", default=24)
if IDEMPOTENCY_TTL_HOURS < 1:
    raise ImproperlyConfigured("IDEMPOTENCY_TTL_HOURS must be at least 1")

# Webhook addresses (referrals/outbound.py): https only in production; internal addresses are
# refused unless the operator names the host here, or allows loopback for tests and development.
WEBHOOK_HTTPS_ONLY = PRODUCTION
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])
WEBHOOK_ALLOW_LOOPBACK = env.bool("WEBHOOK_ALLOW_LOOPBACK", default=False)
if WEBHOOK_ALLOW_LOOPBACK and PRODUCTION:
    raise ImproperlyConfigured(
        "WEBHOOK_ALLOW_LOOPBACK is for tests and development, not PRODUCTION"
    )
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="600/minute")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_RATES": {"provider": API_THROTTLE_RATE},
    "EXCEPTION_HANDLER": "referrals.api.errors.handle_exception",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Casusregie – API voor zorgaanbieders",
    "DESCRIPTION": (
        "Regionale zorgaanbieders ontvangen hier de verwijzingen die aan hen zijn gericht, "
        "wijzen toe of af (geen nee zonder alternatief), melden start en einde van de zorg "
        "en hun capaciteit. Fouten zijn application/problem+json met een Nederlandse titel, "
        "een code en invalid_params. Wijzigingen vragen If-Match (de ETag) en accepteren een "
        "Idempotency-Key."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "referrals.api.schema.problem_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ReferralStatusEnum": "referrals.lifecycle.Status",
    },
}

HEALTH_CHECK = {"SUBSETS": {}}
HEALTHCHECK_CELERY_PING_TIMEOUT = env.float("HEALTHCHECK_CELERY_PING_TIMEOUT", default=2.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# The shared scenarios (dossiers with their expected flags) that the tests import and sweep;
# a relative path is taken from the repository. The tests fail, naming it, when it is absent.
SCENARIOS_DIR = (BASE_DIR / env.str("SCENARIOS_DIR", default="../shared/scenarios")).resolve()
