"""Background work for cases: load ids and call the delivery services (motivo.cases.delivery),
which render the mail in the recipient's language and send it through motivo.mail.outbound."""

from __future__ import annotations

from django.tasks import task

from motivo.accounts.models import User
from motivo.cases import delivery
from motivo.cases.models import Case, Handoff, Message


@task()
def send_reply_email(message_id: int) -> None:
    """E-mail an agent's reply to the customer, in the customer's language."""
    delivery.reply_email_send(message=Message.objects.get(pk=message_id))


@task()
def send_assignment_email(case_id: int, user_id: int) -> None:
    """Tell an agent, in their language, that a case was assigned to them."""
    case = Case.objects.select_related("customer").get(pk=case_id)
    delivery.assignment_email_send(case=case, user=User.objects.get(pk=user_id))


@task()
def send_transfer_email(handoff_id: int, user_id: int) -> None:
    """Tell the receiver of a transfer, in their language, that the case is theirs now,
    with the hand-off note."""
    handoff = Handoff.objects.select_related("case__customer", "event", "by", "team").get(
        pk=handoff_id
    )
    delivery.transfer_email_send(handoff=handoff, user=User.objects.get(pk=user_id))
