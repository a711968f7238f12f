"""Every write of the live chat. A chat session is one contact on a case:

- the first line of a new chat goes through `channels.services.contact_ingest` (channel
  "chat"; the customer resolves by email, so the chat lands on the same customer) and opens
  a new case; when the same customer continues (the widget still holds the secret of their
  previous chat, or a signed-in portal customer), within MOTIVO_CHAT_CONTINUE_HOURS, on a
  case that is still active, the first line goes through `cases.services.case_customer_message`
  on that case instead;
- the customer's further lines are inbound Messages on the case (not new contacts);
- agents' lines are replies (`cases.services.case_reply`).

Writes are keyword-only and atomic; streams learn of them by polling the database, and with
MOTIVO_CHAT_BUS=redis also from a notice published after commit (`chat.bus`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.accounts.models import User
from motivo.cases import events
from motivo.cases.models import ACTIVE_STATUSES, Case, Message
from motivo.cases.services import case_assign, case_customer_message, case_reply
from motivo.channels.services import contact_ingest
from motivo.chat import bus
from motivo.chat.models import AgentPresence, ChatSession
from motivo.chat.selectors import OPEN_STATUSES, chat_agents_available, token_digest
from motivo.core.choices import Channel
from motivo.core.errors import DomainError
from motivo.customers.models import Customer, Identity
from motivo.customers.services import (
    customer_add_identity,
    customer_find,
    customer_resolve,
    identity_normalise,
)
from motivo.voice.models import CallbackRequest
from motivo.voice.selectors import callback_waiting
from motivo.voice.services import callback_request

MAX_NAME = 200


# ---------------------------------------------------------------------------- checks


def _count(key: str, seconds: int) -> int:
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1


def _limit_sessions(*, ip: str, email: str) -> None:
    limit = settings.MOTIVO_CHAT_MAX_SESSIONS_PER_IP
    over = _count(f"chat:start:ip:{ip}", 3600) > limit if ip else False
    over = (_count(f"chat:start:email:{email}", 3600) > limit if email else False) or over
    if over:
        raise DomainError(
            _("Too many chats from here in the last hour. Please try again later."),
            code="rate_limited",
        )


def _limit_messages(session_id: int) -> None:
    if _count(f"chat:msg:{session_id}", 60) > settings.MOTIVO_CHAT_MAX_MESSAGES_PER_MINUTE:
        raise DomainError(
            _("You are sending messages too fast. Wait a moment and send it again."),
            field="body",
            code="rate_limited",
        )


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write a message."), field="body", code="required")
    limit = settings.MOTIVO_CHAT_MAX_MESSAGE_CHARS
    if len(body) > limit:
        raise DomainError(
            _("The message is too long: at most %(limit)d characters.") % {"limit": limit},
            field="body",
            code="too_long",
        )
    return body


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Tell us your name."), field="name", code="required")
    if len(name) > MAX_NAME:
        raise DomainError(_("The name is too long."), field="name", code="too_long")
    return name


def _clean_email(email: str) -> str:
    if not (email or "").strip():
        raise DomainError(_("Tell us your email address."), field="email", code="required")
    if len(email) > 254:
        raise DomainError(_("Not a valid email address."), field="email")
    return identity_normalise(kind=Identity.Kind.EMAIL, value=email)


def _language(language: str | None) -> str:
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _visitor(
    *, customer_user: User | None, name: str, email: str, language: str | None
) -> tuple[Customer | None, str, str, str]:
    """(the signed-in customer or None, name, email, language) of who is writing: a
    signed-in portal customer is who their account says; anyone else gives name and email."""
    customer = getattr(customer_user, "customer", None) if customer_user else None
    if customer is not None:
        name, email = customer.name, _customer_email(customer, customer_user)
        language = customer.language
    else:
        name, email = _clean_name(name), _clean_email(email)
    return customer, name, email, _language(language)


def _customer_email(customer: Customer, user: User | None) -> str:
    if user is not None and user.email:
        return user.email.lower()
    found = customer.identities.filter(kind=Identity.Kind.EMAIL).values_list("value", flat=True)
    return found[0] if found else ""


def _bump(session: ChatSession, now: dt.datetime, fields: list[str]) -> None:
    session.revision += 1
    session.updated_at = now
    session.save(update_fields=[*fields, "revision", "updated_at"])
    bus.publish_on_commit(session_id=session.pk, case_id=session.case_id)


def _continued_case(
    *, customer_id: int | None, previous: ChatSession | None, now: dt.datetime
) -> Case | None:
    """The active case a continuing customer's chat goes on, or None for a new case."""
    if previous is None or customer_id is None or previous.customer_id != customer_id:
        return None
    case = previous.case
    if case.merged_into_id or case.status not in ACTIVE_STATUSES:
        return None
    since = previous.ended_at or now
    if now - since > dt.timedelta(hours=settings.MOTIVO_CHAT_CONTINUE_HOURS):
        return None
    return case


# ---------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class StartedChat:
    session: ChatSession
    token: str  # the widget's secret, shown once; only its digest is stored
    continued: bool  # True: the chat went on the customer's open case


