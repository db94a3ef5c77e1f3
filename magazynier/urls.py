from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from magazynier.core.views import healthz, metrics_view
from magazynier.sync.webhooks import woocommerce_delivery

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("login/", auth_views.LoginView.as_view(template_name="panel/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("hooks/woocommerce/<int:account_id>/", woocommerce_delivery, name="woocommerce-webhook"),
    path("", include("magazynier.panel.urls")),
]
