"""A real CAS server for the auth_cas tests: django-cas-server, on loopback, with fixed users (see auth.py)."""

import os

SECRET_KEY = "amphi-tests-only-" + os.environ.get("CASSERVER_SECRET", "x")
DEBUG = False
LOGGING = {
    "version": 1,
    "handlers": {"err": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["err"], "level": "WARNING"},
}
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "cas_server",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tests.casserver.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["CASSERVER_DB"]}}
USE_TZ = True
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SESSION_COOKIE_NAME = "casserver_session"

CAS_AUTH_CLASS = "tests.casserver.auth.FixedUsers"
CAS_NEW_VERSION_HTML_WARNING = False  # it would ask pypi.org
CAS_NEW_VERSION_EMAIL_WARNING = False
CAS_SLO_TIMEOUT = 2
CAS_TICKET_VALIDITY = 60