@transaction.atomic
def chat_session_start(
    *,
    body: str,
    name: str = "",
    email: str = "",
    language: str | None = None,
    page_url: str = "",
    customer_user: User | None = None,
    resume_token: str | None = None,
    ip: str = "",
) -> StartedChat:
    """A visitor starts a chat with their first line. `customer_user` is a signed-in
    portal customer (name and email come from their account); `resume_token` the secret of
    their previous chat, kept by the widget."""
    body = _clean_body(body)
    customer, name, email, language = _visitor(
        customer_user=customer_user, name=name, email=email, language=language
    )
    _limit_sessions(ip=ip, email=email)
    if not chat_agents_available():
        raise DomainError(
            _("No agent is available right now: leave us a message instead."),
            code="unavailable",
        )
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    digest = token_digest(token)

    if customer is None and email:
        customer = customer_find(kind=Identity.Kind.EMAIL, value=email)
    previous = None
    if resume_token:
        previous = (
            ChatSession.objects.select_related("case")
            .filter(token_digest=token_digest(resume_token))
            .first()
        )
    elif customer_user is not None and customer is not None:
        # A signed-in customer proved who they are: their latest chat may continue.
        previous = (
            ChatSession.objects.select_related("case")
            .filter(customer=customer)
            .order_by("-started_at")
            .first()
        )
    case = _continued_case(
        customer_id=customer.pk if customer else None, previous=previous, now=now
    )
    if previous is not None and previous.is_open:
        chat_session_end(session=previous, actor=None, by=ChatSession.EndedBy.CUSTOMER)
    continued = case is not None
    if continued:
        message = case_customer_message(
            case=case, channel="chat", body=body, received_at=now, actor=customer_user
        )
        case.refresh_from_db()
        contact_id, customer_id = message.contact_id, case.customer_id
    else:
        result = contact_ingest(
            channel="chat",
            subject="",
            body=body,
            name=name,
            email=email,
            language=language,
            received_at=now,
            external_id=f"chat:{digest[:40]}",
            actor=customer_user,
        )
        case = Case.objects.get(pk=result.case_id)
        contact_id, customer_id = result.contact_id, result.customer_id
    session = ChatSession.objects.create(
        token_digest=digest,
        customer_id=customer_id,
        case=case,
        contact_id=contact_id,
        name=name[:MAX_NAME],
        email=email,
        language=language,
        page_url=(page_url or "")[:500],
        started_at=now,
        updated_at=now,
        customer_seen_at=now,
    )
    events.chat_started_event(case=case, session_id=session.pk)
    bus.publish_on_commit(session_id=session.pk, case_id=case.pk)
    return StartedChat(session=session, token=token, continued=continued)


def _open_session(session: ChatSession) -> ChatSession:
    """The session row locked for update; refused once the chat has ended."""
    session = ChatSession.objects.select_for_update().select_related("case").get(pk=session.pk)
    if session.status == ChatSession.Status.ENDED:
        raise DomainError(_("This chat has ended."), code="ended")
    return session


@transaction.atomic
def chat_customer_message(*, session: ChatSession, body: str) -> Message:
    """A further line from the customer: an inbound message on the case (the session is
    already the contact), reopening the case if it was waiting on them or resolved."""
    body = _clean_body(body)
    _limit_messages(session.pk)
    session = _open_session(session)
    now = timezone.now()
    message = case_customer_message(
        case=Case(pk=session.case_id), channel=Channel.CHAT, body=body, received_at=now,
        continuing=True,
    )  # fmt: skip
    ChatSession.objects.filter(pk=session.pk).update(customer_seen_at=now)
    bus.publish_on_commit(session_id=session.pk, case_id=session.case_id)
    return message


@transaction.atomic
def chat_session_take(*, session: ChatSession, agent: User) -> ChatSession:
    """An agent takes a waiting chat; the case goes to them when nobody has it yet."""
    if not agent.is_staff_member:
        raise DomainError(_("Only staff can take chats."), code="forbidden")
    session = _open_session(session)
    if session.agent_id == agent.pk:
        return session
    if session.status == ChatSession.Status.ACTIVE and session.agent_id:
        raise DomainError(
            _("%(name)s has already taken this chat.") % {"name": session.agent.display_name},
            code="taken",
        )
    session.status = ChatSession.Status.ACTIVE
    session.agent = agent
    _bump(session, timezone.now(), ["status", "agent"])
    case = session.case
    if case.assignee_id is None:
        case_assign(case=case, actor=agent, assignee=agent, team=case.team)
    return session


@transaction.atomic
def chat_agent_message(*, session: ChatSession, agent: User, body: str) -> Message:
    """An agent's line: a reply on the case. A waiting chat is taken first."""
    body = _clean_body(body)
    session = _open_session(session)
    if session.status == ChatSession.Status.WAITING:
        session = chat_session_take(session=session, agent=agent)
    message = case_reply(case=session.case, author=agent, body=body)
    bus.publish_on_commit(session_id=session.pk, case_id=session.case_id)
    return message


