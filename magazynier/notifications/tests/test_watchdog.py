"""The worker's watchdog in the web process: a worker that stops beating is reported within its staleness
limit (3 minutes), once per outage, in the installation's language, and the web process sends the message
itself because the worker that normally sends alerts is the one that is down. The clock is the test's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from magazynier.cli import main
from magazynier.core.models import Heartbeat
from magazynier.core.monitoring import beat
from magazynier.notifications.watchdog import check_worker


@pytest.mark.django_db
def test_a_silent_worker_is_reported_by_the_web_process_which_sends_the_alert_itself(alert_inbox):
    received = alert_inbox.receiver.posts
    started = timezone.now()
    assert check_worker(started, watching_since=started) is False
    assert received == [], "a worker that has not beaten yet gets its staleness limit to start"
    assert check_worker(started + timedelta(minutes=4), watching_since=started) is False
    [message] = [body for _path, body in received]
    assert message["title"] == "[krytyczny] Proces w tle Magazyniera nie działa"
    assert "nigdy nie uruchomił" in message["message"] and "magazynier worker" in message["message"]

    beat(at=started + timedelta(minutes=5))
    assert check_worker(started + timedelta(minutes=6), watching_since=started) is True
    # the worker is back, so it sends the "resolved" (as its every-minute delivery does here)
    assert alert_inbox.messages(started + timedelta(minutes=6))[-1]["title"] == \
        "Rozwiązane: Proces w tle Magazyniera nie działa"

    assert check_worker(started + timedelta(minutes=7, seconds=55)) is True, "three minutes is the limit"
    assert check_worker(started + timedelta(minutes=8, seconds=5)) is False
    assert check_worker(started + timedelta(minutes=10)) is False
    bodies = [body for _path, body in received]
    assert len(bodies) == 3, "one message per outage, however often it is checked"
    beat_at = timezone.localtime(Heartbeat.objects.get().beat_at).strftime("%Y-%m-%d %H:%M")
    assert f"Ostatni znak życia dał o {beat_at}" in bodies[2]["message"]


@pytest.mark.django_db
def test_alerts_check_exits_non_zero_and_alerts_when_the_worker_is_missing(alert_inbox, capsys):
    beat(at=timezone.now() - timedelta(minutes=10))
    assert main(["alerts", "check"]) == 1
    assert "Proces w tle nie działa" in capsys.readouterr().out
    assert [body["title"] for _path, body in alert_inbox.receiver.posts] == [
        "[krytyczny] Proces w tle Magazyniera nie działa"]
    beat()
    assert main(["alerts", "check"]) == 0
    assert alert_inbox.messages()[-1]["title"].startswith("Rozwiązane:")  # sent by the live worker
