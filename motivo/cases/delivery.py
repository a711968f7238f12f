"""How an agent's reply reaches the customer, and the mail Motivo sends about cases.

Which channel a reply goes out on (`reply_route` / `reply_channel`), in this order:
1. a live chat session is open on the case → "chat": the chat widget shows the reply
   itself, nothing is mailed;
2. the customer has an e-mail identity → "email", to the address they last wrote from on
   this case if it is one of theirs, else their first e-mail address (whatever channel they
   prefer: e-mail is the written record we can always send);
3. otherwise nothing is sent (None): with a phone number the agent is told to call them,
   without one that we have no way to write to them. The reply stays on the case.

Mail is rendered in the recipient's language (the customer's for replies, the agent's for
notifications) and sent through `motivo.mail.outbound.email_send`, which records it,
threads it and retries it. `reply_deliveries_attach` reads the delivery state of replies
for the case page, where staff can resend a failed one (`reply_email_resend`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from motivo.accounts.models import User
from motivo.cases.models import Case, Handoff, Message
from motivo.core.errors import DomainError
from motivo.customers.models import Identity
from motivo.mail import outbound
from motivo.mail.models import InboundEmail, OutboundEmail

CHAT = "chat"
EMAIL = "email"


@dataclass(frozen=True)
class ReplyRoute:
    """Where a reply on a case goes. `channel` is "chat", "email" or None (not sent);
    `address` the e-mail address, or for None the phone number to call ("" if none);
    `reason` one of "chat_live", "email", "phone", "no_address"."""

    channel: str | None
    address: str
    reason: str


def _chat_is_live(case_id: int) -> bool:
    try:
        from motivo.chat.selectors import chat_is_live
    except ImportError:
        return False
    try:
        return bool(chat_is_live(case_id=case_id))
    except AttributeError:
        return False


def _identities(
    case: Case, *kinds: str, known: Sequence[Identity] | None = None
) -> dict[str, list[str]]:
    """The customer's identity values by kind, oldest first: from `known` (the customer's
    identities, already loaded) or one query."""
    if known is None:
        known = list(
            Identity.objects.filter(customer_id=case.customer_id, kind__in=kinds).only(
                "pk", "kind", "value"
            )
        )
    found: dict[str, list[str]] = {kind: [] for kind in kinds}
    for identity in sorted(known, key=lambda i: i.pk):
        if identity.kind in found:
            found[identity.kind].append(identity.value)
    return found


def _customer_email(case: Case, addresses: Sequence[str]) -> str:
    """The address the customer last wrote from on this case, if it is one of theirs;
    else their first one."""
    if len(addresses) == 1:
        return addresses[0]
    last = (
        InboundEmail.objects.filter(case=case)
        .exclude(from_address="")
        .order_by("-received_at", "-pk")
        .values_list("from_address", flat=True)
        .first()
    )
    if last and last.strip().lower() in addresses:
        return last.strip().lower()
    return addresses[0]


def reply_route(*, case: Case, identities: Sequence[Identity] | None = None) -> ReplyRoute:
    """The channel and address a reply on `case` goes to (rules in the module doc).
    `identities`: the customer's identities if the caller has them loaded."""
    if _chat_is_live(case.pk):
        return ReplyRoute(CHAT, "", "chat_live")
    identities = _identities(case, Identity.Kind.EMAIL, Identity.Kind.PHONE, known=identities)
    addresses, phones = identities[Identity.Kind.EMAIL], identities[Identity.Kind.PHONE]
    if addresses:
        return ReplyRoute(EMAIL, _customer_email(case, addresses), "email")
    if phones:
        return ReplyRoute(None, phones[0], "phone")
    return ReplyRoute(None, "", "no_address")


def reply_channel(*, case: Case) -> str | None:
    """ "chat", "email", or None when the reply is not sent (phone: call them)."""
    return reply_route(case=case).channel


# ---------------------------------------------------------------------------- replies