@transaction.atomic
def chat_session_end(
    *, session: ChatSession, actor: User | None, by: str = ChatSession.EndedBy.AGENT
) -> ChatSession:
    """End the chat (the customer, an agent, or inactivity). Ending twice changes nothing.
    The transcript stays on the case as its messages."""
    session = ChatSession.objects.select_for_update().select_related("case").get(pk=session.pk)
    if session.status == ChatSession.Status.ENDED:
        return session
    now = timezone.now()
    session.status = ChatSession.Status.ENDED
    session.ended_at = now
    session.ended_by = by
    _bump(session, now, ["status", "ended_at", "ended_by"])
    events.chat_ended_event(case=session.case, actor=actor, session_id=session.pk)
    return session


def chat_sessions_expire(*, now: dt.datetime | None = None) -> int:
    """End the open chats whose customer has not been seen for MOTIVO_CHAT_IDLE_MINUTES
    (closed the tab). Returns how many were ended."""
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=settings.MOTIVO_CHAT_IDLE_MINUTES)
    stale = ChatSession.objects.filter(status__in=OPEN_STATUSES, customer_seen_at__lt=cutoff)
    ended = 0
    for session in stale.only("pk")[:100]:
        chat_session_end(session=session, actor=None, by=ChatSession.EndedBy.IDLE)
        ended += 1
    return ended


# ---------------------------------------------------------------------------- presence


@transaction.atomic
def chat_presence_set(*, user: User, available: bool) -> AgentPresence:
    """An agent switches taking chats on or off (in the chat console)."""
    if not user.is_staff_member:
        raise DomainError(_("Only staff can take chats."), code="forbidden")
    presence, _created = AgentPresence.objects.update_or_create(
        user=user, defaults={"available": available, "last_seen_at": timezone.now()}
    )
    return presence


def chat_presence_touch(*, user_ids: list[int]) -> None:
    """Staff whose chat console is open were seen now (called by the streams)."""
    if user_ids:
        AgentPresence.objects.filter(user_id__in=user_ids).update(last_seen_at=timezone.now())


def chat_customer_seen(*, session_ids: list[int]) -> None:
    """Customers whose widget stream is open were seen now (called by the streams)."""
    if session_ids:
        ChatSession.objects.filter(pk__in=session_ids, status__in=OPEN_STATUSES).update(
            customer_seen_at=timezone.now()
        )


# ---------------------------------------------------------------------------- offline


@dataclass(frozen=True)
class LeftMessage:
    case_id: int
    customer_id: int
    callback_id: int | None
    callback_error: str  # why the callback was not booked ("" when booked or not asked)


def chat_leave_message(
    *,
    body: str,
    name: str = "",
    email: str = "",
    phone: str = "",
    callback: bool = False,
    language: str | None = None,
    customer_user: User | None = None,
    ip: str = "",
) -> LeftMessage:
    """No agent is available. With `callback`, the customer asks to be called back
    (`voice.services.callback_request`, the message as its note: that request is the
    contact); otherwise, or when the callback is refused (calls not allowed, no window, no
    number), the message becomes a chat contact answered by e-mail. Exactly one contact
    either way, and a refused callback never loses the message."""
    body = _clean_body(body)
    customer, name, email, language = _visitor(
        customer_user=customer_user, name=name, email=email, language=language
    )
    phone = (phone or "").strip()
    if callback and phone:
        phone = identity_normalise(kind=Identity.Kind.PHONE, value=phone)
    _limit_sessions(ip=ip, email=email)
    callback_error = ""
    if callback:
        with transaction.atomic():
            if customer is None:
                customer = customer_resolve(
                    kind=Identity.Kind.EMAIL, value=email, name=name, language=language
                )[0]
            if phone:
                customer_add_identity(customer=customer, kind=Identity.Kind.PHONE, value=phone)
        waiting = callback_waiting(customer=customer)
        if waiting is not None:
            # A callback is already booked: the message joins its case (the request itself
            # would be answered with the waiting one, and the message dropped).
            with contextlib.suppress(DomainError):  # that case was merged: a new contact
                case_customer_message(
                    case=waiting.case, channel=Channel.CHAT, body=body, actor=customer_user
                )
                return LeftMessage(waiting.case_id, customer.pk, waiting.pk, "")
        else:
            booked, callback_error = _request_callback(customer=customer, note=body)
            if booked is not None:
                return LeftMessage(booked.case_id, customer.pk, booked.pk, "")
    result = contact_ingest(
        channel="chat",
        subject="",
        body=body,
        name=name,
        email=email,
        language=language,
        actor=customer_user,
    )
    return LeftMessage(result.case_id, result.customer_id, None, callback_error)


def _request_callback(*, customer: Customer, note: str) -> tuple[CallbackRequest | None, str]:
    """(the callback request, "") or (None, why it was refused)."""
    try:
        request = callback_request(
            customer=customer, note=note, source=CallbackRequest.Source.WIDGET
        )
    except DomainError as error:
        return None, error.message
    return request, ""
