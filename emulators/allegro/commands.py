"""Batch commands with client-generated ids: publication, quantity change, price change (PUT …/{id}) and
the beta bulk modification (POST). Completion is asynchronous; GET gives the summary and …/tasks the
per-offer report. A reused id answers 409.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.routing import Route

from .formats import iso, parse_amount
from .pipeline import Context, endpoint, require_dict
from .responses import BETA_V1, ApiError, error_item, json_response, not_found, rate_limited_resource

if TYPE_CHECKING:
    from .offer_model import Offer
    from .world import World

WRITE = "allegro:api:sale:offers:write"
KINDS = {
    "offer-publication-commands": "publication",
    "offer-quantity-change-commands": "quantity",
    "offer-price-change-commands": "price",
    "offer-bulk-modification-commands": "bulk",
}


@dataclass
class Task:
    offer_id: str
    status: str = "NEW"
    message: str = ""
    field_path: str = ""
    errors: list[dict] = field(default_factory=list)
    # bulk modification: the field ("stock" or "prices") and what to do with it
    subject: str | None = None
    change: dict = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        if self.subject is not None:
            return {"subject": {"offerId": self.offer_id, "field": self.subject}, "message": self.message,
                    "status": self.status, "errors": self.errors}
        data: dict[str, Any] = {"offer": {"id": self.offer_id}, "status": self.status, "message": self.message,
                                "errors": self.errors}
        if self.field_path:
            data["field"] = self.field_path
        return data


@dataclass
class Command:
    id: str
    kind: str
    seller_id: str
    created_at: float
    completes_at: float
    modification: dict
    tasks: list[Task]
    completed_at: float | None = None

    def report(self) -> dict[str, Any]:
        success = sum(1 for t in self.tasks if t.status == "SUCCESS")
        failed = sum(1 for t in self.tasks if t.status == "FAIL")
        return {"id": self.id, "createdAt": iso(self.created_at),
                "completedAt": iso(self.completed_at) if self.completed_at is not None else None,
                "taskCount": {"total": len(self.tasks), "success": success, "failed": failed}}


class TaskFailure(Exception):
    def __init__(self, code: str, message: str, path: str):
        super().__init__(message)
        self.item = error_item(code, message, message, path)


class CommandStore:
    def __init__(self, world: World):
        self.world = world
        self.commands: dict[tuple[str, str], Command] = {}
        self._pending: list[Command] = []

    def submit(self, kind: str, command_id: str, seller_id: str, modification: dict, tasks: list[Task],
               now: float) -> Command:
        key = (kind, command_id)
        if key in self.commands:
            raise ApiError(409, "CommandAlreadyExistsException", "Command id was already used",
                           "Identyfikator komendy został już użyty.")
        limits = self.world.config.limits
        maximum = limits.bulk_modification_max_items if kind == "bulk" else limits.command_max_offers
        if not tasks or len(tasks) > maximum:
            path = "modifications" if kind == "bulk" else "offerCriteria[0].offers"
            raise ApiError(422, "VALIDATION_ERROR", f"size must be between 1 and {maximum}", path=path)
        is_price = kind == "price" or any(t.subject == "prices" for t in tasks)
        if not self.world.limiter.consume_offer_changes(seller_id, len(tasks), now, price=is_price):
            raise rate_limited_resource()
        command = Command(command_id, kind, seller_id, now,
                          now + self.world.config.command_completion_seconds, modification, tasks)
        self.commands[key] = command
        self._pending.append(command)
        return command

    def complete_due(self, now: float) -> None:
        if not self._pending:
            return
        still = []
        for command in self._pending:
            if command.completes_at > now:
                still.append(command)
                continue
            for task in command.tasks:
                self._run_task(command, task, now)
            command.completed_at = now
        self._pending = still

    def _run_task(self, command: Command, task: Task, now: float) -> None:
        offers = self.world.offers
        offer = offers.offers.get(task.offer_id)
        try:
            if offer is None or offer.seller_id != command.seller_id:
                raise TaskFailure("NotFoundException", "Offer not found", "offer.id")
            if command.kind == "publication":
                self._publication(offer, command.modification, now)
            elif command.kind == "quantity":
                self._quantity(offer, command.modification, now)
            elif command.kind == "price":
                self._price(offer, command.modification, now)
            elif task.subject == "stock":
                self._quantity(offer, task.change, now)
            else:
                for marketplace, change in task.change.items():
                    if marketplace != "allegro-pl":
                        raise TaskFailure("VALIDATION_ERROR", "Only the allegro-pl marketplace is emulated",
                                          "prices")
                    self._price(offer, _bulk_price_change(change), now)
        except TaskFailure as failure:
            task.status, task.message, task.errors = "FAIL", failure.item["message"], [failure.item]
            task.field_path = failure.item["path"] or ""
            return
        task.status, task.message = "SUCCESS", ""

    def _publication(self, offer: Offer, modification: dict, now: float) -> None:
        offers = self.world.offers
        action = modification.get("action")
        if action == "ACTIVATE":
            if offer.is_live:
                return
            problems = offers.activation_problems(offer)
            if problems:
                raise TaskFailure(problems[0]["code"], problems[0]["message"], problems[0]["path"] or "")
            offers.activate(offer, now)
        elif action == "END":
            if not offer.is_live:
                raise TaskFailure("OFFER_NOT_ACTIVE", "Offer is not active", "publication.status")
            offers.end(offer, "USER", now)

    def _quantity(self, offer: Offer, modification: dict, now: float) -> None:
        change_type, value = modification.get("changeType"), modification.get("value")
        if not isinstance(value, int):
            raise TaskFailure("VALIDATION_ERROR", "value must be an integer", "modification.value")
        if change_type == "FIXED":
            if value <= 0:
                raise TaskFailure("INCORRECT_QUANTITY_VALUE", "Quantity must be greater than 0",
                                  "stock.available")
            new = value
        elif change_type == "GAIN":
            new = offer.available + value
        else:
            raise TaskFailure("VALIDATION_ERROR", "Unknown changeType", "modification.changeType")
        if new < 0 or new + offer.sold > self.world.config.limits.offer_max_stock:
            raise TaskFailure("EXCEPTION_DURING_OFFER_QUANTITY_UPDATE",
                              f"Quantity must be between 0 and {self.world.config.limits.offer_max_stock}",
                              "stock.available")
        self.world.offers.set_stock(offer, new, now)

    def _price(self, offer: Offer, modification: dict, now: float) -> None:
        if modification.get("marketplaceId") not in (None, "allegro-pl"):
            raise TaskFailure("VALIDATION_ERROR", "Only the allegro-pl marketplace is emulated",
                              "modification.marketplaceId")
        current = offer.price or Decimal(0)
        kind = modification.get("type")
        try:
            if kind == "FIXED_PRICE":
                new = parse_amount(modification["price"]["amount"])
            elif kind in ("INCREASE_PRICE", "DECREASE_PRICE"):
                delta = parse_amount(modification["value"]["amount"])
                new = current + delta if kind == "INCREASE_PRICE" else current - delta
            elif kind in ("INCREASE_PERCENTAGE", "DECREASE_PERCENTAGE"):
                percentage = Decimal(str(modification["percentage"]))
                factor = (100 + percentage if kind == "INCREASE_PERCENTAGE" else 100 - percentage) / 100
                new = parse_amount(current * factor)
            else:
                raise TaskFailure("VALIDATION_ERROR", "Unknown price modification type", "modification.type")
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise TaskFailure("VALIDATION_ERROR", "Invalid price modification", "modification") from exc
        if new <= 0:
            raise TaskFailure("VALIDATION_ERROR", "Price must be greater than 0", "sellingMode.price")
        self.world.offers.set_price(offer, new, now)


def _bulk_price_change(change: dict) -> dict:
    """Translate a bulk-modification price change into the price-command vocabulary."""
    change_type = change.get("changeType")
    if change_type == "FIXED":
        return {"type": "FIXED_PRICE", "price": change.get("value") or {}}
    if change_type == "GAIN":
        value = dict(change.get("value") or {})
        amount = str(value.get("amount", "0"))
        negative = amount.startswith("-")
        value["amount"] = amount.lstrip("-+")
        return {"type": "DECREASE_PRICE" if negative else "INCREASE_PRICE", "value": value}
    if change_type == "PERCENTAGE":
        raw = str(change.get("percentage", "")).replace("%", "").strip()
        negative = raw.startswith("-")
        return {"type": "DECREASE_PERCENTAGE" if negative else "INCREASE_PERCENTAGE",
                "percentage": raw.lstrip("-+")}
    return {"type": change_type}


def _criteria_tasks(body: dict) -> list[Task]:
    criteria = body.get("offerCriteria")
    if not isinstance(criteria, list) or not criteria:
        raise ApiError(422, "VALIDATION_ERROR", "offerCriteria is required", path="offerCriteria")
    tasks = []
    for index, criterion in enumerate(criteria):
        criterion = require_dict(criterion, f"offerCriteria[{index}]")
        if criterion.get("type", "CONTAINS_OFFERS") != "CONTAINS_OFFERS":
            raise ApiError(422, "VALIDATION_ERROR", "Only CONTAINS_OFFERS is supported",
                           path=f"offerCriteria[{index}].type")
        offers = criterion.get("offers") or []
        for offer in offers:
            tasks.append(Task(str(require_dict(offer, f"offerCriteria[{index}].offers[]").get("id"))))
    return tasks


def _kind(ctx: Context) -> str:
    kind = KINDS.get(ctx.request.url.path.split("/")[2])
    if kind is None:
        raise not_found()
    return kind


@endpoint(scope=WRITE, body="json")
def put_command(ctx: Context):
    kind = _kind(ctx)
    if kind == "bulk":
        raise not_found()
    body = require_dict(ctx.body)
    key = "publication" if kind == "publication" else "modification"
    modification = require_dict(body.get(key), key)
    command = ctx.world.commands.submit(kind, ctx.path["commandId"], ctx.seller_id, modification,
                                        _criteria_tasks(body), ctx.now)
    return json_response(command.report(), status=201)


@endpoint(scope=WRITE, body="json", media_type=BETA_V1)
def post_bulk_command(ctx: Context):
    body = require_dict(ctx.body)
    command_id = str(body.get("commandId") or "")
    if not command_id:
        raise ApiError(422, "VALIDATION_ERROR", "commandId is required", path="commandId")
    tasks = []
    for index, item in enumerate(body.get("modifications") or []):
        item = require_dict(item, f"modifications[{index}]")
        for subject in ("stock", "prices"):
            if item.get(subject):
                tasks.append(Task(str(item.get("offerId")), subject=subject, change=item[subject]))
    command = ctx.world.commands.submit("bulk", command_id, ctx.seller_id, {}, tasks, ctx.now)
    return json_response(command.report(), status=201, media_type=BETA_V1)


def _find(ctx: Context, kind: str) -> Command:
    command = ctx.world.commands.commands.get((kind, ctx.path["commandId"]))
    if command is None or command.seller_id != ctx.seller_id:
        raise not_found("command")
    return command


@endpoint(scope=WRITE)
def get_report(ctx: Context):
    return json_response(_find(ctx, _kind(ctx)).report())


@endpoint(scope=WRITE)
def get_tasks(ctx: Context):
    command = _find(ctx, _kind(ctx))
    limit = ctx.query_int("limit", 100, 1, 1000)
    offset = ctx.query_int("offset", 0, 0, 999)
    return json_response({"tasks": [t.to_json() for t in command.tasks[offset:offset + limit]]})

ROUTES = [Route("/sale/offer-bulk-modification-commands", post_bulk_command, methods=["POST"])]
for _path, _kind_name in KINDS.items():
    if _kind_name != "bulk":
        ROUTES.append(Route(f"/sale/{_path}/{{commandId}}", put_command, methods=["PUT"]))
    ROUTES.append(Route(f"/sale/{_path}/{{commandId}}", get_report, methods=["GET"]))
    ROUTES.append(Route(f"/sale/{_path}/{{commandId}}/tasks", get_tasks, methods=["GET"]))
