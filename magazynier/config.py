"""Runtime configuration read from the environment, with documented defaults.

Everything a deployment can change lives here, so settings.py and the CLI read one source:

MAGAZYNIER_DATA_DIR     where the SQLite database, the queue, the secret key and uploads live
                        (default: $XDG_DATA_HOME/magazynier, i.e. ~/.local/share/magazynier)
DATABASE_URL            sqlite:///path or postgres://user@host:port/db (default: SQLite in the data dir)
MAGAZYNIER_SECRET_KEY   Django secret key (default: generated once and kept in DATA_DIR/secret_key)
MAGAZYNIER_QUEUE        sqlite | postgres | redis | immediate (default: follows DATABASE_URL; redis when
                        REDIS_URL is set)
REDIS_URL               redis://host:port/db for PriorityRedisHuey
MAGAZYNIER_DEBUG        1 to enable Django debug pages (never in production)
MAGAZYNIER_ALLOWED_HOSTS comma-separated host names the panel answers to (default: localhost,127.0.0.1)
MAGAZYNIER_METRICS_TOKEN bearer token for /metrics (unset: /metrics answers 404)
MAGAZYNIER_WORKER_STALE_SECONDS seconds without a worker heartbeat before /healthz says "missing" (default 180)
MAGAZYNIER_STUCK_SYNC_MINUTES   minutes a change may wait for its channel before the stuck-sync alert (15)
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


def _default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "magazynier"


def data_dir() -> Path:
    path = Path(os.environ.get("MAGAZYNIER_DATA_DIR") or _default_data_dir()).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir() / 'magazynier.sqlite3'}"


def is_postgres(url: str) -> bool:
    return url.split(":", 1)[0] in {"postgres", "postgresql", "pgsql"}


def secret_key() -> str:
    """The configured key, or one generated on first run and kept (mode 0600) in the data dir."""
    configured = os.environ.get("MAGAZYNIER_SECRET_KEY")
    if configured:
        return configured
    path = data_dir() / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


@dataclass(frozen=True)
class QueueConfig:
    backend: str  # sqlite | postgres | redis | immediate
    location: str = field(repr=False)  # file path, DSN or redis URL: never printed, it may hold a password


def queue_config() -> QueueConfig:
    choice = os.environ.get("MAGAZYNIER_QUEUE", "").strip().lower()
    redis_url = os.environ.get("REDIS_URL", "")
    db_url = database_url()
    if not choice:
        if redis_url:
            choice = "redis"
        elif is_postgres(db_url):
            choice = "postgres"
        else:
            choice = "sqlite"
    if choice == "sqlite":
        return QueueConfig("sqlite", str(data_dir() / "queue.sqlite3"))
    if choice == "postgres":
        if not is_postgres(db_url):
            raise RuntimeError("MAGAZYNIER_QUEUE=postgres needs DATABASE_URL=postgres://…")
        return QueueConfig("postgres", db_url)
    if choice == "redis":
        return QueueConfig("redis", redis_url or "redis://127.0.0.1:6379/0")
    if choice == "immediate":
        return QueueConfig("immediate", "")
    raise RuntimeError(f"MAGAZYNIER_QUEUE={choice!r} is not one of sqlite, postgres, redis, immediate")


def flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def positive_number(name: str, default: float) -> float:
    """A positive number from the environment; unset, not a number or not positive → `default` (logged)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value > 0:
        return value
    logging.getLogger(__name__).warning("%s=%r is not a positive number; using %s", name, raw, default)
    return default


def make_huey(queue: QueueConfig, name: str = "magazynier"):
    """The Huey instance for a queue configuration (settings.HUEY; tests build extra ones to play workers)."""
    from huey import PostgresHuey, PriorityRedisHuey, SqliteHuey

    if queue.backend == "sqlite":
        return SqliteHuey(name, filename=queue.location)
    if queue.backend == "postgres":
        return PostgresHuey(name, dsn=queue.location)
    if queue.backend == "redis":
        return PriorityRedisHuey(name, url=queue.location)  # order polls jump the queue (task priority)
    return SqliteHuey(name, filename=str(data_dir() / "queue-immediate.sqlite3"), immediate=True)
