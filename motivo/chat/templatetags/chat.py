"""`{% chat_case_panel %}`: the live chat panel of the case page (one query)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse

from motivo.cases.models import Message
from motivo.chat.selectors import chat_sessions_for_case, message_payload
from motivo.chat.strings import console_strings

register = template.Library()


@register.inclusion_tag("chat/partials/case_panel.html", takes_context=True)
def chat_case_panel(context: template.Context) -> dict[str, object]:
    """The case's chat sessions; for an open one, its lines from the conversation the case
    page has already loaded (no further query)."""
    from motivo.chat.views import stream_base

    case, request = context["case"], context["request"]
    sessions = chat_sessions_for_case(case_id=case.pk)
    live = next((s for s in sessions if s.is_open), None)
    data: dict[str, object] = {"sessions": sessions, "live": live, "request": request}
    if live is not None:
        live.case = case
        conversation = getattr(case, "conversation", [])
        data |= {
            "live_lines": [
                message_payload(m, customer_name=live.name)
                for m in conversation
                if m.kind in (Message.Kind.INBOUND, Message.Kind.REPLY)
                and m.created_at >= live.started_at
            ],
            "live_stream_url": stream_base(request) + reverse("chat:stream_staff", args=[live.pk]),
            "max_chars": settings.MOTIVO_CHAT_MAX_MESSAGE_CHARS,
            "labels": console_strings(),
        }
    return data
