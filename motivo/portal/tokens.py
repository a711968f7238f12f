"""Magic sign-in links for the customer portal.

A link carries the e-mail address, signed with a timestamp (`django.core.signing`), and a
fingerprint of the portal account's sign-in state (its id and `last_login`). Signing in
changes `last_login`, so the fingerprint no longer matches and the link is dead: each link
works once, and only for `settings.MOTIVO_MAGIC_LINK_MAX_AGE` seconds.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from motivo.accounts.models import User
from motivo.core.errors import DomainError
from motivo.customers.models import Identity

SALT = "motivo.portal.magic-link"


def portal_user_for_email(email: str) -> User | None:
    """The account a sign-in link for `email` would sign in to, if there is one yet: the
    user linked to the customer owning that address, else a user named after it."""
    identity = (
        Identity.objects.select_related("customer__user")
        .filter(kind=Identity.Kind.EMAIL, value=email)
        .first()
    )
    if identity is not None and identity.customer.user is not None:
        return identity.customer.user
    return User.objects.filter(username=email).first()


def _state(email: str) -> str:
    user = portal_user_for_email(email)
    if user is None:
        raw = "new"
    else:
        last = user.last_login.isoformat() if user.last_login else ""
        raw = f"{user.pk}:{last}:{int(user.is_active)}"
    return salted_hmac(SALT, f"{email}|{raw}", algorithm="sha256").hexdigest()[:24]


def magic_link_token(*, email: str) -> str:
    """A signed, timestamped token for `email` (already normalised)."""
    return signing.dumps({"e": email, "s": _state(email)}, salt=SALT)


def magic_link_email(*, token: str) -> str:
    """The address a token was made for. Raises DomainError when the token was tampered
    with, has expired or was already used."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.MOTIVO_MAGIC_LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise DomainError(
            _("This sign-in link has expired. Ask for a new one."), code="expired"
        ) from exc
    except signing.BadSignature as exc:
        raise DomainError(_("This sign-in link is not valid."), code="invalid") from exc
    email = payload.get("e") if isinstance(payload, dict) else None
    if not isinstance(email, str) or not email:
        raise DomainError(_("This sign-in link is not valid."), code="invalid")
    if not constant_time_compare(str(payload.get("s", "")), _state(email)):
        raise DomainError(_("This sign-in link was already used. Ask for a new one."), code="used")
    return email
