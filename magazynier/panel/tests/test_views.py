import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from magazynier.catalog.models import ImportJob, Product, Variant
from magazynier.inventory.models import StockLevel, StockMovement, Warehouse

pytestmark = pytest.mark.django_db

PAGES = ["panel:home", "panel:products", "panel:stock", "panel:movements", "panel:warehouses", "panel:import",
         "panel:audit"]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_needs_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_the_owner_sees_every_page_in_polish(owner_client, name):
    response = owner_client.get(reverse(name))
    assert response.status_code == 200
    assert 'lang="pl"' in response.content.decode()


@pytest.mark.parametrize("fixture,allowed,forbidden", [
    ("warehouse_worker", ["panel:stock", "panel:movements", "panel:products"], ["panel:import"]),
    ("accountant", ["panel:products", "panel:stock"], ["panel:import", "panel:movements", "panel:warehouses"]),
], ids=["warehouse", "accountant"])
def test_roles_limit_what_a_login_can_open(client, request, fixture, allowed, forbidden):
    client.force_login(request.getfixturevalue(fixture))
    for name in allowed:
        assert client.get(reverse(name)).status_code == 200, name
    for name in forbidden:
        assert client.get(reverse(name)).status_code in (302, 403), name
    nav = client.get(reverse("panel:home")).content.decode()
    assert reverse("panel:import") not in nav


def test_the_warehouse_role_adjusts_stock_and_the_ledger_records_who(client, warehouse_worker):
    product = Product.objects.create(key="KUB-1", name="Kubek")
    variant = Variant.objects.create(product=product, sku="KUB-1", name="Kubek")
    main = Warehouse.objects.create(code="glowny", name="Magazyn główny")
    client.force_login(warehouse_worker)

    response = client.post(reverse("panel:adjust_stock", args=[variant.pk]), {
        "warehouse": main.pk, "mode": "delta", "quantity": "5", "reason": "delivery", "reference": "PZ 7/2026"})
    assert response.status_code == 302
    response = client.post(reverse("panel:adjust_stock", args=[variant.pk]), {
        "warehouse": main.pk, "mode": "delta", "quantity": "-9", "reason": "damage", "reference": ""})

    assert response.status_code == 200 and "negative" in response.content.decode()
    assert StockLevel.objects.get(variant=variant).on_hand == 5
    movement = StockMovement.objects.get()
    assert (movement.delta, movement.user, movement.reference) == (5, warehouse_worker, "PZ 7/2026")


def test_import_form_runs_the_woocommerce_sample_and_shows_the_result(owner_client, sample_csv, run_on_commit):
    upload = SimpleUploadedFile("produkty.csv", sample_csv.read_bytes(), content_type="text/csv")
    with run_on_commit():
        response = owner_client.post(reverse("panel:import"), {"file": upload, "format": "auto", "dry_run": ""})

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("panel:import_job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportJob.DONE  # Huey runs immediately in tests, after the commit
    page = owner_client.get(response.url).content.decode()
    assert "grouped" in page and "external" in page  # the two skipped rows and why
    assert (job.summary["products_created"], job.summary["variants_created"]) == (16, 21)
    assert Product.objects.count() == 16


def test_import_of_a_generic_file_asks_for_columns_then_reports_bad_rows(owner_client, run_on_commit):
    content = "Symbol;Nazwa towaru;Cena brutto;Ilość\nA-1;Kubek ceramiczny;12,50;3\nA-2;Talerz płaski;abc;1\n"
    upload = SimpleUploadedFile("towary.csv", content.encode("cp1250"), content_type="text/csv")
    response = owner_client.post(reverse("panel:import"), {"file": upload, "format": "auto", "dry_run": ""})
    job = ImportJob.objects.get()
    assert response.url == reverse("panel:import_mapping", args=[job.pk])

    page = owner_client.get(response.url).content.decode()
    assert "Kubek ceramiczny" in page  # preview of the first rows
    with run_on_commit():
        owner_client.post(response.url, {"sku": "Symbol", "name": "Nazwa towaru", "price": "Cena brutto",
                                         "stock": "Ilość"})
    job.refresh_from_db()
    assert job.status == ImportJob.DONE
    assert list(Variant.objects.values_list("sku", flat=True)) == ["A-1"]
    problem = job.problems.get()
    assert (problem.row, problem.column, problem.code) == (3, "Cena brutto", "malformed_number")
    csv_report = owner_client.get(reverse("panel:import_problems_csv", args=[job.pk])).content.decode("utf-8-sig")
    assert "Cena brutto" in csv_report and "abc" in csv_report


def test_an_unreadable_file_is_refused_with_a_reason_and_nothing_is_stored(owner_client):
    upload = SimpleUploadedFile("stary.xls", b"\xd0\xcf\x11\xe0 old excel", content_type="application/vnd.ms-excel")
    response = owner_client.post(reverse("panel:import"), {"file": upload, "format": "auto"})
    assert response.status_code == 200
    assert ".xlsx" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_dry_run_then_import_for_real_from_the_same_upload(owner_client, sample_csv, run_on_commit):
    upload = SimpleUploadedFile("produkty.csv", sample_csv.read_bytes(), content_type="text/csv")
    with run_on_commit():
        owner_client.post(reverse("panel:import"), {"file": upload, "format": "auto", "dry_run": "on"})
    dry = ImportJob.objects.get()
    assert dry.dry_run and dry.status == ImportJob.DONE and Product.objects.count() == 0

    with run_on_commit():
        response = owner_client.post(reverse("panel:import_job", args=[dry.pk]))

    real = ImportJob.objects.exclude(pk=dry.pk).get()
    assert response.url == reverse("panel:import_job", args=[real.pk])
    assert real.status == ImportJob.DONE and Product.objects.count() == 16


def test_audit_page_and_csv_export(owner_client, sample_csv, run_on_commit):
    upload = SimpleUploadedFile("produkty.csv", sample_csv.read_bytes(), content_type="text/csv")
    with run_on_commit():
        owner_client.post(reverse("panel:import"), {"file": upload, "format": "auto"})

    page = owner_client.get(reverse("panel:audit")).content.decode()
    assert "0 / 16" in page
    export = owner_client.get(reverse("panel:audit_csv"))
    rows = export.content.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 17 and export["Content-Disposition"].endswith('.csv"')


def test_polish_is_the_default_whatever_the_browser_prefers(owner_client):
    page = owner_client.get(reverse("panel:products"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="pl"' in page and "Produkty" in page


def test_the_panel_switches_to_english(owner_client):
    response = owner_client.post(reverse("set_language"), {"language": "en", "next": reverse("panel:products")})
    assert response.status_code == 302
    page = owner_client.get(reverse("panel:products")).content.decode()
    assert 'lang="en"' in page and "Products" in page
