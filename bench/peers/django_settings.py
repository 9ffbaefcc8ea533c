"""The least Django that django-ledger runs in, for B3's django_ledger_workload.py.

The database file comes from B3_DJANGO_DB, which the workload sets from its --db argument before setup.
"""

import os

SECRET_KEY = "b3-benchmark-only"
USE_TZ = True
TIME_ZONE = "UTC"
LOGIN_URL = "/login/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django_ledger",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("B3_DJANGO_DB", "b3_django_ledger.sqlite3"),
        # Django runs this on every new connection: the same durability Remit's engine sets.
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"},
    }
}
