"""The widget's words, in the visitor's language (served by `views.widget_config`).

Marked here with gettext like every other string, so they live in the same catalogs
(motivo/locale) and the widget's script carries no text of its own.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


def widget_strings() -> dict[str, str]:
    return {
        "launcher": _("Chat with us"),
        "title": _("Live chat"),
        "close": _("Close"),
        "intro": _("Hello! Tell us what you need and an agent will answer you here."),
        "name": _("Your name"),
        "email": _("Your email"),
        "message": _("Your message"),
        "start": _("Start chat"),
        "continue_as": _("You are signed in as %(name)s."),
        "placeholder": _("Write a message…"),
        "send": _("Send"),
        "end": _("End chat"),
        "waiting": _("Waiting for an agent… We will be with you shortly."),
        "joined": _("You are chatting with %(name)s."),
        "ended": _("The chat has ended. The conversation stays on your case #%(number)s."),
        "new_chat": _("Start a new chat"),
        "you": _("You"),
        "offline_title": _("No agent is available right now"),
        "offline_intro": _(
            "Leave us a message and we will answer you by e-mail, or ask us to call you back."
        ),
        "callback": _("Call me back"),
        "phone": _("Your phone number"),
        "leave": _("Send message"),
        "left": _(
            "Thank you: we received your message (case #%(number)s) and will answer by e-mail."
        ),
        "callback_booked": _("We will call you back."),
        "callback_failed": _("We could not book the callback: %(reason)s"),
        "reconnecting": _("Connection lost, reconnecting…"),
        "error": _("Something went wrong. Please try again."),
    }


def console_strings() -> dict[str, object]:
    """Words the staff console's script shows, in the agent's language."""
    from motivo.chat.models import ChatSession

    return {
        "status": {str(k): str(v) for k, v in ChatSession.Status.choices},
        "error": _("Something went wrong. Please try again."),
        "reconnecting": _("Connection lost, reconnecting…"),
        "new_chat": _("New chat waiting"),
    }
