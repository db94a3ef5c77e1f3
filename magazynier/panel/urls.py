from django.urls import path

from magazynier.panel import views

app_name = "panel"

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.products, name="products"),
    path("products/<int:pk>/", views.product_detail, name="product"),
    path("stock/", views.stock, name="stock"),
    path("stock/adjust/<int:variant_id>/", views.adjust_stock, name="adjust_stock"),
    path("movements/", views.movements, name="movements"),
    path("warehouses/", views.warehouses, name="warehouses"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/mapping/", views.import_mapping, name="import_mapping"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/status.json", views.import_status, name="import_status"),
    path("import/<int:pk>/problems.csv", views.import_problems_csv, name="import_problems_csv"),
    path("audit/", views.audit, name="audit"),
    path("audit.csv", views.audit_csv, name="audit_csv"),
]
