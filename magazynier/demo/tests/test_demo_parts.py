"""The demo's parts without the demo running: the catalog it makes sellable (and imports), the order of its
faults, the data directory it is allowed to use, and the environment its children get."""

from __future__ import annotations

import csv
import os
import socket
from pathlib import Path

import pytest

from magazynier.demo import catalog, processes, run, scenario

EAN = catalog.EAN_COLUMN
KNOWN_EAN = "5901234123457"  # a real-looking, valid EAN-13 a seller already had in the file


# ---------------------------------------------------------------- helpers
def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]], headers: list[str]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)


def types_of(row: dict[str, str]) -> set[str]:
    return {t.strip().lower() for t in row["Type"].split(",") if t.strip()}


def sellable(row: dict[str, str]) -> bool:
    return bool(types_of(row) & {"simple", "variation"})


def valid_ean13(code: str) -> bool:
    """GS1's rule, computed here from the right: all 13 digits, weights 1, 3, 1, … from the check digit on."""
    if len(code) != 13 or not code.isdigit():
        return False
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(reversed(code)))
    return weighted % 10 == 0


@pytest.fixture
def enriched(sample_csv, tmp_path) -> tuple[Path, dict[str, int]]:
    target = tmp_path / "katalog-demo.csv"
    return target, catalog.enrich_sample(sample_csv, target)


# ---------------------------------------------------------------- 1. the catalog file
def test_the_ean_check_itself_is_right():
    assert valid_ean13("5901234123457") and valid_ean13("4006381333931")
    assert not valid_ean13("5901234123458") and not valid_ean13("590123412345")


def test_every_sellable_row_gets_a_distinct_valid_polish_ean_and_stock(sample_csv, enriched):
    target, written = enriched
    rows = read_rows(target)
    assert len(rows) == len(read_rows(sample_csv)), "no row is lost or added"
    products = [r for r in rows if sellable(r)]
    assert len(products) >= 20
    eans = [r[EAN] for r in products]
    assert all(valid_ean13(e) for e in eans), [e for e in eans if not valid_ean13(e)]
    assert all(e.startswith("590") for e in eans)
    assert len(set(eans)) == len(eans), "two products share an EAN"
    low, high = catalog.STOCK_RANGE
    for row in products:
        assert low <= int(row["Stock"]) <= high, row["SKU"]
        assert row["In stock?"] == "1"
        assert row["Images"].strip(), row["SKU"]
    assert written == {r["SKU"]: int(r["Stock"]) for r in products}


def test_grouped_and_external_rows_get_no_ean_and_no_stock(sample_csv, enriched):
    before = {r["SKU"]: r for r in read_rows(sample_csv)}
    target, written = enriched
    others = [r for r in read_rows(target) if types_of(r) & {"grouped", "external"}]
    assert {next(iter(types_of(r) & {"grouped", "external"})) for r in others} == {"grouped", "external"}
    for row in others:
        assert row[EAN] == ""
        assert row["Stock"] == before[row["SKU"]]["Stock"]
        assert row["SKU"] not in written
    variable = [r for r in read_rows(target) if "variable" in types_of(r)]
    assert variable and all(r[EAN] == "" for r in variable), "the parent of variations is not sold by itself"


def test_the_same_sample_always_gives_the_same_file(sample_csv, enriched, tmp_path):
    first, written = enriched
    second = tmp_path / "again.csv"
    assert catalog.enrich_sample(sample_csv, second) == written
    assert first.read_bytes() == second.read_bytes()


def attributes_of(row: dict[str, str]) -> dict[str, str]:
    """The row's "Attribute N name" → "Attribute N value(s)" pairs, whatever N."""
    return {row[k]: row[k.replace(" name", " value(s)")] for k in row
            if k.startswith("Attribute ") and k.endswith(" name") and row[k]}


