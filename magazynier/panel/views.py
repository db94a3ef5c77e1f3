"""Server-rendered panel. Each view states the permission it needs next to its code."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from magazynier.catalog import audit as audit_rules
from magazynier.catalog.import_runs import ImportRequest, inspect_file, open_request
from magazynier.catalog.importing.generic import detect_mapping
from magazynier.catalog.importing.rows import ImportFileError
from magazynier.catalog.models import Category, ImportJob, Product
from magazynier.catalog.tasks import run_import_job
from magazynier.channels import readiness
from magazynier.inventory.actions import adjust_stock as adjust
from magazynier.inventory.actions import set_stock
from magazynier.inventory.exceptions import StockError
from magazynier.inventory.models import (
    MovementReason,
    StockLevel,
    StockMovement,
    Warehouse,
    available_expression,
)
from magazynier.panel import dashboard
from magazynier.panel.forms import ImportUploadForm, MappingForm, StockAdjustForm, WarehouseForm
from magazynier.panel.views_alerts import VIEW as ALERTS_VIEW
from magazynier.panel.views_orders import VIEW as ORDERS_VIEW
from magazynier.panel.views_sync import VIEW as SYNC_VIEW

PAGE_SIZE = 50
STOCK_VIEW = "inventory.view_stocklevel"


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def home(request):
    """Start: today's orders, the channels' stock of the top products, sync health and open alerts (each only
    for whoever may open the page behind it), then the catalog's numbers and the latest imports and movements."""
    user, now = request.user, timezone.now()
    accounts = dashboard.accounts()
    columns = dashboard.selling_accounts(accounts)  # the accounts whose offers the stock table shows
    stock = StockLevel.objects.aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    context = {
        "today": timezone.localdate(now),
        "orders_today": dashboard.orders_today(accounts, now) if user.has_perm(ORDERS_VIEW) else None,
        "stock_columns": columns,
        "channel_stock": dashboard.channel_stock(columns, now) if user.has_perm(STOCK_VIEW) else None,
        "sync_health": dashboard.sync_health(accounts) if user.has_perm(SYNC_VIEW) else None,
        "open_alerts": (dashboard.open_alerts() if user.has_perm(SYNC_VIEW) or user.has_perm(ALERTS_VIEW)
                        else None),
        "products": Product.objects.count(),
        "variants": Product.objects.aggregate(n=Count("variants"))["n"],
        "on_hand": stock["on_hand"] or 0,
        "reserved": stock["reserved"] or 0,
        "warehouses": Warehouse.objects.filter(is_active=True).count(),
        "recent_imports": ImportJob.objects.select_related("user")[:3],
        "recent_movements": StockMovement.objects.select_related("variant", "warehouse", "user")[:5],
    }
    return render(request, "panel/home.html", context)


@permission_required("catalog.view_product")
def products(request):
    q = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    qs = Product.objects.select_related("category").annotate(
        variant_count=Count("variants", distinct=True),
        price_min=Min("variants__price"), price_max=Max("variants__price"),
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(key__icontains=q) | Q(variants__sku__icontains=q)
                       | Q(variants__ean=q)).distinct()
    if category:
        qs = qs.filter(category__path__startswith=category)
    page = _page(request, qs.order_by("name", "pk"))
    ids = [p.pk for p in page]
    audits = {a.product_id: a for a in audit_rules.audit_catalog(Product.objects.filter(pk__in=ids),
                                                                 readiness.all_checks())}
    stock = {
        row["variant__product"]: row
        for row in StockLevel.objects.filter(variant__product__in=ids).values("variant__product")
        .annotate(units=Sum("on_hand"), sellable=Sum(available_expression()))
    }
    rows = [(p, audits.get(p.pk), stock.get(p.pk, {})) for p in page]
    return render(request, "panel/products.html", {
        "page": page, "rows": rows, "q": q, "category": category,
        "categories": Category.objects.all(),
    })


