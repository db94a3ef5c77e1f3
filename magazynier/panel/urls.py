from django.urls import path

from magazynier.panel import views, views_alerts, views_channels, views_health, views_orders, views_sync

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
    # orders of every channel
    path("orders/", views_orders.order_list, name="orders"),
    path("orders/<int:pk>/", views_orders.order_detail, name="orders_detail"),
    path("orders/<int:pk>/buyer/", views_orders.show_contact, name="orders_contact"),
    path("orders/<int:pk>/status/", views_orders.set_status, name="orders_status"),
    path("orders/<int:pk>/tracking/", views_orders.add_tracking, name="orders_tracking"),
    path("orders/<int:pk>/retry/", views_orders.retry, name="orders_retry"),
    path("orders/<int:pk>/lines/<int:line_id>/match/", views_orders.assign_line, name="orders_match"),
    # sales channels (Allegro, WooCommerce shops)
    path("channels/", views_channels.channels, name="channels"),
    path("channels/allegro/connect/", views_channels.connect, name="channels_connect"),
    path("channels/allegro/callback/", views_channels.allegro_callback, name="allegro_callback"),
    path("channels/woocommerce/connect/", views_channels.woo_connect, name="channels_woo_connect"),
    path("channels/<int:pk>/", views_channels.account_detail, name="channels_account"),
    path("channels/<int:pk>/reconnect/", views_channels.reconnect, name="channels_reconnect"),
    path("channels/<int:pk>/writers/", views_channels.account_writers, name="channels_writers"),
    path("channels/<int:pk>/remove/", views_channels.account_remove, name="channels_remove"),
    path("channels/<int:pk>/categories/", views_channels.categories, name="channels_categories"),
    path("channels/<int:pk>/parameters/", views_channels.parameters, name="channels_parameters"),
    path("channels/<int:pk>/conflicts/", views_channels.conflicts, name="channels_conflicts"),
    path("channels/<int:pk>/offers/", views_channels.offers, name="channels_offers"),
    path("channels/<int:pk>/offers/send/", views_channels.offers_send, name="channels_offers_send"),
    path("channels/<int:pk>/offers/runs/<int:run_id>/", views_channels.offer_run, name="channels_run"),
    path("channels/<int:pk>/offers/runs/<int:run_id>/status.json", views_channels.offer_run_status,
         name="channels_run_status"),
    # the sync engine (stock and prices on the channels)
    path("sync/", views_sync.overview, name="sync"),
    path("sync/held/<int:plan_id>/", views_sync.held_plan, name="sync_held"),
    path("sync/<int:pk>/offers/", views_sync.offers, name="sync_offers"),
    path("sync/<int:pk>/settings/", views_sync.settings_page, name="sync_settings"),
    path("sync/<int:pk>/retry/", views_sync.retry, name="sync_retry"),
    # is everything working: the worker, connections, order reads, sending, budgets, latency
    path("zdrowie/", views_health.health, name="health"),
    # alerts and who hears about them (recipients: Apprise addresses), test messages, the last deliveries
    path("powiadomienia/", views_alerts.alerts, name="alerts"),
    path("powiadomienia/test/", views_alerts.test, name="alerts_test_all"),
    path("powiadomienia/odbiorcy/<int:pk>/", views_alerts.edit, name="alerts_edit"),
    path("powiadomienia/odbiorcy/<int:pk>/aktywny/", views_alerts.set_active, name="alerts_active"),
    path("powiadomienia/odbiorcy/<int:pk>/usun/", views_alerts.delete, name="alerts_delete"),
    path("powiadomienia/odbiorcy/<int:pk>/test/", views_alerts.test, name="alerts_test"),
]
