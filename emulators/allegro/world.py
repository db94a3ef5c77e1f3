"""The in-memory Allegro: accounts, tokens, catalog, offers, commands, orders and journals.

Everything that changes state goes through this object (under ``lock``), whether the change comes
from an HTTP handler, the admin API or a test driving it from Python.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from .accounts import Application, Seller, default_applications, default_sellers
from .auth import Authority
from .catalog_data import Catalog
from .clock import FakeClock, RealClock
from .commands import CommandStore
from .config import EmulatorConfig
from .faults import FaultInjector
from .journals import Journal
from .limits import RateLimiter
from .offers import OfferStore
from .orders import OrderStore
from .simulation import BuyerSimulation


class World:
    def __init__(self, config: EmulatorConfig | None = None, clock: RealClock | FakeClock | None = None):
        self.config = config or EmulatorConfig()
        self.clock = clock or RealClock()
        self.lock = threading.RLock()
        self.catalog = Catalog(self.config.seed)
        self.reset()

    def reset(self) -> None:
        """Forget everything except the catalog and the configuration."""
        with self.lock:
            self.rng = random.Random(self.config.seed)
            self.applications: dict[str, Application] = {a.client_id: a for a in default_applications()}
            self.sellers: dict[str, Seller] = {s.id: s for s in default_sellers()}
            self.authority = Authority(self)
            self.limiter = RateLimiter(self.config.limits)
            self.faults = FaultInjector(self.config.fault_profile, self.config.seed)
            self.offer_journals: dict[str, Journal] = {}
            self.order_journals: dict[str, Journal] = {}
            self.offers = OfferStore(self)
            self.commands = CommandStore(self)
            self.orders = OrderStore(self)
            self.simulation = BuyerSimulation(self)

    # ---- accounts -----------------------------------------------------------------------------
    def seller_by_login(self, login: str) -> Seller | None:
        return next((s for s in self.sellers.values() if s.login == login), None)

    def seller_by_credentials(self, login: str, password: str) -> Seller | None:
        seller = self.seller_by_login(login)
        if seller is None or seller.password != password:
            return None
        return seller

    def add_seller(self, seller: Seller) -> None:
        with self.lock:
            self.sellers[seller.id] = seller

    def add_application(self, app: Application) -> None:
        with self.lock:
            self.applications[app.client_id] = app

    def approve_device_code(self, user_code: str, seller_login: str = "demo-seller", deny: bool = False) -> bool:
        with self.lock:
            seller = self.seller_by_login(seller_login)
            if seller is None:
                raise KeyError(seller_login)
            return self.authority.approve_device(user_code, seller, deny=deny)

    def authorize(self, client_id: str, redirect_uri: str, seller_login: str = "demo-seller",
                  scope: str | None = None, code_challenge: str | None = None) -> str:
        """What the consent page does when the seller clicks "allow": returns the authorization code."""
        with self.lock:
            app = self.applications[client_id]
            seller = self.seller_by_login(seller_login)
            if seller is None:
                raise KeyError(seller_login)
            if not app.redirect_allowed(redirect_uri):
                raise ValueError("redirect_uri not registered for this application")
            return self.authority.issue_authorization_code(app, seller, redirect_uri, scope, code_challenge)

    def token_for(self, seller_login: str | None = "demo-seller", client_id: str = "magazynier-demo",
                  scopes: tuple[str, ...] | None = None) -> dict:
        """Mint a token pair directly (tests that are not about OAuth)."""
        with self.lock:
            app = self.applications[client_id]
            seller = self.seller_by_login(seller_login) if seller_login else None
            granted = tuple(scopes) if scopes is not None else tuple(app.scopes)
            return self.authority.issue(client_id, seller.id if seller else None, granted)

    # ---- journals -----------------------------------------------------------------------------
    @staticmethod
    def _journal(journals: dict[str, Journal], seller_id: str, retention: float, base64_ids: bool) -> Journal:
        journal = journals.get(seller_id)
        if journal is None:
            journal = journals[seller_id] = Journal(retention, base64_ids)
        return journal

    def offer_journal(self, seller_id: str) -> Journal:
        """Offer events: 24 h retention, opaque base64 ids."""
        return self._journal(self.offer_journals, seller_id, self.config.lifetimes.offer_events_retention, True)

    def order_journal(self, seller_id: str) -> Journal:
        """Order events: 60 days retention, numeric ids."""
        return self._journal(self.order_journals, seller_id, self.config.lifetimes.order_events_retention, False)

    # ---- time ---------------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def tick(self) -> None:
        """Complete due asynchronous work and run the buyer simulation up to now."""
        with self.lock:
            now = self.clock.now()
            self.offers.complete_due_operations(now)
            self.commands.complete_due(now)
            self.simulation.run_until(now)

    def counters(self) -> dict[str, Any]:
        with self.lock:
            data = self.limiter.counters()
            data["faultsInjected"] = dict(self.faults.injected)
            data["tokensIssued"] = self.authority.state.tokens_issued
            data["offersCreated"] = self.offers.created_count
            data["checkoutFormsCreated"] = self.orders.created_count
            data["buyerSimulation"] = self.simulation.counters()
            return data

    # ---- scenario helpers (Python API; the admin HTTP API calls these) --------------------------
    def purchase(self, offer_id: str, quantity: int = 1, stage: str = "READY_FOR_PROCESSING") -> str:
        """A buyer buys an offer now; returns the checkout form id."""
        return self.purchase_cart([(offer_id, quantity)], stage)

    def purchase_cart(self, items: list[tuple[str, int]], stage: str = "READY_FOR_PROCESSING", *,
                      payment_type: str = "ONLINE", invoice_company: bool = False,
                      pickup_point: bool = False) -> str:
        """A buyer buys several offers of one seller in one checkout form now; returns its id.

        ``items`` are ``(offer_id, quantity)`` pairs (the same offer twice makes one line item with the
        quantities added up). ``payment_type`` is ``"ONLINE"`` (paid at READY_FOR_PROCESSING) or
        ``"CASH_ON_DELIVERY"`` (READY_FOR_PROCESSING without a payment).
        ``invoice_company`` asks for a VAT invoice for a company, ``pickup_point`` delivers to an InPost
        parcel locker. Unknown offer → KeyError; an offer not live, short of stock, or of another seller →
        ValueError, and nothing changes.
        """
        with self.lock:
            offers = [(self.offers.offers[offer_id], quantity) for offer_id, quantity in items]
            return self.orders.purchase_cart(offers, self.clock.now(), stage, payment_type=payment_type,
                                             invoice_company=invoice_company, pickup_point=pickup_point).id

    def advance_order(self, form_id: str, stage: str) -> None:
        with self.lock:
            self.orders.advance(self.orders.forms[form_id], stage, self.clock.now())

    def buyer_cancel(self, form_id: str) -> None:
        with self.lock:
            self.orders.cancel(self.orders.forms[form_id], self.clock.now(), by_buyer=True)

    def buyer_modify_order(self, form_id: str) -> None:
        """The buyer changes the delivery address of an unpaid order (BUYER_MODIFIED)."""
        with self.lock:
            self.orders.buyer_modify(self.orders.forms[form_id], self.clock.now())

    def auto_cancel_order(self, form_id: str) -> None:
        """Allegro cancels an unpaid order by itself (AUTO_CANCELLED)."""
        with self.lock:
            form = self.orders.forms[form_id]
            if form.status == "READY_FOR_PROCESSING":
                raise ValueError("paid orders are not cancelled automatically")
            self.orders.cancel(form, self.clock.now(), by_buyer=True, event="AUTO_CANCELLED")

    def panel_cancel_order(self, form_id: str) -> None:
        """The seller cancels in the Allegro panel: the form changes, no event is written."""
        with self.lock:
            self.orders.cancel(self.orders.forms[form_id], self.clock.now(), by_buyer=False)

    def panel_set_fulfillment(self, form_id: str, status: str, *, event: bool = False) -> None:
        """The seller changes the fulfillment status in the Allegro panel: the revision and ``updatedAt``
        change; by default no FULFILLMENT_STATUS_CHANGED is written (``event=True`` writes one). The
        research notes do not say what Allegro journals for panel changes; the default is the harder case
        for a client (it must notice the change by ``updatedAt``)."""
        with self.lock:
            self.orders.set_fulfillment(self.orders.forms[form_id], status, self.clock.now(), emit=event)

    def panel_edit_offer(self, offer_id: str, *, price: str | None = None, stock: int | None = None,
                         name: str | None = None, end: bool = False) -> None:
        """The seller edits the offer in the Allegro panel: state changes, no journal event."""
        from .formats import parse_amount

        with self.lock:
            now = self.clock.now()
            offer = self.offers.offers[offer_id]
            if price is not None:
                self.offers.set_price(offer, parse_amount(price), now, emit=False)
            if stock is not None:
                self.offers.set_stock(offer, int(stock), now, emit=False)
            if name is not None:
                offer.name = name
                offer.updated_at = now
            if end and offer.is_live:
                self.offers.end(offer, "USER", now, emit=False)

    def set_fault_profile(self, profile: str | dict) -> None:
        from .faults import FaultProfile

        with self.lock:
            self.faults.set_profile(FaultProfile.from_json(profile) if isinstance(profile, dict) else profile)

    def drop_next_response(self, method: str = "POST", path_prefix: str = "/sale/product-offers",
                           count: int = 1) -> None:
        """Perform the next matching request(s) but close the connection instead of answering."""
        with self.lock:
            self.faults.drop_next(method, path_prefix, count)
