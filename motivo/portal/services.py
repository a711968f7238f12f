"""Writes for the customer portal: asking for a sign-in link, signing in with it, and
linking a customer to the portal account they sign in with."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.accounts.models import Role, User
from motivo.accounts.services import user_create
from motivo.core.errors import DomainError
from motivo.core.tasks import enqueue_on_commit
from motivo.customers.models import Customer, Identity
from motivo.customers.services import customer_resolve, identity_normalise
from motivo.portal.tokens import magic_link_email

LINKS_PER_HOUR = 5


def _known_language(language: str | None) -> str | None:
    return language if language in dict(settings.LANGUAGES) else None


def _count_link_request(email: str) -> int:
    """Count this hour's link requests for `email` (a fixed window opened by the first)."""
    key = "portal:magic-link:" + hashlib.sha256(email.encode()).hexdigest()
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        return 1


@transaction.atomic
def portal_link_request(*, email: str, language: str | None = None) -> None:
    """Someone asks for a sign-in link. The mail goes out after commit, in the customer's
    language if we know the address, else in `language`. The caller answers the same
    whether or not the address is a customer's; only the rate limit is told apart."""
    from motivo.portal.tasks import send_magic_link_email

    email = identity_normalise(kind=Identity.Kind.EMAIL, value=email)
    if _count_link_request(email) > LINKS_PER_HOUR:
        raise DomainError(
            _("Too many sign-in links were asked for this address. Try again in an hour."),
            field="email",
            code="rate_limited",
        )
    enqueue_on_commit(send_magic_link_email, email, _known_language(language) or "")


@transaction.atomic
def portal_user_for_customer(*, customer: Customer, email: str) -> User:
    """The customer's portal account: the one already linked, else an existing customer
    account named after `email`, else a new one (no usable password: they sign in by link)."""
    customer = (
        Customer.objects.select_for_update(of=("self",)).select_related("user").get(pk=customer.pk)
    )
    user = customer.user
    if user is None:
        user = User.objects.filter(username=email).first()
        if user is None:
            user = user_create(
                username=email, role=Role.CUSTOMER, email=email, language=customer.language
            )
        elif user.role != Role.CUSTOMER or Customer.objects.filter(user=user).exists():
            raise DomainError(
                _("This address cannot sign in to the portal. Please contact us."),
                field="email",
                code="not_customer",
            )
        customer.user = user
        customer.save(update_fields=["user"])
    if user.role != Role.CUSTOMER or not user.is_active:
        raise DomainError(
            _("This address cannot sign in to the portal. Please contact us."),
            field="email",
            code="not_customer",
        )
    return user


@transaction.atomic
def portal_sign_in(*, token: str, language: str | None = None) -> User:
    """Complete a sign-in link: find or create the customer behind the address and their
    portal account, and use the link up. The caller logs the returned user in."""
    email = magic_link_email(token=token)
    customer, _created = customer_resolve(
        kind=Identity.Kind.EMAIL, value=email, language=_known_language(language)
    )
    # Check again holding the customer's row: of two tabs using one link, only one gets on.
    Customer.objects.select_for_update().only("pk").get(pk=customer.pk)
    magic_link_email(token=token)
    user = portal_user_for_customer(customer=customer, email=email)
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return user
