"""Settings for the test suite: the configured database (SQLite file or PostgreSQL), Huey in immediate mode."""

import os
import tempfile

os.environ.setdefault("MAGAZYNIER_DATA_DIR", tempfile.mkdtemp(prefix="magazynier-test-"))
os.environ["MAGAZYNIER_QUEUE"] = "immediate"

from magazynier.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