def test_every_row_gets_the_brand_and_one_word_names_a_model(enriched, sample_csv):
    target, _ = enriched
    rows = read_rows(target)
    assert all(r["Brands"] == catalog.BRAND for r in rows)
    own_names = [r for r in rows if sellable(r) and not r["Parent"].strip()]
    one_word = [r for r in own_names if len(r["Name"].split()) == 1]
    assert {"woo-beanie", "woo-cap", "woo-polo"} <= {r["SKU"] for r in one_word}
    original = {r["SKU"]: attributes_of(r) for r in read_rows(sample_csv)}
    for row in one_word:  # the model in the first free slot; the seller's own attributes stay
        assert attributes_of(row) == {**original[row["SKU"]], "Model": catalog.MODEL}, row["SKU"]
    for row in own_names:
        if len(row["Name"].split()) > 1:
            assert "Model" not in attributes_of(row), f"{row['SKU']}: a name of several words needs no model"
    cap = next(r for r in rows if r["SKU"] == "woo-cap")
    assert (cap["Attribute 1 name"], cap["Attribute 2 name"]) == ("Color", "Model")


def test_a_sellers_own_ean_and_stock_are_kept(sample_csv, tmp_path):
    rows = read_rows(sample_csv)
    headers = [*rows[0].keys(), EAN]
    with_ean = next(r for r in rows if r["SKU"] == "woo-belt")
    with_stock = next(r for r in rows if r["SKU"] == "woo-cap")
    for row in rows:
        row[EAN] = ""
    with_ean[EAN] = KNOWN_EAN
    with_stock["Stock"] = "3"
    source = tmp_path / "own.csv"
    write_rows(source, rows, headers)

    written = catalog.enrich_sample(source, tmp_path / "out.csv")
    out = {r["SKU"]: r for r in read_rows(tmp_path / "out.csv")}
    assert out["woo-belt"][EAN] == KNOWN_EAN
    assert out["woo-cap"]["Stock"] == "3" and written["woo-cap"] == 3
    others = [r[EAN] for sku, r in out.items() if sellable(r) and sku != "woo-belt"]
    assert KNOWN_EAN not in others, "a generated EAN never repeats the seller's"
    assert all(valid_ean13(e) for e in others)


def test_given_stock_levels_replace_the_files_all_zero_means_out_of_stock(sample_csv, enriched, tmp_path):
    _, written = enriched
    target = tmp_path / "zero.csv"
    zeros = catalog.enrich_sample(sample_csv, target, {sku: 0 for sku in written})
    assert zeros == dict.fromkeys(written, 0)
    for row in read_rows(target):
        if sellable(row):
            assert (row["Stock"], row["In stock?"]) == ("0", "0"), row["SKU"]
    by_sku = {r["SKU"]: r[EAN] for r in read_rows(target)}
    assert by_sku == {r["SKU"]: r[EAN] for r in read_rows(enriched[0])}, "the same EANs in the faulty file"


# ---------------------------------------------------------------- 1b. through the product's own import
def import_file(path: Path, reference: str = ""):
    from magazynier.catalog.import_runs import ImportRequest, open_request, run_import

    request = ImportRequest(path=path, source_name=path.name, reference=reference)
    return run_import(request, open_request(request))


def on_hand() -> dict[str, int]:
    from django.db.models import Sum

    from magazynier.catalog.models import Variant

    return {v.sku: v.units or 0 for v in Variant.objects.annotate(units=Sum("stock_levels__on_hand"))}


def test_the_enriched_catalog_imports_with_its_eans_stock_and_brand(db, enriched):
    from magazynier.catalog.models import Product, Variant

    target, written = enriched
    rows = read_rows(target)
    summary = import_file(target, "demo: katalog startowy")
    assert summary.errors == 0
    assert summary.products_created == sum(1 for r in rows if types_of(r) & {"simple", "variable"})
    assert summary.variants_created == len(written)

    file_eans = {r["SKU"]: r[EAN] for r in rows if sellable(r)}
    assert dict(Variant.objects.values_list("sku", "ean")) == file_eans
    assert on_hand() == written
    assert set(Product.objects.values_list("brand", flat=True)) == {catalog.BRAND}
    beanie = Product.objects.get(variants__sku="woo-beanie")
    assert beanie.attributes.get("Model") == catalog.MODEL


