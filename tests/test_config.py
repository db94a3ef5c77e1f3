"""Settings from the environment, and the queue backends really shared by several workers."""

from __future__ import annotations

import os
import stat
import uuid

import pytest

from magazynier import config

PG = "postgres://postgres@127.0.0.1:5432/test"


@pytest.fixture
def environ(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "MAGAZYNIER_QUEUE", "REDIS_URL", "MAGAZYNIER_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MAGAZYNIER_DATA_DIR", str(tmp_path / "dane"))
    return monkeypatch


def test_embedded_default_keeps_everything_in_the_data_dir(environ, tmp_path):
    assert config.database_url() == f"sqlite:///{tmp_path / 'dane' / 'magazynier.sqlite3'}"
    queue = config.queue_config()
    assert (queue.backend, queue.location) == ("sqlite", str(tmp_path / "dane" / "queue.sqlite3"))


def test_queue_follows_the_database_and_redis_when_given(environ):
    environ.setenv("DATABASE_URL", "postgres://app:tajne-haslo@db:5432/magazynier")
    queue = config.queue_config()
    assert queue.backend == "postgres"
    assert "tajne-haslo" not in repr(queue)  # a DSN's password never reaches logs through repr
    environ.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    assert config.queue_config().backend == "redis"
    environ.setenv("MAGAZYNIER_QUEUE", "rabbit")
    with pytest.raises(RuntimeError, match="sqlite, postgres, redis, immediate"):
        config.queue_config()


def test_secret_key_is_generated_once_and_kept_private(environ, tmp_path):
    first = config.secret_key()
    assert len(first) >= 50 and config.secret_key() == first
    mode = stat.S_IMODE(os.stat(tmp_path / "dane" / "secret_key").st_mode)
    assert mode == 0o600
    environ.setenv("MAGAZYNIER_SECRET_KEY", "z-otoczenia")
    assert config.secret_key() == "z-otoczenia"


def _two_workers_share_the_queue(make):
    """Two Huey instances with the same name stand for workers on two machines: every task enqueued by
    one is executed exactly once across both."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    producer, worker_a, worker_b = make(name), make(name), make(name)
    done: list[int] = []

    def record(n):
        done.append(n)

    tasks = {h: h.task(name="record")(record) for h in (producer, worker_a, worker_b)}
    for n in range(10):
        tasks[producer](n)  # calling a task enqueues it
    seen_a, seen_b = 0, 0
    while True:
        progressed = False
        for worker in (worker_a, worker_b):
            message = worker.dequeue()
            if message is not None:
                worker.execute(message)
                progressed = True
                if worker is worker_a:
                    seen_a += 1
                else:
                    seen_b += 1
        if not progressed:
            break
    producer.storage.flush_queue()
    return sorted(done), seen_a, seen_b


@pytest.mark.parametrize("backend", ["postgres", "redis"])
def test_workers_on_several_machines_share_one_queue(backend):
    location = PG if backend == "postgres" else "redis://127.0.0.1:6379/15"
    try:
        done, a, b = _two_workers_share_the_queue(
            lambda name: config.make_huey(config.QueueConfig(backend, location), name=name))
    except Exception as exc:  # the service is part of the test machine; say clearly if it is missing
        pytest.fail(f"{backend} queue at 127.0.0.1 not usable: {type(exc).__name__}: {exc}")
    assert done == list(range(10))
    assert a > 0 and b > 0 and a + b == 10


@pytest.mark.parametrize("backend", ["sqlite", "postgres", "redis"])
def test_an_order_poll_jumps_a_queue_full_of_sync_cycles(backend, tmp_path):
    """Task priority works on every queue backend: an order poll (priority 10) waiting behind a wave of
    cycles is taken first."""
    location = {"sqlite": str(tmp_path / "q.sqlite3"), "postgres": PG, "redis": "redis://127.0.0.1:6379/15"}[backend]
    huey = config.make_huey(config.QueueConfig(backend, location), name=f"prio-{uuid.uuid4().hex[:8]}")
    cycle = huey.task(name="cycle")(lambda n: n)
    poll = huey.task(name="poll", priority=10)(lambda n: n)
    try:
        for n in range(5):
            cycle(n)
        poll(99)
        assert huey.dequeue().name == "poll"
    finally:
        huey.storage.flush_queue()
