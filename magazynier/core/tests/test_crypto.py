"""Secrets at rest: encrypted columns, reading after a key rotation, and clear errors without the value."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from magazynier.channels.models import ChannelAccount
from magazynier.core import crypto


def _stored_secret(account_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM channels_channelaccount WHERE id = %s", [account_id])
        return cursor.fetchone()[0]


def _account(secret: str) -> ChannelAccount:
    return ChannelAccount.objects.create(name="Konto", api_url="https://api.example", auth_url="https://example",
                                         client_id="app", client_secret=secret)


@pytest.fixture
def keys(monkeypatch):
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv(crypto.ENV_KEYS, first)
    return first, second


def test_values_are_stored_encrypted_and_read_back_plain(db, keys):
    account = _account("sekret-aplikacji-123")
    stored = _stored_secret(account.pk)
    assert stored.startswith("enc1:") and "sekret-aplikacji-123" not in stored
    assert ChannelAccount.objects.get(pk=account.pk).client_secret == "sekret-aplikacji-123"


def test_rotation_re_encrypts_everything_with_the_newest_key(db, keys, monkeypatch):
    first, second = keys
    account = _account("sekret-aplikacji-123")
    before = _stored_secret(account.pk)
    monkeypatch.setenv(crypto.ENV_KEYS, f"{second},{first}")  # new key first, old still readable
    assert ChannelAccount.objects.get(pk=account.pk).client_secret == "sekret-aplikacji-123"
    assert crypto.rotate_all() >= 1
    after = _stored_secret(account.pk)
    assert after != before
    monkeypatch.setenv(crypto.ENV_KEYS, second)  # the old key is gone: everything still reads
    assert ChannelAccount.objects.get(pk=account.pk).client_secret == "sekret-aplikacji-123"


def test_a_removed_key_gives_a_clear_error_without_the_value(db, keys, monkeypatch):
    account = _account("sekret-aplikacji-123")
    monkeypatch.setenv(crypto.ENV_KEYS, Fernet.generate_key().decode())
    with pytest.raises(crypto.DecryptionError) as error:
        ChannelAccount.objects.get(pk=account.pk)
    assert "ChannelAccount.client_secret" in str(error.value) and "rotate" in str(error.value)
    assert "sekret" not in str(error.value)


def test_a_value_written_before_encryption_is_read_and_encrypted_by_rotation(db, keys):
    account = _account("x")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE channels_channelaccount SET client_secret = %s WHERE id = %s",
                       ["stary-jawny-sekret", account.pk])
    assert ChannelAccount.objects.get(pk=account.pk).client_secret == "stary-jawny-sekret"
    crypto.rotate_all()
    assert _stored_secret(account.pk).startswith("enc1:")


def test_the_key_file_is_created_private_on_first_use(monkeypatch, tmp_path):
    monkeypatch.delenv(crypto.ENV_KEYS, raising=False)
    monkeypatch.setenv("MAGAZYNIER_DATA_DIR", str(tmp_path))
    assert crypto.decrypt(crypto.encrypt("abc")) == "abc"
    key_file = tmp_path / "encryption_keys"
    assert key_file.stat().st_mode & 0o777 == 0o600
    crypto.add_key_file_key()
    assert len(key_file.read_text().split()) == 2 and key_file.stat().st_mode & 0o777 == 0o600
