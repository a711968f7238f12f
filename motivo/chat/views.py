"""Live chat: the widget's endpoints, the staff chat console and the event streams.

Widget endpoints (`/chat/api/…`, `/chat/stream/session`) are called cross-origin from any
site embedding the widget: they answer CORS, take JSON, authenticate with the session's
secret in the `X-Motivo-Chat-Token` header (never a cookie), and are therefore exempt from
CSRF. Staff pages and actions use the signed-in session and CSRF like every other page.
Streams come in two flavours: plain views for a WSGI server (tests, runserver) and async
views for the realtime ASGI process (`realtime_urls`), both over `chat.streams`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.request import split_domain_port, validate_host
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from motivo.channels.spam import client_ip
from motivo.chat import services, streams
from motivo.chat.models import ChatSession
from motivo.chat.selectors import (
    chat_agents_available,
    chat_messages,
    chat_presence_for,
    chat_session_for_staff,
    chat_session_for_token,
    chat_sessions_open,
    message_payload,
    session_payload,
)
from motivo.chat.strings import console_strings, widget_strings
from motivo.core.decorators import staff_required
from motivo.core.errors import DomainError

TOKEN_HEADER = "X-Motivo-Chat-Token"
MAX_BODY_BYTES = 64 * 1024
_STATUS = {"rate_limited": 429, "ended": 409, "taken": 409, "merged": 409, "forbidden": 403}


def _error(code: str, message: str, field: str | None = None, status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": str(message), "field": field}}, status=status
    )


# ---------------------------------------------------------------------------- widget helpers


def _origin_allowed(origin: str | None) -> bool:
    allowed = settings.MOTIVO_CHAT_ALLOWED_ORIGINS
    return "*" in allowed or not origin or origin in allowed


def _cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    origin = request.headers.get("Origin")
    if "*" in settings.MOTIVO_CHAT_ALLOWED_ORIGINS:
        response["Access-Control-Allow-Origin"] = "*"
    elif origin and origin in settings.MOTIVO_CHAT_ALLOWED_ORIGINS:
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = f"Content-Type, {TOKEN_HEADER}, X-Motivo-Lang"
    response["Access-Control-Max-Age"] = "600"
    return response


def _language(request: HttpRequest) -> str:
    wanted = (request.GET.get("lang") or request.headers.get("X-Motivo-Lang") or "")[:2].lower()
    if wanted in dict(settings.LANGUAGES):
        return wanted
    return translation.get_language_from_request(request)


def widget_endpoint(view: Callable[..., HttpResponse] | None = None, *, post: bool = False) -> Any:
    """CORS, preflight, origin allow-list, the visitor's language and JSON errors for the
    widget's token-authenticated endpoints (CSRF-exempt: no cookie authenticates them).
    `@widget_endpoint(post=True)`: the endpoint changes something and takes POST only."""
    if view is None:
        return lambda view: widget_endpoint(view, post=post)

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            return _cors(request, HttpResponse(status=204))
        if not _origin_allowed(request.headers.get("Origin")):
            return _cors(
                request, _error("forbidden", _("This site may not use the chat."), None, 403)
            )
        with translation.override(_language(request)):
            if post and request.method != "POST":
                return _cors(request, _error("method_not_allowed", _("Use POST."), None, 405))
            try:
                response = view(request, *args, **kwargs)
            except DomainError as error:
                status = _STATUS.get(error.code, 400)
                response = _error(error.code, error.message, error.field, status)
            except Http404:
                response = _error("not_found", _("This chat does not exist."), None, 404)
        return _cors(request, response)

    return wrapper


def _json(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY_BYTES:
        raise DomainError(_("The request is too large."), code="too_large")
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise DomainError(_("The request is not valid JSON."), code="malformed") from exc
    if not isinstance(data, dict):
        raise DomainError(_("The request is not valid JSON."), code="malformed")
    return data


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


def _ip(request: HttpRequest) -> str:
    return client_ip(request, header=settings.MOTIVO_CHAT_IP_HEADER) or ""


def _signed_in_customer(request: HttpRequest):
    """A portal customer signed in on this very site (the widget on Motivo's own pages).
    Cookies never authenticate a cross-origin call."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated or user.role != "customer":
        return None
    origin = request.headers.get("Origin")
    if origin and origin != f"{request.scheme}://{request.get_host()}":
        return None
    return user if hasattr(user, "customer") else None


def stream_base(request: HttpRequest) -> str:
    """Where the event streams are served: MOTIVO_CHAT_STREAM_URL, or the realtime port
    on the host this request came to, or this server itself."""
    if settings.MOTIVO_CHAT_STREAM_URL:
        return settings.MOTIVO_CHAT_STREAM_URL.rstrip("/")
    if settings.MOTIVO_CHAT_STREAM_PORT:
        host, _port = split_domain_port(request.get_host())
        host = f"[{host}]" if ":" in host else host
        return f"{request.scheme}://{host}:{settings.MOTIVO_CHAT_STREAM_PORT}"
    return request.build_absolute_uri("/").rstrip("/")


def _session_state(request: HttpRequest, session: ChatSession) -> dict[str, Any]:
    return {
        "session": session_payload(session),
        "messages": [
            message_payload(m, customer_name=session.name) for m in chat_messages(session=session)
        ],
        "stream_url": stream_base(request) + reverse("chat:stream_session"),
    }


# ---------------------------------------------------------------------------- widget endpoints


@require_GET
def widget_js(request: HttpRequest) -> FileResponse:
    """The embeddable script, at a stable address (`<script src=".../chat/widget.js">`)."""
    path = finders.find("chat/widget.js")
    if not path:
        raise Http404
    response = FileResponse(open(path, "rb"), content_type="text/javascript; charset=utf-8")  # noqa: SIM115
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@widget_endpoint
def widget_config(request: HttpRequest) -> JsonResponse:
    """GET: the widget's strings in the visitor's language, whether an agent is available,
    and who is signed in (on Motivo's own pages)."""
    customer_user = _signed_in_customer(request)
    return JsonResponse(
        {
            "language": translation.get_language(),
            "available": chat_agents_available(),
            "customer": {"name": customer_user.customer.name} if customer_user else None,
            "max_chars": settings.MOTIVO_CHAT_MAX_MESSAGE_CHARS,
            "strings": widget_strings(),
        }
    )


@widget_endpoint(post=True)
def widget_sessions(request: HttpRequest) -> JsonResponse:
    """POST {name, email, message, page_url, resume_token}: start a chat."""
    data = _json(request)
    started = services.chat_session_start(
        name=_text(data, "name"),
        email=_text(data, "email"),
        body=_text(data, "message"),
        language=translation.get_language(),
        page_url=_text(data, "page_url"),
        customer_user=_signed_in_customer(request),
        resume_token=_text(data, "resume_token") or None,
        ip=_ip(request),
    )
    body = {"token": started.token, "continued": started.continued}
    return JsonResponse(body | _session_state(request, started.session), status=201)


@widget_endpoint
def widget_session(request: HttpRequest) -> JsonResponse:
    """GET (token): the chat's state and lines, to resume it after a page change."""
    session = chat_session_for_token(token=request.headers.get(TOKEN_HEADER))
    return JsonResponse(_session_state(request, session))


@widget_endpoint(post=True)
def widget_messages(request: HttpRequest) -> JsonResponse:
    """POST {body} (token): the customer's next line."""
    session = chat_session_for_token(token=request.headers.get(TOKEN_HEADER))
    message = services.chat_customer_message(session=session, body=_text(_json(request), "body"))
    return JsonResponse(
        {"message": message_payload(message, customer_name=session.name)}, status=201
    )


@widget_endpoint(post=True)
def widget_end(request: HttpRequest) -> JsonResponse:
    """POST (token): the customer ends the chat."""
    session = chat_session_for_token(token=request.headers.get(TOKEN_HEADER))
    session = services.chat_session_end(
        session=session, actor=None, by=ChatSession.EndedBy.CUSTOMER
    )
    return JsonResponse({"session": session_payload(session)})


@widget_endpoint(post=True)
def widget_leave(request: HttpRequest) -> JsonResponse:
    """POST {name, email, message, callback, phone}: no agent available — leave a message
    (answered by e-mail) and optionally ask for a callback."""
    data = _json(request)
    left = services.chat_leave_message(
        name=_text(data, "name"),
        email=_text(data, "email"),
        body=_text(data, "message"),
        phone=_text(data, "phone"),
        callback=data.get("callback") is True,
        language=translation.get_language(),
        customer_user=_signed_in_customer(request),
        ip=_ip(request),
    )
    return JsonResponse(
        {
            "case_number": left.case_id,
            "callback": {
                "requested": data.get("callback") is True,
                "booked": left.callback_id is not None,
                "error": left.callback_error,
            },
        },
        status=201,
    )


def start_page(request: HttpRequest) -> HttpResponse:
    """A page of Motivo's own that opens the widget: a link to share ("chat with us"); a
    signed-in portal customer chats as themselves."""
    return render(request, "chat/start.html", {"nav": "chat_start"})


# ---------------------------------------------------------------------------- staff


def _staff_json(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """Staff actions called by the console's script: JSON in and out, CSRF-checked."""

    @staff_required
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, session_id: int) -> JsonResponse:
        session = chat_session_for_staff(user=request.user, session_id=session_id)
        try:
            return view(request, session)
        except DomainError as error:
            return _error(error.code, error.message, error.field, _STATUS.get(error.code, 400))

    return wrapper


@staff_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    """The chat console: waiting and active chats (live), the chat taken, availability."""
    sessions = chat_sessions_open()
    context = {
        "nav": "chat",
        "waiting": [s for s in sessions if s.status == ChatSession.Status.WAITING],
        "active": [s for s in sessions if s.status == ChatSession.Status.ACTIVE],
        "presence": chat_presence_for(user=request.user),
        "stream_url": stream_base(request) + reverse("chat:stream_console"),
        "labels": console_strings(),
        "presence_minutes": settings.MOTIVO_CHAT_PRESENCE_MINUTES,
    }
    return render(request, "chat/console.html", context)


@staff_required
@require_POST
def availability(request: HttpRequest) -> HttpResponse:
    services.chat_presence_set(user=request.user, available=request.POST.get("available") == "1")
    return redirect("chat:console")


@staff_required
@require_GET
def pane(request: HttpRequest, session_id: int) -> HttpResponse:
    """The chat pane of one session (HTML, loaded into the console)."""
    session = chat_session_for_staff(user=request.user, session_id=session_id)
    return render(request, "chat/partials/pane.html", _pane_context(request, session))


def _pane_context(request: HttpRequest, session: ChatSession) -> dict[str, Any]:
    return {
        "session": session,
        "lines": [
            message_payload(m, customer_name=session.name) for m in chat_messages(session=session)
        ],
        "stream_url": stream_base(request) + reverse("chat:stream_staff", args=[session.pk]),
        "max_chars": settings.MOTIVO_CHAT_MAX_MESSAGE_CHARS,
    }


@_staff_json
def take(request: HttpRequest, session: ChatSession) -> JsonResponse:
    session = services.chat_session_take(session=session, agent=request.user)
    return JsonResponse({"session": session_payload(session, staff=True)})


@_staff_json
def send(request: HttpRequest, session: ChatSession) -> JsonResponse:
    body = request.POST.get("body", "")
    message = services.chat_agent_message(session=session, agent=request.user, body=body)
    return JsonResponse(
        {"message": message_payload(message, customer_name=session.name)}, status=201
    )


@_staff_json
def end(request: HttpRequest, session: ChatSession) -> JsonResponse:
    session = services.chat_session_end(session=session, actor=request.user)
    return JsonResponse({"session": session_payload(session, staff=True)})


# ---------------------------------------------------------------------------- streams


def _after(request: HttpRequest) -> int:
    raw = request.GET.get("after") or request.headers.get("Last-Event-ID") or "0"
    return int(raw) if raw.isdigit() and len(raw) < 19 else 0


def _event_stream(events: Any) -> StreamingHttpResponse:
    response = StreamingHttpResponse(events, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


def _staff_cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Staff streams may be read, with the session cookie, by pages of this installation
    served from another port (the realtime server): origins on ALLOWED_HOSTS only."""
    origin = request.headers.get("Origin")
    if origin and "://" in origin:
        host, _port = split_domain_port(origin.split("://", 1)[1])
        if host and validate_host(host, settings.ALLOWED_HOSTS):
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Credentials"] = "true"
            response["Vary"] = "Origin"
    return response


def _served_elsewhere() -> bool:
    return bool(settings.MOTIVO_CHAT_STREAM_URL or settings.MOTIVO_CHAT_STREAM_PORT)


def _elsewhere() -> JsonResponse:
    return _error("elsewhere", _("Chat streams are served by the realtime server."), None, 404)


@widget_endpoint
def stream_session(request: HttpRequest) -> HttpResponse:
    """GET (token): the customer's stream, from a WSGI server."""
    if _served_elsewhere():
        return _elsewhere()
    session = chat_session_for_token(token=request.headers.get(TOKEN_HEADER))
    sub = streams.Subscriber(streams.CUSTOMER, session=session)
    return _event_stream(streams.sync_events(sub, after_id=_after(request)))


@require_GET
def stream_staff(request: HttpRequest, session_id: int) -> HttpResponse:
    """An agent's stream of one chat, from a WSGI server."""
    if _served_elsewhere():
        return _elsewhere()
    if not request.user.is_authenticated or not request.user.is_staff_member:
        raise PermissionDenied
    session = chat_session_for_staff(user=request.user, session_id=session_id)
    sub = streams.Subscriber(streams.AGENT, session=session, user_id=request.user.pk)
    return _staff_cors(request, _event_stream(streams.sync_events(sub, after_id=_after(request))))


@require_GET
def stream_console(request: HttpRequest) -> HttpResponse:
    """The console's stream of every session's state, from a WSGI server."""
    if _served_elsewhere():
        return _elsewhere()
    if not request.user.is_authenticated or not request.user.is_staff_member:
        raise PermissionDenied
    sub = streams.Subscriber(streams.CONSOLE, user_id=request.user.pk)
    return _staff_cors(request, _event_stream(streams.sync_events(sub)))


# The same three streams for the realtime ASGI process (motivo/chat/realtime_urls.py).


@csrf_exempt
async def astream_session(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _cors(request, HttpResponse(status=204))
    if not _origin_allowed(request.headers.get("Origin")):
        return _cors(request, _error("forbidden", "forbidden", None, 403))
    hub = streams.hub()
    try:
        session = await hub.run_sync(
            chat_session_for_token, token=request.headers.get(TOKEN_HEADER)
        )
    except Http404:
        return _cors(request, _error("not_found", "This chat does not exist.", None, 404))
    sub = streams.Subscriber(streams.CUSTOMER, session=session)
    if hub.full(sub):
        return _cors(request, _too_many_streams())
    return _cors(request, _event_stream(hub.events(sub, after_id=_after(request))))


def _too_many_streams() -> JsonResponse:
    return _error("too_many_streams", "Too many open streams.", None, 429)


async def _astaff(request: HttpRequest):
    user = await request.auser()
    if not user.is_authenticated or not user.is_staff_member:
        return None
    return user


async def astream_staff(request: HttpRequest, session_id: int) -> HttpResponse:
    user = await _astaff(request)
    if user is None:
        return _staff_cors(request, _error("forbidden", "forbidden", None, 403))
    hub = streams.hub()
    try:
        session = await hub.run_sync(chat_session_for_staff, user=user, session_id=session_id)
    except Http404:
        return _staff_cors(request, _error("not_found", "not found", None, 404))
    sub = streams.Subscriber(streams.AGENT, session=session, user_id=user.pk)
    if hub.full(sub):
        return _staff_cors(request, _too_many_streams())
    return _staff_cors(request, _event_stream(hub.events(sub, after_id=_after(request))))


async def astream_console(request: HttpRequest) -> HttpResponse:
    user = await _astaff(request)
    if user is None:
        return _staff_cors(request, _error("forbidden", "forbidden", None, 403))
    sub = streams.Subscriber(streams.CONSOLE, user_id=user.pk)
    hub = streams.hub()
    if hub.full(sub):
        return _staff_cors(request, _too_many_streams())
    return _staff_cors(request, _event_stream(hub.events(sub)))


async def ahealthz(request: HttpRequest) -> JsonResponse:
    hub = streams.hub()
    return JsonResponse(
        {"status": "ok", "streams": len(hub.subs), "polls": hub.polls, "redis": hub.redis_ok}
    )
