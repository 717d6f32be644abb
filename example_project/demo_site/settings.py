"""Settings of the django-2co-sso demo, read from the environment with django-environ.

Every value has a default that works with ``make demo`` (SQLite, local-memory cache, the
local 2Checkout emulator). Override any of them in the environment or in
``example_project/.env`` (see ``.env.example``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="demo-only-insecure-secret-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "shop",  # first, so its templates override django_2co_sso's base page
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_2co_sso",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo_site.urls"
WSGI_APPLICATION = "demo_site.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # 2Checkout's IPN and LCN for one order arrive at the same moment: SQLite takes the write
    # lock up front and waits for it, instead of failing one of them with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )

if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One runserver process: a process-local cache is fine for the demo (not in production).
    SILENCED_SYSTEM_CHECKS = ["django_2co_sso.W004"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "billing"
LOGOUT_REDIRECT_URL = "home"

# -- 2Checkout single sign-on ---------------------------------------------------------------

EMULATOR_PORT = env.int("EMULATOR_PORT", default=8765)
TWOCHECKOUT_API_URL = env.str("TWOCHECKOUT_API_URL", default=f"http://127.0.0.1:{EMULATOR_PORT}")

#: Short names accepted in TWOCHECKOUT_BACKEND besides a dotted path.
_BACKENDS = {
    "soap": "django_2co_sso.backends.soap.SoapBackend",
    "rpc": "django_2co_sso.backends.jsonrpc.JsonRpcBackend",
    "jsonrpc": "django_2co_sso.backends.jsonrpc.JsonRpcBackend",
    "rest": "django_2co_sso.backends.rest.RestBackend",
    "locmem": "django_2co_sso.backends.locmem.LocmemBackend",
}
_backend = env.str("TWOCHECKOUT_BACKEND", default="soap")

TWOCHECKOUT_SSO = {
    "BACKEND": _BACKENDS.get(_backend.lower(), _backend),
    # The emulator's own account by default (see `python -m django_2co_sso.emulator --help`).
    "MERCHANT_CODE": env.str("TWOCHECKOUT_MERCHANT_CODE", default="EMULATOR"),
    "SECRET_KEY": env.str("TWOCHECKOUT_SECRET_KEY", default="emulator-secret-key"),
    "API_URL": TWOCHECKOUT_API_URL,
    "ALLOWED_SSO_HOSTS": env.list(
        "TWOCHECKOUT_ALLOWED_SSO_HOSTS",
        # The emulator's host and port: "127.0.0.1" alone would allow every local port.
        default=[".2checkout.com", ".avangate.com", urlsplit(TWOCHECKOUT_API_URL).netloc],
    ),
    "PARTNER_PANEL_URL": env.str(
        "TWOCHECKOUT_PARTNER_PANEL_URL", default=f"{TWOCHECKOUT_API_URL}/cpanel/index.php"
    ),
    "NO_CUSTOMER_TEMPLATE": "shop/no_customer.html",
    "RATE_LIMIT": env.str("TWOCHECKOUT_RATE_LIMIT", default="30/m"),
    # "Subscribe" buy links go to the emulator's cart, signed with its Buy-Link Secret Word;
    # its IPN/LCN come back to /2checkout/ipn/ and /2checkout/lcn/ (signed with SECRET_KEY).
    "BUY_LINK_URL": env.str(
        "TWOCHECKOUT_BUY_LINK_URL", default=f"{TWOCHECKOUT_API_URL}/checkout/buy"
    ),
    "BUY_LINK_SECRET": env.str("TWOCHECKOUT_BUY_LINK_SECRET", default="emulator-buy-link-secret"),
}

#: Cart link of the "Buy again" buttons; {product} is the subscription's product code.
DEMO_CART_URL = env.str(
    "DEMO_CART_URL",
    default=f"{TWOCHECKOUT_API_URL}/order/checkout.php?PRODS={{product}}&QTY=1",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django_2co_sso": {"handlers": ["console"], "level": env.str("SSO_LOG_LEVEL", "INFO")},
    },
}
