"""Asynchronous webhook deliveries: a queue drained by one background thread (like Action Scheduler).

The payload is built when the delivery runs, from the resource's current state (as WooCommerce does), so a
delivery shows the latest version. A delivery still waiting for the same webhook and resource absorbs a new
one (WooCommerce never schedules the same webhook/resource twice). Faults are decided when a delivery is
queued (seeded): dropped, duplicated, or delayed by a random extra time (so deliveries can overtake).
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from .responses import php_json
from .webhooks import Webhook, delivery_succeeded

if TYPE_CHECKING:
    from .world import World

MAX_LOG = 10_000


@dataclass(order=True)
class Job:
    due: float
    seq: int
    webhook_id: int = field(compare=False)
    topic: str = field(compare=False)
    resource_id: int = field(compare=False)
    deleted: bool = field(compare=False, default=False)
    duplicate: bool = field(compare=False, default=False)


def signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


class DeliveryQueue:
    def __init__(self, world: World):
        self.world = world
        self.cond = threading.Condition()
        self.heap: list[Job] = []
        self.waiting: set[tuple[int, int]] = set()
        self.in_flight = 0
        self.seq = 0
        self.generation = 0
        self.log: list[dict[str, Any]] = []
        self.thread: threading.Thread | None = None
        self.stopping = False
        self.client: httpx.Client | None = None

    # ---- queueing (caller holds the world lock) ------------------------------------------------------
    def enqueue(self, webhook: Webhook, resource_id: int, deleted: bool) -> None:
        world = self.world
        key = (webhook.id, resource_id)
        with self.cond:
            if key in self.waiting and not deleted:
                world.count("webhook_deliveries_coalesced")
                return
            fate = world.faults.webhook_fate()
            if fate["drop"]:
                world.count("webhook_deliveries_dropped")
                self._record({"webhook_id": webhook.id, "delivery_id": None, "topic": webhook.topic,
                              "resource_id": resource_id, "outcome": "dropped", "status": None, "error": None,
                              "body_size": 0, "duplicate": False})
                return
            self.seq += 1
            due = time.monotonic() + world.config.webhook_delay_seconds + fate["delay"]
            heapq.heappush(self.heap, Job(due, self.seq, webhook.id, webhook.topic, resource_id, deleted,
                                          fate["duplicate"]))
            if not deleted:
                self.waiting.add(key)
            self._ensure_thread()
            self.cond.notify_all()

    def _ensure_thread(self) -> None:
        if self.thread is None or not self.thread.is_alive():
            self.stopping = False
            self.thread = threading.Thread(target=self._run, daemon=True, name="woocommerce-webhooks")
            self.thread.start()

    def clear(self) -> None:
        with self.cond:
            self.generation += 1
            self.heap.clear()
            self.waiting.clear()
            self.log.clear()
            self.cond.notify_all()

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        if self.thread is not None:
            self.thread.join(timeout=5)
        if self.client is not None:
            self.client.close()
            self.client = None

    def wait_idle(self, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.heap or self.in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))
        return True

    def pending(self) -> int:
        with self.cond:
            return len(self.heap) + self.in_flight

    # ---- the worker ------------------------------------------------------------------------------------
    def _run(self) -> None:
        self.client = httpx.Client(follow_redirects=False)
        while True:
            with self.cond:
                while not self.stopping and (not self.heap or self.heap[0].due > time.monotonic()):
                    self.cond.wait(self.heap[0].due - time.monotonic() if self.heap else None)
                if self.stopping:
                    return
                job = heapq.heappop(self.heap)
                self.waiting.discard((job.webhook_id, job.resource_id))
                self.in_flight += 1
                generation = self.generation
            try:
                self._deliver(job, generation)
            except Exception as exc:  # a delivery must never kill the worker
                self._record({"webhook_id": job.webhook_id, "delivery_id": None, "topic": job.topic,
                              "resource_id": job.resource_id, "outcome": "error", "status": None,
                              "error": repr(exc), "body_size": 0, "duplicate": False})
            finally:
                with self.cond:
                    self.in_flight -= 1
                    self.cond.notify_all()

    def _deliver(self, job: Job, generation: int) -> None:
        world = self.world
        with world.lock:
            webhook = world.webhooks.get(job.webhook_id)
            if webhook is None or webhook.status != "active":
                self._record({"webhook_id": job.webhook_id, "delivery_id": None, "topic": job.topic,
                              "resource_id": job.resource_id, "outcome": "skipped", "status": None,
                              "error": "webhook not active" if webhook else "webhook deleted",
                              "body_size": 0, "duplicate": False})
                return
            payload = world.webhook_payload(webhook.resource, job.resource_id, job.deleted)
            body = php_json(payload)
            config = world.config
            delivery_id = hashlib.md5(f"{webhook.id}{int(world.now())}".encode(), usedforsecurity=False).hexdigest()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": f"WooCommerce/{config.wc_version} Hookshot (WordPress/{config.wp_version})",
                "X-WC-Webhook-Source": config.site(),
                "X-WC-Webhook-Topic": webhook.topic,
                "X-WC-Webhook-Resource": webhook.resource,
                "X-WC-Webhook-Event": webhook.event,
                "X-WC-Webhook-Signature": signature(body, webhook.secret),
                "X-WC-Webhook-ID": str(webhook.id),
                "X-WC-Webhook-Delivery-ID": delivery_id,
            }
            url, timeout = webhook.delivery_url, config.webhook_timeout_seconds
        for duplicate in ((False, True) if job.duplicate else (False,)):
            started = time.monotonic()
            status, error = None, None
            try:
                assert self.client is not None
                response = self.client.post(url, content=body, headers=headers, timeout=timeout)
                status = response.status_code
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            with world.lock:
                if generation != self.generation:
                    return
                ok = status is not None and delivery_succeeded(status)
                world.count("webhook_deliveries_ok" if ok else "webhook_deliveries_failed")
                if duplicate:
                    world.count("webhook_deliveries_duplicated")
                self._record({"webhook_id": job.webhook_id, "delivery_id": delivery_id, "topic": job.topic,
                              "resource_id": job.resource_id, "outcome": "delivered" if ok else "failed",
                              "status": status, "error": error, "body_size": len(body), "duplicate": duplicate,
                              "duration_ms": round((time.monotonic() - started) * 1000, 1)})
                current = world.webhooks.get(job.webhook_id)
                if current is not None:
                    world.webhook_result(current, ok)

    def _record(self, entry: dict[str, Any]) -> None:
        now = self.world.now()
        entry["at"] = self.world.site_time.gmt(now)
        entry["at_epoch"] = now
        with self.cond:
            self.log.append(entry)
            if len(self.log) > MAX_LOG:
                del self.log[: len(self.log) - MAX_LOG]

    def entries(self, limit: int | None = None) -> list[dict[str, Any]]:
        with self.cond:
            items = self.log[-limit:] if limit else self.log
            return [dict(e) for e in items]
