"""Who is calling the API: a bearer token (staff integrations) or the Django session
(signed-in staff and portal customers)."""

from __future__ import annotations

import copy
import time

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthorizationError
from ninja.security import APIKeyCookie, HttpBearer, SessionAuth

from motivo.accounts.models import Role, User
from motivo.accounts.selectors import user_for_token
from motivo.accounts.services import token_digest

# A valid token's user is remembered this long in the process, so integrations sending many
# requests skip the look-up; revoking a token or deactivating its user takes effect within it.
TOKEN_CACHE_SECONDS = 5.0
TOKEN_CACHE_SIZE = 1_000
_token_cache: dict[str, tuple[float, User]] = {}


def token_cache_clear() -> None:
    _token_cache.clear()


def user_for_bearer(secret: str) -> User | None:
    """`user_for_token` (one indexed query), cached for TOKEN_CACHE_SECONDS. Each caller gets
    its own copy of the user, so nothing set on it leaks into another request."""
    key = token_digest(secret)
    now = time.monotonic()
    hit = _token_cache.get(key)
    if hit is not None and hit[0] > now:
        return copy.copy(hit[1])
    user = user_for_token(secret)
    if user is None:
        _token_cache.pop(key, None)
        return None
    if len(_token_cache) >= TOKEN_CACHE_SIZE:
        _token_cache.clear()
    _token_cache[key] = (now + TOKEN_CACHE_SECONDS, user)
    return copy.copy(user)


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` of an active staff user (see `user_for_bearer`)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        return user_for_bearer(token) if token else None


class SignedInSessionAuth(SessionAuth):
    """ninja's `django_auth`, except that a request without a signed-in user is simply not
    authenticated (401) instead of failing the CSRF check (403): there is nothing to protect
    then, and a bad bearer token must answer 401. Signed-in users' unsafe requests still need
    the CSRF token."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


# Bearer first: integrations never pay for loading a session.
api_auth: list[HttpBearer | APIKeyCookie] = [BearerTokenAuth(), SignedInSessionAuth()]


def require_staff(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    if not user.is_staff_member:
        raise AuthorizationError(message=_("Only staff can do this."))
    return user


def is_customer(user: User) -> bool:
    return user.role == Role.CUSTOMER
