"""Background work for the portal: only load what is needed and send the mail."""

from __future__ import annotations

from django.conf import settings
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from motivo.accounts.models import Role
from motivo.customers.models import Identity
from motivo.mail.outbound import KIND_PORTAL_LINK, email_send
from motivo.portal.tokens import magic_link_token, portal_user_for_email


@task()
def send_magic_link_email(email: str, language: str) -> None:
    """Mail a sign-in link to `email`, in the customer's language when we know them.
    Addresses of staff or deactivated accounts get nothing: staff sign in with a password."""
    user = portal_user_for_email(email)
    if user is not None and (user.role != Role.CUSTOMER or not user.is_active):
        return
    customer_language = (
        Identity.objects.filter(kind=Identity.Kind.EMAIL, value=email)
        .values_list("customer__language", flat=True)
        .first()
    )
    token = magic_link_token(email=email)
    url = settings.SITE_URL.rstrip("/") + reverse("portal:magic", args=[token])
    with translation.override(customer_language or language or settings.LANGUAGE_CODE):
        context = {
            "url": url,
            "email": email,
            "minutes": settings.MOTIVO_MAGIC_LINK_MAX_AGE // 60,
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("portal/email/magic_link_subject.txt", context).strip()
        body = render_to_string("portal/email/magic_link.txt", context)
    # Through the outbound service: recorded, given a Message-ID, retried on failure.
    email_send(kind=KIND_PORTAL_LINK, to=email, subject=subject, body=body)
