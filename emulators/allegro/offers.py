"""The offer state machine (INACTIVE → ACTIVATING → ACTIVE → ENDED) with its journal events, and the
create/edit logic behind POST/PATCH /sale/product-offers (validation, catalog products, 202 operations).
"""

from __future__ import annotations

import copy
import re
import uuid
from collections import deque
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .catalog_data import Product
from .formats import new_uuid, parse_amount
from .offer_model import Offer, Operation, check_parameter_value, param_response, ref, without_volatile
from .pipeline import require_dict
from .responses import ApiError, access_denied, error_item, not_found

if TYPE_CHECKING:
    from .world import World

FIRST_OFFER_ID = 17_000_000_000
GTIN_SHAPE = re.compile(r"^\d{8,14}$")
# request fields copied to the stored offer as they are
PLAIN_FIELDS = ("location", "payments", "description", "b2b", "language", "taxSettings",
                "messageToSellerSettings", "sizeTable", "attachments")
# request fields holding {"id"} or {"name"} references; the response only carries {"id"}
REFERENCE_FIELDS = ("contact", "additionalServices", "fundraisingCampaign")


class OfferStore:
    def __init__(self, world: World):
        self.world = world
        self.offers: dict[str, Offer] = {}
        self.operations: dict[str, Operation] = {}
        self._pending_operations: list[Operation] = []
        self._finished_operations: deque[Operation] = deque()
        self._next_id = FIRST_OFFER_ID
        self.created_count = 0

    # ---- events -------------------------------------------------------------------------------
    def emit(self, offer: Offer, event_type: str, now: float, **offer_extra: Any) -> None:
        body_offer: dict[str, Any] = {"id": offer.id}
        if offer.external_id is not None:
            body_offer["external"] = {"id": offer.external_id}
        body_offer.update(offer_extra)
        self.world.offer_journal(offer.seller_id).append(now, {"type": event_type, "offer": body_offer})

    # ---- lookup -------------------------------------------------------------------------------
    def get_owned(self, offer_id: str, seller_id: str) -> Offer:
        offer = self.offers.get(offer_id)
        if offer is None:
            raise not_found("offer")
        if offer.seller_id != seller_id:
            raise access_denied()
        return offer

    # ---- state changes shared by handlers, commands, simulation and the "panel" ----------------
    def set_stock(self, offer: Offer, available: int, now: float, emit: bool = True) -> None:
        if available == offer.available:
            return
        offer.available = available
        offer.updated_at = now
        if offer.is_live and emit:
            self.emit(offer, "OFFER_STOCK_CHANGED", now)
        if available == 0 and offer.is_live:
            self.end(offer, "EMPTY_STOCK", now, emit=emit)

    def set_price(self, offer: Offer, price: Decimal, now: float, emit: bool = True) -> None:
        if price == offer.price:
            return
        offer.price = price
        offer.updated_at = now
        if offer.is_live and emit:
            self.emit(offer, "OFFER_PRICE_CHANGED", now,
                      marketplaces=[{"id": "allegro-pl", "changeType": "MANUAL"}])

    def activate(self, offer: Offer, now: float) -> None:
        offer.status = "ACTIVE"
        offer.ended_by = None
        offer.ended_at = None
        offer.started_at = now
        offer.ever_published = True
        offer.updated_at = now
        self.emit(offer, "OFFER_ACTIVATED", now)

    def end(self, offer: Offer, ended_by: str, now: float, emit: bool = True) -> None:
        was_live = offer.is_live
        offer.status = "ENDED"
        offer.ended_by = ended_by
        offer.ended_at = now
        offer.updated_at = now
        if was_live and emit:
            self.emit(offer, "OFFER_ENDED", now, publication={"endedBy": ended_by})

    def activation_problems(self, offer: Offer) -> list[dict]:
        problems = list(offer.validation_errors)
        if offer.available <= 0:
            problems.append(error_item("INCORRECT_QUANTITY_VALUE", "Offer without stock cannot be activated",
                                       "Podaj liczbę sztuk większą od 0.", "stock.available"))
        return problems

    def complete_due_operations(self, now: float) -> None:
        horizon = now - self.world.config.lifetimes.product_offer_operation_retention
        while self._finished_operations and self._finished_operations[0].completes_at < horizon:
            self.operations.pop(self._finished_operations.popleft().id, None)
        if not self._pending_operations:
            return
        due = [op for op in self._pending_operations if op.completes_at <= now]
        if not due:
            return
        self._pending_operations = [op for op in self._pending_operations if op.completes_at > now]
        for operation in sorted(due, key=lambda op: op.completes_at):
            operation.done = True
            self._finished_operations.append(operation)
            offer = self.offers.get(operation.offer_id)
            if offer is None:
                continue
            offer.pending_operation = None
            if operation.activate and offer.status == "ACTIVATING":
                if self.activation_problems(offer):
                    offer.status = "INACTIVE"
                else:
                    self.activate(offer, now)
        self.complete_due_operations(now)  # purge what became stale in the same step

    # ---- create / edit ------------------------------------------------------------------------
    def _new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def create(self, seller_id: str, body: dict, now: float) -> tuple[Offer, Operation | None]:
        if "stock" not in body:
            raise ApiError(422, "VALIDATION_ERROR", "stock is required", "Podaj liczbę sztuk.", "stock")
        product_set, products, product_images = self._resolve_product_set(body.get("productSet"))
        catalog_product = next((p for p in products if p is not None), None)
        category_id = (body.get("category") or {}).get("id") or (catalog_product.category_id if catalog_product else None)
        name = body.get("name") or (catalog_product.name[:75] if catalog_product else None)
        if not category_id:
            raise ApiError(422, "CATEGORY_MISMATCH", "Category is required", "Wybierz kategorię.", "category.id")
        if not name:
            raise ApiError(422, "VALIDATION_ERROR", "Offer title is required", "Podaj tytuł oferty.", "name")
        offer = Offer(id="", seller_id=seller_id, name=name, category_id=str(category_id),
                      created_at=now, updated_at=now)
        offer.product_set = product_set
        offer.product_ids = [p.id if p else None for p in products]
        offer.product_images = product_images
        offer.extras["language"] = "pl-PL"
        self._apply(offer, body, now)
        offer.id = self._new_id()
        requested = (body.get("publication") or {}).get("status", "INACTIVE")
        if requested in ("ACTIVE", "ACTIVATING"):
            problems = self.activation_problems(offer)
            if problems:
                raise ApiError.validation(problems)
        self.offers[offer.id] = offer
        self.created_count += 1
        operation = None
        config = self.world.config
        if self.world.rng.random() < config.product_offer_async_share:
            operation = self._start_operation(offer, now, activate=requested in ("ACTIVE", "ACTIVATING"))
            if operation.activate:
                offer.status = "ACTIVATING"
        elif requested in ("ACTIVE", "ACTIVATING"):
            self.activate(offer, now)
        return offer, operation

    def _start_operation(self, offer: Offer, now: float, activate: bool) -> Operation:
        operation = Operation(new_uuid(), offer.id, now, now + self.world.config.product_offer_operation_seconds,
                              activate)
        self.operations[operation.id] = operation
        self._pending_operations.append(operation)
        offer.pending_operation = operation.id
        return operation

    def patch(self, offer: Offer, body: dict, now: float) -> Operation | None:
        if offer.pending_operation is not None:
            raise ApiError(409, "OPERATION_IN_PROGRESS",
                           "Previous edition of this offer is still being processed. Try again later.",
                           "Poprzednia edycja oferty jest w trakcie przetwarzania.")
        draft = copy.deepcopy(offer)  # validate on a copy: a rejected PATCH changes nothing
        if "productSet" in body:
            draft.product_set, products, draft.product_images = self._resolve_product_set(body.get("productSet"))
            draft.product_ids = [p.id if p else None for p in products]
        self._apply(draft, body, now)
        requested = (body.get("publication") or {}).get("status")
        if requested in ("ACTIVE", "ACTIVATING") and not draft.is_live:
            problems = self.activation_problems(draft)
            if problems:
                raise ApiError.validation(problems)
        changed_other = without_volatile(draft.to_json()) != without_volatile(offer.to_json())
        new_stock, new_price = draft.available, draft.price
        draft.available, draft.price = offer.available, offer.price
        offer.__dict__.update(draft.__dict__)
        if new_price is not None:
            self.set_price(offer, new_price, now)
        self.set_stock(offer, new_stock, now)
        if changed_other and offer.is_live:
            self.emit(offer, "OFFER_CHANGED", now)
        offer.updated_at = now
        async_share = self.world.config.product_offer_async_share
        if requested == "ENDED" and offer.is_live:
            self.end(offer, "USER", now)
        elif requested in ("ACTIVE", "ACTIVATING") and not offer.is_live:
            if self.world.rng.random() < async_share:
                offer.status = "ACTIVATING"
                return self._start_operation(offer, now, activate=True)
            self.activate(offer, now)
        elif self.world.rng.random() < async_share:
            return self._start_operation(offer, now, activate=False)
        return None

    def _resolve_product_set(self, raw: Any) -> tuple[list[dict], list[Product | None], list[str]]:
        catalog = self.world.catalog
        if raw is None:
            return [], [], []
        if not isinstance(raw, list) or not raw:
            raise ApiError(422, "VALIDATION_ERROR", "productSet must be a non-empty list", path="productSet")
        elements, products, images = [], [], []
        for index, element in enumerate(raw):
            element = require_dict(element, f"productSet[{index}]")
            product_ref = require_dict(element.get("product") or {}, f"productSet[{index}].product")
            product: Product | None = None
            product_id = product_ref.get("id")
            if product_id:
                if product_ref.get("idType") == "GTIN" or GTIN_SHAPE.match(str(product_id)):
                    matches = catalog.products_by_ean.get(str(product_id), [])
                    if len(matches) > 1:
                        raise ApiError(
                            422, "MultipleProductsFoundException",
                            "More than one product was found for the given GTIN",
                            "Znaleziono więcej niż jeden produkt dla podanego kodu.",
                            f"productSet[{index}].product.id",
                            metadata={"productIds": ",".join(p.id for p in matches)})
                    product = matches[0] if matches else None
                else:
                    product = catalog.products.get(str(product_id))
                if product is None and not product_ref.get("name"):
                    raise ApiError(422, "ProductNotFoundException", "Product not found",
                                   "Nie znaleziono produktu.", f"productSet[{index}].product.id")
            elif not product_ref.get("name"):
                raise ApiError(422, "VALIDATION_ERROR", "Product id or product definition is required",
                               path=f"productSet[{index}].product")
            if product is not None:
                parameters = [{k: v for k, v in p.items() if k in ("id", "name", "values", "valuesIds")}
                              for p in product.parameters]
                resolved_id: str | None = product.id
                status = "LISTED"
                if product_ref.get("images") != []:
                    images.extend(product.images)
            else:
                parameters = [param_response(p) for p in product_ref.get("parameters") or []]
                resolved_id = str(uuid.uuid4())
                status = "PROPOSED"
                images.extend(product_ref.get("images") or [])
            out: dict[str, Any] = {
                "quantity": {"value": int((element.get("quantity") or {}).get("value", 1))},
                "product": {"id": resolved_id, "publication": {"status": status}, "parameters": parameters,
                            "isAiCoCreated": False},
                "responsiblePerson": ref(element.get("responsiblePerson")),
                "responsibleProducer": ref(element.get("responsibleProducer")),
                "marketedBeforeGPSRObligation": element.get("marketedBeforeGPSRObligation"),
            }
            if element.get("safetyInformation"):
                out["safetyInformation"] = element["safetyInformation"]
            elif product is not None:
                out["safetyInformation"] = {"type": "TEXT", "description": "Przechowywać w suchym miejscu."}
                if out["responsibleProducer"] is None:
                    out["responsibleProducer"] = {"id": product.producer_id}
            elements.append(out)
            products.append(product)
        return elements, products, images

    def _apply(self, offer: Offer, body: dict, now: float) -> None:
        """Validate and copy request fields; hard errors raise 422, soft ones land in validation.errors."""
        catalog = self.world.catalog
        limits = self.world.config.limits
        if "name" in body and body["name"] is not None:
            offer.name = str(body["name"])
        title = offer.name
        if not 12 <= len(title) <= 75 or len(title.split()) < 3:
            raise ApiError(422, "VALIDATION_ERROR",
                           "Offer title must have 12 to 75 characters and at least 3 words",
                           "Tytuł oferty musi mieć od 12 do 75 znaków i co najmniej 3 słowa.", "name")
        if isinstance(body.get("category"), dict) and body["category"].get("id"):
            offer.category_id = str(body["category"]["id"])
        category = catalog.categories.get(offer.category_id)
        if category is None:
            raise ApiError(422, "CATEGORY_MISMATCH", "Category does not exist", "Nieznana kategoria.",
                           "category.id")
        if not category.leaf:
            raise ApiError(422, "CATEGORY_MISMATCH", "Offers can be listed only in leaf categories",
                           "Wybierz kategorię najniższego poziomu.", "category.id")
        stock = body.get("stock")
        if isinstance(stock, dict) and "available" in stock:
            available = stock["available"]
            if not isinstance(available, int) or available < 0 or available + offer.sold > limits.offer_max_stock:
                raise ApiError(422, "INCORRECT_QUANTITY_VALUE",
                               f"Stock must be between 0 and {limits.offer_max_stock} (sold items included)",
                               "Nieprawidłowa liczba sztuk.", "stock.available")
            offer.available = available
            offer.unit = stock.get("unit") or offer.unit
        selling = body.get("sellingMode")
        if isinstance(selling, dict):
            offer.selling_format = selling.get("format") or offer.selling_format
            if isinstance(selling.get("price"), dict):
                try:
                    price = parse_amount(selling["price"].get("amount"))
                except ValueError as exc:
                    raise ApiError(422, "VALIDATION_ERROR", "Invalid price amount",
                                   path="sellingMode.price.amount") from exc
                if price <= 0:
                    raise ApiError(422, "VALIDATION_ERROR", "Price must be greater than 0",
                                   "Cena musi być większa od 0.", "sellingMode.price.amount")
                offer.price = price
                offer.currency = selling["price"].get("currency") or "PLN"
        if "images" in body:
            offer.images = [str(url) for url in body.get("images") or []]
        total_images = len(offer.images) + len(offer.product_images)
        if total_images > limits.offer_max_images:
            raise ApiError(422, "TOO_MANY_IMAGES",
                           f"An offer can have at most {limits.offer_max_images} images (catalog images included)",
                           "Za dużo zdjęć.", "images")
        if "parameters" in body:
            offer.parameters = [param_response(p) for p in body.get("parameters") or []]
        if "external" in body:
            external = body.get("external")
            offer.external_id = external.get("id") if isinstance(external, dict) else None
        if "delivery" in body:
            delivery = body.get("delivery") or {}
            offer.delivery = {k: v for k, v in {
                "handlingTime": delivery.get("handlingTime"),
                "shippingRates": ref(delivery.get("shippingRates")),
                "additionalInfo": delivery.get("additionalInfo"),
                "shipmentDate": delivery.get("shipmentDate"),
            }.items() if v is not None or k == "shippingRates"}
        if "afterSalesServices" in body:
            services = body.get("afterSalesServices")
            offer.after_sales = {k: ref(v) for k, v in services.items() if ref(v)} if services else None
        if "additionalMarketplaces" in body:
            offer.additional_marketplaces = {}
            for marketplace, value in (body.get("additionalMarketplaces") or {}).items():
                price = ((value or {}).get("sellingMode") or {}).get("price")
                selling = {"format": offer.selling_format, "price": price} if price else None
                offer.additional_marketplaces[marketplace] = {
                    "sellingMode": selling, "publication": {"state": "APPROVED", "refusalReasons": []}}
        for key in PLAIN_FIELDS:
            if key in body:
                if body[key] is None:
                    offer.extras.pop(key, None)
                else:
                    offer.extras[key] = body[key]
        for key in REFERENCE_FIELDS:
            if key in body:
                offer.extras[key] = ref(body[key])
        if "discounts" in body:
            price_list = ref((body.get("discounts") or {}).get("wholesalePriceList"))
            offer.extras["discounts"] = {"wholesalePriceList": price_list}
        offer.validation_errors = self._soft_validation(offer)
        offer.validated_at = now

    def _soft_validation(self, offer: Offer) -> list[dict]:
        """Problems that keep an offer from being published (drafts may still be saved)."""
        catalog = self.world.catalog
        problems: list[dict] = []
        values: dict[str, dict] = {}
        for element in offer.product_set:
            for param in element["product"].get("parameters", []):
                values[param["id"]] = param
        for param in offer.parameters:
            values[param["id"]] = param
        for definition in catalog.parameters(offer.category_id):
            given = values.get(definition.id)
            has_value = bool(given and (given.get("values") or given.get("valuesIds") or given.get("rangeValue")))
            if definition.required and not has_value:
                problems.append(error_item("PARAMETER_MISMATCH",
                                           f"Required parameter '{definition.name}' ({definition.id}) is missing",
                                           f"Uzupełnij parametr \"{definition.name}\".", "parameters",
                                           metadata={"parameterId": definition.id}))
                continue
            if given and has_value:
                problem = check_parameter_value(definition, given)
                if problem:
                    problems.append(error_item("PARAMETER_MISMATCH", problem,
                                               f"Nieprawidłowa wartość parametru \"{definition.name}\".",
                                               "parameters", metadata={"parameterId": definition.id}))
        if offer.price is None:
            problems.append(error_item("VALIDATION_ERROR", "Price is required", "Podaj cenę.",
                                       "sellingMode.price"))
        if not offer.images and not offer.product_images:
            problems.append(error_item("VALIDATION_ERROR", "At least one image is required",
                                       "Dodaj co najmniej jedno zdjęcie.", "images"))
        for index, element in enumerate(offer.product_set):
            if element.get("marketedBeforeGPSRObligation"):
                continue
            if not element.get("responsibleProducer") or not element.get("safetyInformation"):
                problems.append(error_item("PRODUCT_SAFETY_EMPTY",
                                           "Responsible producer and safety information are required (GPSR)",
                                           "Uzupełnij dane producenta i informacje o bezpieczeństwie.",
                                           f"productSet[{index}]"))
        if not offer.product_set:
            problems.append(error_item("VALIDATION_ERROR", "productSet is required", "Wskaż produkt.",
                                       "productSet"))
        return problems
