"""Background work for cases: only load ids and call into mail rendering."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation

from motivo.accounts.models import User
from motivo.cases.models import Case, Message


@task()
def send_reply_email(message_id: int) -> None:
    """E-mail an agent's reply to the customer, in the customer's language."""
    message = (
        Message.objects.select_related("case__customer", "author")
        .prefetch_related("attachments")
        .get(pk=message_id)
    )
    customer = message.case.customer
    address = customer.identities.filter(kind="email").values_list("value", flat=True).first()
    if not address:
        return
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        context = {
            "message": message,
            "case": message.case,
            "customer": customer,
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("cases/email/reply_subject.txt", context).strip()
        body = render_to_string("cases/email/reply.txt", context)
    mail = EmailMultiAlternatives(subject=subject, body=body, to=[address])
    mail.extra_headers["X-Motivo-Case"] = str(message.case_id)
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as handle:
            mail.attach(attachment.filename, handle.read(), attachment.content_type)
    mail.send()


@task()
def send_assignment_email(case_id: int, user_id: int) -> None:
    """Tell an agent, in their language, that a case was assigned to them."""
    case = Case.objects.select_related("customer").get(pk=case_id)
    user = User.objects.get(pk=user_id)
    if not user.email:
        return
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {"case": case, "user": user, "site_url": settings.SITE_URL}
        subject = render_to_string("cases/email/assigned_subject.txt", context).strip()
        body = render_to_string("cases/email/assigned.txt", context)
    EmailMultiAlternatives(subject=subject, body=body, to=[user.email]).send()
