"""One view decorator for permissions that depend on the request (e.g. GET shows, POST changes)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def needs(perm_for):
    """Log in, then require the permission `perm_for(request)` names (403 otherwise)."""
    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.has_perm(perm_for(request)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorator
