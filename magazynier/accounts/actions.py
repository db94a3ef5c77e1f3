from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from magazynier.accounts.roles import OWNER, ROLE_PERMISSIONS, sync_roles


def create_user(username: str, password: str, role: str, *, email: str = ""):
    """A panel login with one role. Owners may also use the Django admin back office."""
    if role not in ROLE_PERMISSIONS:
        raise ValueError(f"unknown role {role!r}; choose one of: {', '.join(ROLE_PERMISSIONS)}")
    User = get_user_model()
    user = User(username=username, email=email, is_staff=(role == OWNER), is_superuser=(role == OWNER))
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        group = Group.objects.filter(name=role).first()
        if group is None:  # roles come from a data migration; a flushed database needs them again
            from django.apps import apps

            sync_roles(apps)
            group = Group.objects.get(name=role)
        user.groups.add(group)
    return user


def role_of(user) -> str | None:
    names = {g.name for g in user.groups.all()}
    for role in ROLE_PERMISSIONS:
        if role in names:
            return role
    return None
