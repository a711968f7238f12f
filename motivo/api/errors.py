"""One error shape for every failure of the API:

    {"error": {"code": "invalid", "message": "...", "field": "customer.email", "details": [...]}}

`field` is the dotted path of the input at fault (null when no single input is), `details`
lists every problem of a validation error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from motivo.core.errors import DomainError

if TYPE_CHECKING:
    from ninja import NinjaAPI

# Param sources ninja puts first in an error's location; a body's second item is the
# view's parameter name. Neither is part of what the client sent.
_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})
# Tags pydantic adds to the location of an error inside a union (e.g. `int | str`).
_UNION_TAGS = frozenset({"int", "str", "float", "bool", "list", "dict", "none"})
_HTTP_CODES = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "throttled",
}
# DomainError codes that are not "the input is invalid".
_DOMAIN_STATUS = {"merged": 409, "conflict": 409, "not_found": 404}


def error_body(
    code: str, message: str, field: str | None = None, details: list[dict] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": str(message), "field": field}
    if details is not None:
        error["details"] = details
    return {"error": error}


def field_path(loc: tuple | list) -> str | None:
    """('body', 'payload', 'customer', 'email') -> 'customer.email'."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and parts:
            parts.pop(0)
    parts = [
        str(part)
        for part in parts
        if not (isinstance(part, str) and (part in _UNION_TAGS or "[" in part))
    ]
    return ".".join(parts) or None


def _problem(error: dict) -> dict[str, Any]:
    kind = error.get("type", "")
    return {
        "field": field_path(error.get("loc", ())),
        "message": error.get("msg", ""),
        "code": "required" if kind == "missing" else kind or "invalid",
    }


def _validation_error(request: HttpRequest, exc: ValidationError, api: NinjaAPI) -> HttpResponse:
    details: list[dict] = []
    for problem in map(_problem, exc.errors):
        if problem not in details:
            details.append(problem)
    first = details[0] if details else {"field": None, "message": _("Invalid input.")}
    if first["field"] is None and first.get("code") == "required":
        message = _("The request body is required.")
    elif first["field"]:
        message = _("%(field)s: %(message)s") % first
    else:
        message = first["message"]
    code = "required" if first.get("code") == "required" else "invalid"
    body = error_body(code, message, first["field"], details)
    return api.create_response(request, body, status=422)


def _http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    status = exc.status_code
    message = str(exc)
    if isinstance(exc, AuthenticationError):
        message = _("Authentication required: send 'Authorization: Bearer <token>' or sign in.")
    elif status == 400 and message.startswith("Cannot parse request body"):
        message = _("The request body is not valid JSON.")
        cause = exc.__cause__
        if isinstance(cause, json.JSONDecodeError):
            message = _(
                "The request body is not valid JSON: %(problem)s "
                "(line %(line)d, column %(column)d)."
            ) % {"problem": cause.msg, "line": cause.lineno, "column": cause.colno}
    elif status == 403 and message == "Forbidden":
        message = _("You are not allowed to do this.")
    response = api.create_response(
        request, error_body(_HTTP_CODES.get(status, "error"), message), status=status
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="motivo"'
    return response


def _not_found(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


def _permission_denied(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    body = error_body("forbidden", str(exc) or _("You are not allowed to do this."))
    return api.create_response(request, body, status=403)


def _domain_error(request: HttpRequest, exc: DomainError, api: NinjaAPI) -> HttpResponse:
    status = _DOMAIN_STATUS.get(exc.code, 422)
    return api.create_response(request, error_body(exc.code, exc.message, exc.field), status=status)


def install_error_handlers(api: NinjaAPI) -> None:
    def bind(handler: Any) -> Any:
        return lambda request, exc: handler(request, exc, api)

    api.add_exception_handler(ValidationError, bind(_validation_error))
    api.add_exception_handler(HttpError, bind(_http_error))
    api.add_exception_handler(Http404, bind(_not_found))
    api.add_exception_handler(PermissionDenied, bind(_permission_denied))
    api.add_exception_handler(DomainError, bind(_domain_error))


@contextmanager
def renamed_fields(mapping: Mapping[str, str]) -> Iterator[None]:
    """Services name their own parameters (`email`); the API names the input (`customer.email`)."""
    try:
        yield
    except DomainError as exc:
        if exc.field in mapping:
            exc.field = mapping[exc.field]
        raise
