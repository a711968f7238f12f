"""Reads about users and tokens."""

from __future__ import annotations

from django.db.models import QuerySet

from motivo.accounts.models import STAFF_ROLES, ApiToken, Notification, User
from motivo.accounts.services import token_digest


def user_for_token(secret: str) -> User | None:
    """The active staff user behind a bearer token, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active or token.user.role not in STAFF_ROLES:
        return None
    return token.user


def staff_list() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by(
        "first_name", "username"
    )


def notification_list(*, user: User, limit: int = 30) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(user=user)
        .select_related("case", "case__customer")
        .order_by("-created_at")[:limit]
    )
