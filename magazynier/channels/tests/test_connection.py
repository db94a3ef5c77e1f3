"""Connecting Allegro accounts and keeping them connected: device flow, code flow pieces, token refresh."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from magazynier.channels.allegro.auth import AllegroOAuth, OAuthError, new_pkce_pair
from magazynier.channels.allegro.hosts import hosts_for
from magazynier.channels.connections import allegro_connector
from magazynier.channels.errors import AuthenticationError
from magazynier.channels.models import ChannelAccount, Credential
from magazynier.channels.tests.conftest import DEMO_CLIENT, connect
from magazynier.core.http import make_client
from magazynier.notifications.models import Alert


def _expire_access_token(account):
    Credential.objects.filter(account=account).update(access_expires_at=timezone.now() - timedelta(minutes=1))


def test_device_flow_connects_the_seller_and_stores_tokens_encrypted(db, emulator):
    account = connect(emulator)
    assert account.status == ChannelAccount.CONNECTED
    assert account.external_user_id == "46968690" and account.login == "demo-seller"
    assert account.writers_enabled is False  # a new account never writes until the seller says so
    credential = account.credential
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM channels_credential WHERE id = %s",
                       [credential.pk])
        stored = cursor.fetchone()
        cursor.execute("SELECT client_secret FROM channels_channelaccount WHERE id = %s", [account.pk])
        stored_secret = cursor.fetchone()[0]
    assert credential.access_token not in stored[0] and stored[0].startswith("enc1:")
    assert credential.refresh_token not in stored[1]
    assert DEMO_CLIENT[1] not in stored_secret
    assert allegro_connector(account).check_connection().login == "demo-seller"


def test_connecting_the_same_seller_again_updates_the_account_instead_of_adding_one(db, emulator):
    first = connect(emulator)
    second = connect(emulator, name="Drugi raz")
    assert second.pk == first.pk
    assert ChannelAccount.objects.count() == 1
    other = connect(emulator, seller="second-seller", name="Drugi sprzedawca")
    assert other.pk != first.pk and ChannelAccount.objects.count() == 2


def test_device_flow_waits_while_pending_and_reports_a_denial(db, emulator):
    oauth = AllegroOAuth(hosts_for("emulator", emulator.base_url), *DEMO_CLIENT, make_client(channel="allegro"))
    code = oauth.start_device_flow()
    assert code.interval == 5 and len(code.user_code) == 9 and "skojarz-aplikacje" in code.verification_uri
    polls = []

    def fake_sleep(seconds):
        polls.append(seconds)
        if len(polls) == 3:
            emulator.world.approve_device_code(code.user_code, "demo-seller", deny=True)

    with pytest.raises(OAuthError) as denied:
        oauth.wait_for_device(code, sleep=fake_sleep)
    assert denied.value.error == "access_denied"
    assert polls == [5, 5, 5]  # Allegro's interval, kept while pending


def test_an_application_without_the_device_grant_gets_a_clear_error(db, emulator):
    oauth = AllegroOAuth(hosts_for("emulator", emulator.base_url), "browser-only-app", "browser-only-secret",
                         make_client(channel="allegro"))
    with pytest.raises(OAuthError) as error:
        oauth.start_device_flow()
    assert error.value.error == "unauthorized_client"


def test_wrong_client_secret_is_a_configuration_error_without_the_secret_in_it(db, emulator):
    oauth = AllegroOAuth(hosts_for("emulator", emulator.base_url), "magazynier-demo", "wrong-secret-value",
                         make_client(channel="allegro"))
    with pytest.raises(Exception) as error:
        oauth.start_device_flow()
    assert "wrong-secret-value" not in str(error.value) and "wrong-secret-value" not in repr(oauth)


def test_authorization_code_flow_with_pkce(db, emulator):
    oauth = AllegroOAuth(hosts_for("emulator", emulator.base_url), *DEMO_CLIENT, make_client(channel="allegro"))
    verifier, challenge = new_pkce_pair()
    url = oauth.authorization_url("http://localhost:8000/allegro/callback", "state-1", challenge)
    assert "code_challenge_method=S256" in url and "state=state-1" in url
    code = emulator.world.authorize("magazynier-demo", "http://localhost:8000/allegro/callback", "demo-seller",
                                    code_challenge=challenge)
    with pytest.raises(OAuthError):
        oauth.exchange_code(code, "http://localhost:8000/allegro/callback", "x" * 50)  # wrong verifier
    code = emulator.world.authorize("magazynier-demo", "http://localhost:8000/allegro/callback", "demo-seller",
                                    code_challenge=challenge)
    tokens = oauth.exchange_code(code, "http://localhost:8000/allegro/callback", verifier)
    assert tokens.user_id == "46968690" and tokens.expires_in == 43199


def test_expiring_token_is_refreshed_before_use(db, emulator):
    account = connect(emulator)
    old = Credential.objects.get(account=account)
    _expire_access_token(account)
    assert allegro_connector(account).check_connection().user_id == "46968690"
    new = Credential.objects.get(account=account)
    assert new.access_token != old.access_token and new.refresh_token != old.refresh_token
    assert new.generation == old.generation + 1


def test_a_401_refreshes_once_and_retries(db, emulator):
    account = connect(emulator)
    credential = Credential.objects.get(account=account)
    Credential.objects.filter(pk=credential.pk).update(access_token="not-a-valid-token")
    assert allegro_connector(account).check_connection().login == "demo-seller"
    assert Credential.objects.get(pk=credential.pk).access_token != "not-a-valid-token"


def test_dead_refresh_token_marks_the_account_for_reconnection_and_raises_an_alert(db, emulator, caplog,
                                                                                   alert_inbox):
    account = connect(emulator)
    Credential.objects.filter(account=account).update(refresh_token="revoked-refresh-token-xyz")
    _expire_access_token(account)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationError) as error:
        allegro_connector(account).check_connection()
    account.refresh_from_db()
    assert account.status == ChannelAccount.NEEDS_RECONNECT
    alert = Alert.objects.get(kind="account_needs_reconnect", account=account, resolved_at__isnull=True)
    assert account.name in alert.title
    assert "revoked-refresh-token-xyz" not in str(error.value) + caplog.text + alert.message
    [message] = alert_inbox.messages()  # in the installation's language, Polish
    assert message["title"] == "[krytyczny] Konto Allegro Sklep Demo trzeba połączyć ponownie — Sklep Demo"
    assert "Stany, ceny i zamówienia tego konta nie są synchronizowane" in message["message"]
    assert "Połącz ponownie" in message["message"] and "revoked-refresh-token-xyz" not in str(message)
    with pytest.raises(AuthenticationError):  # no further calls while it waits for the seller
        allegro_connector(account).check_connection()
    connect(emulator)  # the seller reconnects: account usable again, alert resolved
    account.refresh_from_db()
    assert account.status == ChannelAccount.CONNECTED
    assert Alert.objects.get(pk=alert.pk).resolved_at is not None
    assert alert_inbox.messages()[-1]["title"] == "Rozwiązane: Konto Allegro Sklep Demo trzeba połączyć ponownie — " \
                                                  "Sklep Demo"


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_do_not_log_the_account_out(emulator):
    account = connect(emulator)
    _expire_access_token(account)
    issued_before = emulator.world.counters()["tokensIssued"]
    results, errors = [], []
    barrier = threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            results.append(allegro_connector(account).check_connection().user_id)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and results == ["46968690"] * 4
    issued = emulator.world.counters()["tokensIssued"] - issued_before
    assert issued == 1, f"{issued} refreshes for one expiry: rotation would log a worker out"
    # Long after the old refresh token's 60 s grace, the stored one still works: nobody kept a stale token.
    emulator.world.config.lifetimes.refresh_token_grace = 0
    _expire_access_token(account)
    assert allegro_connector(account).check_connection().user_id == "46968690"
    account.refresh_from_db()
    assert account.status == ChannelAccount.CONNECTED


def test_repr_and_str_never_show_secrets(db, emulator):
    account = connect(emulator)
    credential = Credential.objects.get(account=account)
    connector = allegro_connector(account)
    texts = [repr(account), str(account), repr(credential), str(credential), repr(connector.client),
             repr(connector.client.tokens), repr(connector.client.tokens.oauth)]
    for secret in (credential.access_token, credential.refresh_token, DEMO_CLIENT[1]):
        assert all(secret not in t for t in texts)