@permission_required("catalog.view_product")
def product_detail(request, pk: int):
    product = get_object_or_404(audit_rules.audit_queryset(), pk=pk)
    levels = StockLevel.objects.filter(variant__product=product).select_related("warehouse", "variant")
    by_variant: dict[int, list[StockLevel]] = {}
    for level in levels:
        by_variant.setdefault(level.variant_id, []).append(level)
    variants = [(v, by_variant.get(v.pk, [])) for v in product.variants.all()]
    return render(request, "panel/product_detail.html", {
        "product": product, "variants": variants, "audit": audit_rules.audit_product(product, readiness.all_checks()),
        "images": product.images.all(),
        "movements": StockMovement.objects.filter(variant__product=product).select_related("variant", "warehouse",
                                                                                           "user")[:20],
    })


@permission_required("inventory.view_stocklevel")
def stock(request):
    q = request.GET.get("q", "").strip()
    warehouse = request.GET.get("warehouse", "")
    qs = StockLevel.objects.select_related("variant", "warehouse", "variant__product").annotate(avail=available_expression())
    if q:
        qs = qs.filter(Q(variant__sku__icontains=q) | Q(variant__name__icontains=q) | Q(variant__ean=q))
    if warehouse:
        qs = qs.filter(warehouse__code=warehouse)
    if request.GET.get("low") == "1":
        qs = qs.filter(avail__lte=2)
    return render(request, "panel/stock.html", {
        "page": _page(request, qs.order_by("variant__sku", "warehouse__code")), "q": q, "warehouse": warehouse,
        "warehouses": Warehouse.objects.all(), "low": request.GET.get("low") == "1",
    })


