"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent


def shared_dir() -> Path:
    return Path(os.environ.get("MAGAZYNIER_SHARED_DIR") or REPO.parent / "shared")


@pytest.fixture
def sample_csv() -> Path:
    path = shared_dir() / "reference" / "woocommerce_sample_products.csv"
    if not path.exists():
        pytest.skip(f"WooCommerce sample not found at {path} (set MAGAZYNIER_SHARED_DIR)")
    return path


def _user(username: str, role: str):
    from magazynier.accounts.actions import create_user

    return create_user(username, "correct-horse-battery", role)


@pytest.fixture
def owner(db):
    return _user("wlasciciel", "owner")


@pytest.fixture
def warehouse_worker(db):
    return _user("magazynier1", "warehouse")


@pytest.fixture
def accountant(db):
    return _user("ksiegowa", "accountant")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the after-commit callbacks (e.g. queued Huey tasks, immediate in tests) of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True, scope="session")
def allegro_requests_conform_to_the_spec():
    """Every request our Allegro client sends, and every answer it gets, is checked against Allegro's
    OpenAPI spec (openapi-core, strict): a non-conforming exchange fails the test that made it."""
    from conformance.allegro_openapi import httpx_response_hook
    from magazynier.core.http import add_response_hook, remove_response_hook

    hook = httpx_response_hook()
    add_response_hook("allegro", hook)
    yield
    remove_response_hook("allegro", hook)


@pytest.fixture(autouse=True, scope="session")
def shared_budget_connections_closed(django_db_setup):
    """Close the rate budget's PostgreSQL pool before pytest-django drops the test database."""
    yield
    from magazynier.core import ratebudget

    if ratebudget._budget is not None:
        ratebudget._budget.close()
        ratebudget._budget = None


class AlertInbox:
    """What a seller's alert endpoint received: a recipient of every severity whose address is a real HTTP
    receiver on loopback (Apprise's json:// transport)."""

    def __init__(self, receiver):
        self.receiver = receiver

    def messages(self, now=None) -> list[dict]:
        """Send what is due (as the worker does every minute), then everything received so far."""
        from magazynier.notifications.delivery import deliver_due

        deliver_due(now)
        return [body for _path, body in self.receiver.posts]

    def about(self, text: str, now=None) -> list[dict]:
        """The messages whose title mentions `text`."""
        return [m for m in self.messages(now) if text in m["title"]]


@pytest.fixture
def hook():
    """A real HTTP endpoint on loopback that records what is posted to it (Apprise's json:// and the like)."""
    from magazynier.notifications.tests.receivers import HttpReceiver

    receiver = HttpReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def alert_inbox(db, hook):
    from magazynier.notifications.models import Recipient

    Recipient.objects.create(name="Sprzedawca", urls=hook.url("/sprzedawca"), min_severity="info")
    return AlertInbox(hook)
