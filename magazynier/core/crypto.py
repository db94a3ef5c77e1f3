"""Encryption of secrets and personal data at rest, with key rotation (Fernet from `cryptography`).

Keys come from MAGAZYNIER_ENCRYPTION_KEYS (comma-separated Fernet keys, newest first) or, when that is not set,
from DATA_DIR/encryption_keys (one key per line, newest first; created with mode 0600 on first use).
New values are always encrypted with the newest key; every listed key can decrypt. Rotating means: put a new
key first, run `magazynier keys rotate` (re-encrypts every encrypted column with the newest key), then drop
the old key. Values are never logged; a value that cannot be decrypted raises `DecryptionError`, which names
the column, never the value.
"""

from __future__ import annotations

import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.db import models

from magazynier import config

ENV_KEYS = "MAGAZYNIER_ENCRYPTION_KEYS"
PREFIX = "enc1:"  # marks an encrypted value, so a plain value written before encryption is recognised


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


def _key_file():
    return config.data_dir() / "encryption_keys"


def configured_keys() -> list[bytes]:
    raw = os.environ.get(ENV_KEYS, "").strip()
    if raw:
        return [k.strip().encode() for k in raw.split(",") if k.strip()]
    path = _key_file()
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(Fernet.generate_key().decode() + "\n")
    stat = path.stat()
    return list(_keys_in_file(str(path), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=4)
def _keys_in_file(path: str, mtime_ns: int, size: int) -> tuple[bytes, ...]:
    """Read once per version of the file (every token read decrypts: no file read per value)."""
    with open(path) as handle:
        return tuple(line.strip().encode() for line in handle if line.strip())


@lru_cache(maxsize=1)
def _fernet_for(keys: tuple[bytes, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise RuntimeError(f"An encryption key in {ENV_KEYS} or {_key_file()} is not a valid Fernet key "
                           "(generate one with `magazynier keys new`).") from exc


def fernet() -> MultiFernet:
    keys = tuple(configured_keys())
    if not keys:
        raise RuntimeError(f"No encryption key configured ({ENV_KEYS} is empty).")
    return _fernet_for(keys)


def encrypt(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(stored: str, *, where: str = "value") -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption was introduced; re-encrypted by `keys rotate`
    try:
        return fernet().decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken:
        raise DecryptionError(f"Cannot decrypt {where}: none of the configured keys fits. Was a key removed "
                              "before `magazynier keys rotate` ran?") from None


def reencrypt(stored: str) -> str:
    """The same value encrypted with the newest key (plain legacy values get encrypted)."""
    if not stored:
        return stored
    if not stored.startswith(PREFIX):
        return encrypt(stored)
    return PREFIX + fernet().rotate(stored[len(PREFIX):].encode()).decode()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads give the plain string. Not searchable, not indexable."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value, where=f"{self.model.__name__}.{self.name}")

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or str(value).startswith(PREFIX):
            return value
        return encrypt(value)


def encrypted_columns():
    """(model, field name) of every EncryptedTextField in the project."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field.name


def rotate_all(batch_size: int = 500) -> int:
    """Re-encrypt every encrypted value with the newest key; returns the number of values rewritten."""
    from django.db import transaction

    rewritten = 0
    for model, name in encrypted_columns():
        column = model._meta.get_field(name).column
        table = model._meta.db_table
        pk = model._meta.pk.column
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f'SELECT "{pk}", "{column}" FROM "{table}" WHERE "{column}" <> \'\'')  # noqa: S608
            rows = cursor.fetchall()
        for start in range(0, len(rows), batch_size):
            with transaction.atomic(), connection.cursor() as cursor:
                updates = [(reencrypt(value), key) for key, value in rows[start:start + batch_size]]
                cursor.executemany(
                    f'UPDATE "{table}" SET "{column}" = %s WHERE "{pk}" = %s', updates  # noqa: S608
                )
                rewritten += len(updates)
    return rewritten


def new_key() -> str:
    return Fernet.generate_key().decode()


def add_key_file_key() -> str:
    """Put a fresh key first in DATA_DIR/encryption_keys (only when keys come from that file)."""
    if os.environ.get(ENV_KEYS, "").strip():
        raise RuntimeError(f"Keys come from {ENV_KEYS}: put the new key first there yourself.")
    keys = configured_keys()
    key = new_key()
    path = _key_file()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join([key, *[k.decode() for k in keys]]) + "\n")
    os.replace(tmp, path)
    return key
