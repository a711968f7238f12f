"""Reads of chat sessions. The widget reaches a session only with its secret token; staff
reach every session; "not yours" and "does not exist" are the same 404."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from motivo.accounts.models import STAFF_ROLES, User
from motivo.cases.models import Message
from motivo.chat.models import AgentPresence, ChatSession

OPEN_STATUSES = (ChatSession.Status.WAITING, ChatSession.Status.ACTIVE)
PUBLIC_KINDS = (Message.Kind.INBOUND, Message.Kind.REPLY)
# Links into the pages, also from the realtime process (whose URLconf has only streams).
MAIN_URLS = "motivo.config.urls"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _idle_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(minutes=settings.MOTIVO_CHAT_IDLE_MINUTES)


def chat_is_live(*, case_id: int) -> bool:
    """True while a chat on the case is open and its customer's widget is connected (seen
    within MOTIVO_CHAT_IDLE_MINUTES): a reply then reaches them in the widget, not by mail.
    One indexed query (case, status)."""
    return ChatSession.objects.filter(
        case_id=case_id, status__in=OPEN_STATUSES, customer_seen_at__gte=_idle_cutoff()
    ).exists()


def chat_available_agents() -> QuerySet[AgentPresence]:
    """Staff who switched chat on and were seen on the chat console recently."""
    cutoff = timezone.now() - dt.timedelta(minutes=settings.MOTIVO_CHAT_PRESENCE_MINUTES)
    return AgentPresence.objects.filter(
        available=True,
        last_seen_at__gte=cutoff,
        user__is_active=True,
        user__role__in=STAFF_ROLES,
    )


def chat_agents_available() -> bool:
    return chat_available_agents().exists()


def chat_presence_for(*, user: User) -> AgentPresence:
    """The user's presence row (unsaved default when they never opened the console)."""
    return AgentPresence.objects.filter(user=user).first() or AgentPresence(user=user)


def chat_session_for_token(*, token: str | None) -> ChatSession:
    """The session the widget's secret names (404 for a wrong or missing secret)."""
    if not token or len(token) > 200:
        raise Http404
    session = (
        ChatSession.objects.select_related("case", "agent")
        .filter(token_digest=token_digest(token))
        .first()
    )
    if session is None:
        raise Http404
    return session


def chat_session_for_staff(*, user: User, session_id: int) -> ChatSession:
    if not user.is_authenticated or not user.is_active or not user.is_staff_member:
        raise Http404
    session = (
        ChatSession.objects.select_related("case", "agent", "customer")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise Http404
    return session


def chat_sessions_open() -> list[ChatSession]:
    """Waiting and active sessions, oldest first (the console's lists)."""
    return list(
        ChatSession.objects.filter(status__in=OPEN_STATUSES)
        .select_related("case", "agent")
        .order_by("started_at", "id")[:200]
    )


def chat_sessions_for_case(*, case_id: int) -> list[ChatSession]:
    """The case's chat sessions, newest first (one query)."""
    return list(
        ChatSession.objects.filter(case_id=case_id)
        .select_related("agent")
        .order_by("-started_at", "-id")[:20]
    )


def chat_messages(
    *, session: ChatSession, after_id: int = 0, since: dt.datetime | None = None
) -> list[Message]:
    """The public lines of the session's case written since the session started: the
    customer's messages and every reply (from the chat or from the case's reply box).
    Served by the (case, created_at) index."""
    start = session.started_at if since is None else max(since, session.started_at)
    rows = Message.objects.filter(
        case_id=session.case_id, created_at__gte=start, kind__in=PUBLIC_KINDS
    )
    if session.ended_at is not None:
        rows = rows.filter(created_at__lte=session.ended_at)
    if after_id:
        rows = rows.filter(pk__gt=after_id)
    return list(rows.select_related("author").order_by("created_at", "id")[:500])


def message_payload(message: Message, *, customer_name: str) -> dict[str, object]:
    """A chat line as the widget and the console show it. Agents appear by first name."""
    if message.kind == Message.Kind.INBOUND:
        side, name = "customer", customer_name
    else:
        author = message.author
        side = "agent"
        name = (author.first_name or author.display_name) if author else "Motivo"
    return {
        "id": message.pk,
        "from": side,
        "name": name,
        "body": message.body,
        "at": message.created_at.isoformat(),
    }


def session_payload(session: ChatSession, *, staff: bool = False) -> dict[str, object]:
    """A session's state; staff also get who the customer is and where the case is."""
    agent = session.agent
    data: dict[str, object] = {
        "id": session.pk,
        "status": session.status,
        "revision": session.revision,
        "agent": (agent.first_name or agent.display_name) if agent else "",
        "case_number": session.case_id,
    }
    if staff:
        from django.urls import reverse

        data |= {
            "name": session.name,
            "email": session.email,
            "subject": session.case.subject,
            "case_url": reverse("cases:detail", args=[session.case_id], urlconf=MAIN_URLS),
            "agent_id": session.agent_id,
            "started_at": session.started_at.isoformat(),
            "pane_url": reverse("chat:pane", args=[session.pk], urlconf=MAIN_URLS),
        }
    return data
