"""Benchmark: publishing a catalog to Allegro (the emulator) and what the shared rate budget costs.

Creates N products in one shop category mapped to an Allegro leaf category, connects an account by device
flow, then times the dry run and the apply (create drafts + activation commands) and reads the emulator's
counters: requests per published offer, against the baseline of 1 create + 1 activation per offer (the
least the API allows without commands). Then measures one shared-budget acquire (SQLite file + filelock, or
PostgreSQL with DATABASE_URL) against the HTTP request it guards, in the same run.

    python bench/bench_allegro_publish.py [--offers 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    os.environ.setdefault("MAGAZYNIER_DATA_DIR", tempfile.mkdtemp(prefix="magazynier-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "magazynier.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=300)
    args = parser.parse_args()
    setup_django()
    from emulators.allegro import EmulatorConfig
    from emulators.allegro.testing import running_emulator
    from magazynier.catalog.importers import default_warehouse
    from magazynier.catalog.models import Category, Image, Product, ResponsibleProducer, Variant
    from magazynier.channels import categories
    from magazynier.channels.allegro.auth import AllegroOAuth
    from magazynier.channels.allegro.hosts import hosts_for
    from magazynier.channels.connections import allegro_connector, complete_connection
    from magazynier.channels.models import ChannelAccount
    from magazynier.channels.offers import apply_plan, make_plan
    from magazynier.channels.scope import Scope
    from magazynier.core.http import make_client
    from magazynier.core.ratebudget import Limit, get_budget
    from magazynier.inventory.actions import StockChange, apply_stock_changes
    from magazynier.inventory.models import MovementReason

    with running_emulator(EmulatorConfig(seed=1, command_completion_seconds=0.2)) as emu:
        hosts = hosts_for("emulator", emu.base_url)
        oauth = AllegroOAuth(hosts, "magazynier-demo", "magazynier-demo-secret", make_client(channel="allegro"))
        code = oauth.start_device_flow()
        emu.world.approve_device_code(code.user_code, "demo-seller")
        account = complete_connection(ChannelAccount(name="bench", environment="emulator", api_url=hosts.api,
                                                     auth_url=hosts.web, client_id="magazynier-demo",
                                                     client_secret="magazynier-demo-secret"),  # noqa: S106 - the emulator's demo app
                                      oauth.poll_device(code.device_code))
        producer = ResponsibleProducer.objects.create(name="Bench Sp. z o.o.", street="Prosta 1",
                                                      postal_code="00-001", city="Warszawa", email="b@example.com")
        shop = Category.objects.create(name="Koszulki")
        warehouse = default_warehouse()
        sizes, colours = ["S", "M", "L", "XL"], ["niebieski", "czarny", "biały", "czerwony"]
        changes = []
        for n in range(args.offers):
            product = Product.objects.create(
                key=f"bench-{n:05d}", name=f"Koszulka bawełniana męska model {n}", category=shop, brand="Nordwear",
                description="<p>Miękka bawełna.</p><h2>Pranie</h2><p>30°C</p>", responsible_producer=producer,
                safety_information="Przechowywać z dala od ognia.", vat_rate="23",
                attributes={"Rozmiar": sizes[n % 4], "Kolor": colours[n // 4 % 4]})
            variant = Variant.objects.create(product=product, sku=f"bench-{n:05d}", name=product.name,
                                             price=Decimal("49.99"))
            Image.objects.create(product=product, url=f"https://img.example.com/{n}.jpg")
            changes.append(StockChange(variant.pk, warehouse.pk, MovementReason.STOCKTAKE, set_to=5))
        apply_stock_changes(changes)
        connector = allegro_connector(account, max_wait=65)
        leaf = categories.known_category(account, connector, emu.world.catalog.leaf_named("Koszulki").id)
        categories.map_category(account, shop, leaf)

        served_before = emu.world.counters()["clients"]["magazynier-demo"]["served"]
        t0 = time.perf_counter()
        plan = make_plan(account, connector, Scope())
        t_plan = time.perf_counter() - t0
        served_plan = emu.world.counters()["clients"]["magazynier-demo"]["served"] - served_before
        t0 = time.perf_counter()
        report = apply_plan(account, connector, plan, poll_interval=0.2)
        t_apply = time.perf_counter() - t0
        served_apply = emu.world.counters()["clients"]["magazynier-demo"]["served"] - served_before - served_plan
        live = sum(1 for o in emu.world.offers.offers.values() if o.status == "ACTIVE")

        # the budget's cost per request, measured against the request itself in the same run
        budget = get_budget()
        limits = (Limit(1_000_000, 60),)
        t0 = time.perf_counter()
        for _ in range(500):
            budget.acquire("bench:acquire", limits)
        t_acquire = (time.perf_counter() - t0) / 500
        t0 = time.perf_counter()
        for _ in range(200):
            connector.check_connection()
        t_request = (time.perf_counter() - t0) / 200

    print(f"offers planned: {len(plan.items)} in {t_plan:.2f} s ({len(plan.items) / t_plan:.0f}/s), "
          f"{served_plan} requests (SKU look-ups of up to 100 and category parameters)")
    print(f"published: created {report.created}, activated {report.activated}, failed {len(report.failed)}; "
          f"active in the emulator: {live}")
    print(f"apply: {t_apply:.2f} s ({report.created / t_apply:.0f} offers/s), {served_apply} requests = "
          f"{served_apply / max(1, report.created):.3f} per offer; baseline 1 create + 1 activation each = 2.000")
    backend = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite+filelock"
    print(f"shared budget acquire ({backend}): {t_acquire * 1000:.2f} ms; GET /me it guards (incl. the client "
          f"budget and token read): {t_request * 1000:.2f} ms; acquire/request = {t_acquire / t_request:.2f}")
    return 0 if report.created == args.offers and live == args.offers else 1


if __name__ == "__main__":
    sys.exit(main())
