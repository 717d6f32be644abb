"""Django settings for the test suite.

The default run uses SQLite and the local-memory cache. Set ``DATABASE_URL`` and/or
``REDIS_URL`` (read with django-environ when it is installed) to run on real services.
"""

from __future__ import annotations

import os

SECRET_KEY = "tests-only-django-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = True

INSTALLED_APPS = [
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
]

ROOT_URLCONF = "tests.urls"
LOGIN_URL = "/login/"
STATIC_URL = "/static/"

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

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL"):
    import environ  # django-environ: only needed for the real-services run

    env = environ.Env()
    if os.environ.get("DATABASE_URL"):
        DATABASES = {"default": env.db("DATABASE_URL")}
    if os.environ.get("REDIS_URL"):
        CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": env("REDIS_URL"),
                "KEY_PREFIX": f"tests-{os.getpid()}",
            }
        }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

TWOCHECKOUT_SSO = {
    "BACKEND": "django_2co_sso.backends.locmem.LocmemBackend",
    "MERCHANT_CODE": "TESTMERCH",
    "SECRET_KEY": "test-secret-key-do-not-log",
}