def _reply_email_send(message: Message, address: str) -> OutboundEmail:
    case = message.case
    customer = case.customer
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        context = {
            "message": message,
            "case": case,
            "customer": customer,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        subject = render_to_string("cases/email/reply_subject.txt", context).strip()
        body = render_to_string("cases/email/reply.txt", context)
        html = render_to_string("cases/email/reply.html", context)
    return outbound.email_send(
        kind=outbound.KIND_REPLY,
        to=address,
        subject=subject,
        body=body,
        html=html,
        case=case,
        message=message,
        attachments=list(message.attachments.all()),
    )


@transaction.atomic
def reply_email_send(*, message: Message) -> OutboundEmail | None:
    """E-mail an agent's reply to the customer, in the customer's language, when the case's
    reply route is e-mail; None when it is not (chat, call them, no address). Once per
    reply: a task the queue runs twice finds the first mail (the reply's row is locked) and
    returns it ("Send again" is `reply_email_resend`)."""
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("case__customer", "author")
        .prefetch_related("attachments")
        .get(pk=message.pk)
    )
    if message.kind != Message.Kind.REPLY:
        return None
    if sent := message.emails.order_by("pk").first():
        return sent
    route = reply_route(case=message.case)
    if route.channel != EMAIL:
        return None
    return _reply_email_send(message, route.address)


@transaction.atomic
def reply_email_resend(*, email: OutboundEmail, actor: User) -> OutboundEmail:
    """Send a reply whose e-mail failed again, as a new e-mail (new Message-ID) to the
    customer's current address. Refused unless it is the latest, failed e-mail of a reply."""
    email = OutboundEmail.objects.select_for_update().get(pk=email.pk)
    if email.kind != outbound.KIND_REPLY or email.message_id is None:
        raise DomainError(_("Only replies to customers can be sent again."), code="invalid")
    latest = OutboundEmail.objects.filter(message_id=email.message_id).order_by("-pk").first()
    if email.status != OutboundEmail.Status.FAILED or latest is None or latest.pk != email.pk:
        raise DomainError(
            _("This reply is already being sent again or was delivered."), code="conflict"
        )
    message = (
        Message.objects.select_related("case__customer", "author")
        .prefetch_related("attachments")
        .get(pk=email.message_id)
    )
    addresses = _identities(message.case, Identity.Kind.EMAIL)[Identity.Kind.EMAIL]
    if not addresses:
        raise DomainError(
            _("The customer has no e-mail address any more."), field="to", code="no_address"
        )
    return _reply_email_send(message, _customer_email(message.case, addresses))


def reply_email_for_case(*, case: Case, email_id: int) -> OutboundEmail:
    """An e-mail of a reply on `case` (the caller checked the case is visible); 404
    otherwise."""
    try:
        return OutboundEmail.objects.get(pk=email_id, case=case, kind=outbound.KIND_REPLY)
    except OutboundEmail.DoesNotExist as exc:
        raise Http404 from exc


def reply_deliveries_attach(*, messages: Sequence[Message]) -> None:
    """Set `delivery` on each reply of `messages`: its latest OutboundEmail, or None. One
    query, for the case page (staff only)."""
    replies = [m for m in messages if m.kind == Message.Kind.REPLY]
    latest: dict[int, OutboundEmail] = {}
    if replies:
        rows = OutboundEmail.objects.filter(message_id__in=[m.pk for m in replies]).only(
            "pk", "message_id", "status", "to", "attempts", "last_error", "sent_at"
        )
        for row in rows.order_by("pk"):
            latest[row.message_id] = row
    for message in replies:
        message.delivery = latest.get(message.pk)


# ---------------------------------------------------------------------------- staff mail


def _staff_email_send(
    *, kind: str, case: Case, user: User, template: str, context: dict
) -> OutboundEmail | None:
    if not user.email:
        return None
    with translation.override(user.language or settings.LANGUAGE_CODE):
        site_url = settings.SITE_URL.rstrip("/")
        context = {"case": case, "user": user, "site_url": site_url} | context
        subject = render_to_string(f"cases/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"cases/email/{template}.txt", context)
    # Not linked to the case: inbound mail threads on our Message-IDs, and an agent answering
    # a notification must not land on the customer's case.
    return outbound.email_send(kind=kind, to=user.email, subject=subject, body=body)


def assignment_email_send(*, case: Case, user: User) -> OutboundEmail | None:
    """Tell an agent, in their language, that a case was assigned to them."""
    return _staff_email_send(
        kind=outbound.KIND_ASSIGNMENT, case=case, user=user, template="assigned", context={}
    )


def transfer_email_send(*, handoff: Handoff, user: User) -> OutboundEmail | None:
    """Tell the receiver of a transfer, in their language, that the case is theirs now,
    with the hand-off note."""
    return _staff_email_send(
        kind=outbound.KIND_TRANSFER,
        case=handoff.case,
        user=user,
        template="transferred",
        context={"handoff": handoff, "note": handoff.event.data.get("note", "")},
    )