def test_a_faulty_all_zero_export_and_the_right_one_after_it(db, sample_csv, enriched, tmp_path):
    """What the demo's 'import' fault does: every level to 0, then the good file puts them back."""
    from magazynier.catalog.models import Product, Variant

    target, written = enriched
    import_file(target)
    counts = (Product.objects.count(), Variant.objects.count())
    before = on_hand()

    faulty = tmp_path / "eksport-z-bledem.csv"
    catalog.enrich_sample(sample_csv, faulty, dict.fromkeys(before, 0))  # the SKUs as the database has them
    summary = import_file(faulty, "demo: eksport z błędem")
    assert summary.errors == 0
    assert on_hand() == dict.fromkeys(before, 0)
    assert (Product.objects.count(), Variant.objects.count()) == counts

    import_file(target, "demo: poprawiony eksport")
    assert on_hand() == before == written
    assert (Product.objects.count(), Variant.objects.count()) == counts


# ---------------------------------------------------------------- 2. the faults' timeline
def test_faults_come_in_turn_each_ending_before_the_next():
    events = scenario.timeline(30, 100, ["outage", "throttle", "import"], cycles=6)
    assert [e.name for e in events] == ["outage-start", "outage-end", "throttle-start", "throttle-end",
                                        "faulty-import", "fix-import"] * 2
    starts, ends = events[0::2], events[1::2]
    assert [s.at for s in starts] == [30, 130, 230, 330, 430, 530]
    assert [e.at - s.at for s, e in zip(starts, ends, strict=True)] == [
        scenario.OUTAGE_SECONDS, scenario.THROTTLE_SECONDS, scenario.HELD_DECISION_SECONDS] * 2
    for n, (start, end) in enumerate(zip(starts, ends, strict=True)):
        assert end.at > start.at
        if n + 1 < len(starts):
            assert end.at < starts[n + 1].at
    assert [e.at for e in events] == sorted(e.at for e in events)


def test_a_fault_is_cut_short_when_faults_come_often():
    events = scenario.timeline(10, 50, ["outage", "import", "throttle"], cycles=3)
    lengths = {s.name: e.at - s.at for s, e in zip(events[0::2], events[1::2], strict=True)}
    assert lengths == {"outage-start": 40, "faulty-import": 40, "throttle-start": scenario.THROTTLE_SECONDS}
    assert all(length <= 0.8 * 50 for length in lengths.values())
    one = scenario.timeline(0, 20, ["outage"], cycles=4)
    assert [e.at for e in one] == [0, 16, 20, 36, 40, 56, 60, 76]


def test_no_faults_no_events():
    assert scenario.timeline(30, 100, []) == []
    assert len(scenario.timeline(30, 100, ["outage"])) == 2000  # the demo runs for as long as one wants


def test_fault_names_from_the_command_line():
    assert run.fault_names("outage, import") == ["outage", "import"]
    assert run.fault_names("throttle") == ["throttle"]
    assert run.fault_names("none") == []
    assert run.fault_names("") == []
    with pytest.raises(SystemExit) as stopped:
        run.fault_names("outage,outgae")
    message = str(stopped.value.code)
    assert "outgae" in message
    assert all(name in message for name in ("outage", "throttle", "import", "none"))


# ---------------------------------------------------------------- 3. the data directory
def test_no_directory_given_means_a_new_empty_one_removed_afterwards():
    path, remove_after = run.fresh_data_dir(None)
    try:
        assert remove_after is True
        assert path.is_dir() and not any(path.iterdir())
        assert path.name.startswith("magazynier-demo-")
        other, _ = run.fresh_data_dir(None)
        assert other != path
        other.rmdir()
    finally:
        path.rmdir()


