"""Machine endpoints: /healthz for uptime checkers (no login) and /metrics for Prometheus (bearer token)."""

from __future__ import annotations

import hmac
import os

from django.http import HttpResponse, HttpResponseNotFound, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from magazynier.core import metrics, monitoring

METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@never_cache
@require_GET
def healthz(request):
    """200 while the database answers (the worker's state is reported, a missing worker is not a failure);
    503 when it does not."""
    healthy, body = monitoring.health()
    return JsonResponse(body, status=200 if healthy else 503)


def _authorized(request, token: str) -> bool:
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


@never_cache
@require_GET
def metrics_view(request):
    """Prometheus metrics. Off (404) unless MAGAZYNIER_METRICS_TOKEN is set; then `Authorization: Bearer
    <token>` is required (401 otherwise)."""
    token = os.environ.get("MAGAZYNIER_METRICS_TOKEN", "").strip()
    if not token:
        return HttpResponseNotFound("metrics are off: set MAGAZYNIER_METRICS_TOKEN\n", content_type="text/plain")
    if not _authorized(request, token):
        response = HttpResponse("a valid bearer token is required\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.render(), content_type=METRICS_CONTENT_TYPE)