@permission_required("inventory.add_stockmovement")
def adjust_stock(request, variant_id: int):
    from magazynier.catalog.models import Variant

    variant = get_object_or_404(Variant.objects.select_related("product"), pk=variant_id)
    form = StockAdjustForm(request.POST or None, initial={"warehouse": request.GET.get("warehouse")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["mode"] == "count":
                set_stock(variant.pk, d["warehouse"].pk, d["quantity"], reason=d["reason"],
                          reference=d["reference"], user=request.user)
            else:
                adjust(variant.pk, d["warehouse"].pk, d["quantity"], reason=d["reason"], reference=d["reference"],
                       user=request.user)
        except StockError as exc:
            form.add_error("quantity", str(exc))
        else:
            messages.success(request, _("Stock of %(sku)s updated.") % {"sku": variant.sku})
            return redirect("panel:product", pk=variant.product_id)
    levels = StockLevel.objects.filter(variant=variant).select_related("warehouse")
    return render(request, "panel/adjust_stock.html", {"variant": variant, "form": form, "levels": levels})


@permission_required("inventory.view_stockmovement")
def movements(request):
    q = request.GET.get("q", "").strip()
    reason = request.GET.get("reason", "")
    qs = StockMovement.objects.select_related("variant", "warehouse", "user")
    if q:
        qs = qs.filter(Q(variant__sku__icontains=q) | Q(reference__icontains=q))
    if reason:
        qs = qs.filter(reason=reason)
    return render(request, "panel/movements.html", {
        "page": _page(request, qs), "q": q, "reason": reason, "reasons": MovementReason.choices,
    })


@permission_required("inventory.view_warehouse")
def warehouses(request):
    form = WarehouseForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("inventory.add_warehouse"):
            return HttpResponse(status=403)
        if form.is_valid():
            form.save()
            messages.success(request, _("Warehouse created."))
            return redirect("panel:warehouses")
    qs = Warehouse.objects.annotate(units=Sum("stock_levels__on_hand"), skus=Count("stock_levels"))
    return render(request, "panel/warehouses.html", {"warehouses": qs, "form": form})


# ---------------------------------------------------------------- import
def _store_upload(upload) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    with path.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return path


def _enqueue(job: ImportJob) -> None:
    transaction.on_commit(lambda: run_import_job(job.pk))


@permission_required("catalog.import_catalog")
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        path = _store_upload(d["file"])
        try:
            layout = inspect_file(path, d["format"])
            if layout.format == "woocommerce":
                open_request(ImportRequest(path=path, source_name=d["file"].name, format="woocommerce"))
        except ImportFileError as exc:
            path.unlink(missing_ok=True)
            form.add_error("file", str(exc))
        else:
            job = ImportJob.objects.create(
                source_name=d["file"].name[:255], stored_path=str(path), file_format=layout.format,
                warehouse_code=d["warehouse"].code if d["warehouse"] else "", dry_run=d["dry_run"],
                user=request.user,
            )
            if layout.format == "generic":
                return redirect("panel:import_mapping", pk=job.pk)
            _enqueue(job)
            return redirect("panel:import_job", pk=job.pk)
    return render(request, "panel/import_upload.html", {
        "form": form, "jobs": ImportJob.objects.select_related("user")[:10],
    })


@permission_required("catalog.import_catalog")
def import_mapping(request, pk: int):
    job = get_object_or_404(ImportJob, pk=pk, status=ImportJob.QUEUED)
    layout = inspect_file(Path(job.stored_path), "generic")
    detected = detect_mapping(layout.headers)
    initial = {name: getattr(detected, name, None) for name in detected.__dataclass_fields__}
    form = MappingForm(request.POST or None, headers=list(layout.headers), initial_mapping=initial)
    if request.method == "POST" and form.is_valid():
        job.mapping = form.mapping()
        job.dry_run = request.POST.get("dry_run") == "1"
        job.save(update_fields=["mapping", "dry_run"])
        _enqueue(job)
        return redirect("panel:import_job", pk=job.pk)
    return render(request, "panel/import_mapping.html", {
        "job": job, "form": form, "headers": layout.headers, "preview": layout.preview,
    })


@permission_required("catalog.import_catalog")
def import_job(request, pk: int):
    job = get_object_or_404(ImportJob.objects.select_related("user"), pk=pk)
    if request.method == "POST" and job.dry_run and job.status == ImportJob.DONE:
        real = ImportJob.objects.create(
            source_name=job.source_name, stored_path=job.stored_path, file_format=job.file_format,
            mapping=job.mapping, warehouse_code=job.warehouse_code, dry_run=False, user=request.user,
        )
        _enqueue(real)
        return redirect("panel:import_job", pk=real.pk)
    problems = job.problems.all()[:500]
    return render(request, "panel/import_job.html", {
        "job": job, "problems": problems, "problem_count": job.problems.count(), "s": job.summary,
    })


@permission_required("catalog.import_catalog")
def import_status(request, pk: int):
    job = get_object_or_404(ImportJob, pk=pk)
    return JsonResponse({"status": job.status, "rows_done": job.rows_done, "rows_total": job.rows_total,
                         "percent": job.progress_percent})


@permission_required("catalog.import_catalog")
def import_problems_csv(request, pk: int):
    job = get_object_or_404(ImportJob, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-problemy.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("Row"), _("Column"), _("Kind"), _("Code"), _("Reason"), _("Value")])
    for p in job.problems.all().iterator():
        writer.writerow([p.row, p.column, p.kind, p.code, p.message, audit_rules.csv_safe(p.value)])
    return response


# ---------------------------------------------------------------- audit
@permission_required("catalog.view_product")
def audit(request):
    checks = readiness.all_checks()
    summary, audits = audit_rules.summarise(audit_rules.audit_catalog(checks=checks), checks)
    show = request.GET.get("show", "blocked")
    blocker = request.GET.get("blocker", "")
    listed = [a for a in audits if (show == "all" or not a.ready) and (not blocker or blocker in a.codes)]
    return render(request, "panel/audit.html", {
        "summary": summary, "page": Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page")),
        "show": show, "blocker": blocker, "labels": summary.labels,
    })


@permission_required("catalog.view_product")
def audit_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audyt-gotowosci.csv"'
    response.write("\ufeff")
    checks = readiness.all_checks()
    audit_rules.write_csv(audit_rules.audit_catalog(checks=checks), response, checks)
    return response