def test_an_empty_directory_given_is_used_and_kept(tmp_path):
    given = tmp_path / "demo"
    given.mkdir()
    assert run.fresh_data_dir(str(given)) == (given.resolve(), False)
    assert given.is_dir()
    missing = tmp_path / "new" / "demo"
    assert run.fresh_data_dir(str(missing)) == (missing.resolve(), False)
    assert missing.is_dir() and not any(missing.iterdir())


def test_a_directory_with_someone_elses_files_is_refused_and_left_alone(tmp_path):
    real = tmp_path / "real"
    (real / "logs").mkdir(parents=True)
    (real / "magazynier.sqlite3").write_bytes(b"the seller's database")
    (real / "logs" / "web.log").write_text("yesterday\n")
    with pytest.raises(SystemExit) as stopped:
        run.fresh_data_dir(str(real))
    assert str(real.resolve()) in str(stopped.value.code)
    assert (real / "magazynier.sqlite3").read_bytes() == b"the seller's database"
    assert (real / "logs" / "web.log").read_text() == "yesterday\n"
    assert sorted(p.name for p in real.iterdir()) == ["logs", "magazynier.sqlite3"]


def test_a_file_given_as_the_directory_is_refused_with_a_message(tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("mine\n")
    with pytest.raises(SystemExit) as stopped:
        run.fresh_data_dir(str(file))
    assert "nie katalogiem" in str(stopped.value.code) and file.read_text() == "mine\n"


def test_an_earlier_demos_directory_is_wiped(tmp_path):
    earlier = tmp_path / "earlier"
    (earlier / "logs").mkdir(parents=True)
    (earlier / run.MARKER).write_text("magazynier demo\n")
    (earlier / "magazynier.sqlite3").write_bytes(b"old demo")
    (earlier / "logs" / "worker.log").write_text("old\n")
    path, remove_after = run.fresh_data_dir(str(earlier))
    assert (path, remove_after) == (earlier.resolve(), False)
    assert path.is_dir() and list(path.iterdir()) == []


# ---------------------------------------------------------------- 4. the children's environment
def test_children_get_the_demos_own_database_and_never_the_shells(monkeypatch, tmp_path):
    for name, value in {"DATABASE_URL": "postgres://seller@db.example/production",
                        "REDIS_URL": "redis://cache.example:6379/0", "MAGAZYNIER_QUEUE": "redis",
                        "MAGAZYNIER_WRITERS_OFF": "1", "DJANGO_SETTINGS_MODULE": "magazynier.test_settings",
                        "MAGAZYNIER_DATA_DIR": "/srv/magazynier", "MAGAZYNIER_ALLOWED_HOSTS": "sklep.example.pl",
                        "MAGAZYNIER_SECRET_KEY": "the-installations", "MAGAZYNIER_ENCRYPTION_KEYS": "k1",
                        "SOMETHING_ELSE": "kept"}.items():
        monkeypatch.setenv(name, value)
    env = processes.child_env(tmp_path, "http://127.0.0.1:8123")
    for gone in ("DATABASE_URL", "REDIS_URL", "MAGAZYNIER_QUEUE", "MAGAZYNIER_WRITERS_OFF",
                 "MAGAZYNIER_ALLOWED_HOSTS", "MAGAZYNIER_SECRET_KEY", "MAGAZYNIER_ENCRYPTION_KEYS"):
        assert gone not in env
    assert env["MAGAZYNIER_DATA_DIR"] == str(tmp_path)
    assert env["MAGAZYNIER_PUBLIC_URL"] == "http://127.0.0.1:8123"
    assert env["DJANGO_SETTINGS_MODULE"] == "magazynier.settings"
    assert env["SOMETHING_ELSE"] == "kept" and env["PATH"] == os.environ["PATH"]
    assert os.environ["DATABASE_URL"] == "postgres://seller@db.example/production", "the shell's own is untouched"


def test_a_port_someone_listens_on_is_taken_a_free_one_is_not():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert processes.port_taken("127.0.0.1", port) is True
    assert processes.port_taken("127.0.0.1", processes.free_port()) is False
