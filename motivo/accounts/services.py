"""Writes for users, API tokens and notifications."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.accounts.models import ApiToken, Notification, Role, User
from motivo.core.errors import DomainError

TOKEN_PREFIX = "mtv_"


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = "",
) -> User:
    if role not in Role.values:
        raise DomainError(_("Unknown role."), field="role")
    if User.objects.filter(username=username).exists():
        raise DomainError(_("That user name is taken."), field="username")
    user = User(
        username=username,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
        language=language,
        is_staff=role == Role.ADMIN,  # Django admin access
        is_superuser=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the secret, which is shown once."""
    if not user.is_active or user.role == Role.CUSTOMER:
        raise DomainError(_("Only active staff users can have API tokens."), field="user")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, digest=token_digest(secret), prefix=secret[:12]
    )
    return token, secret


def api_token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def notifications_mark_read_for_case(*, user: User, case_id: int) -> int:
    """The user opened the case: their unread notifications about it are read."""
    return Notification.objects.filter(user=user, case_id=case_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
