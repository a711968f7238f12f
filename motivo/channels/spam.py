"""Checks of the embeddable contact form that need no third-party service.

- A signed form token (django.core.signing, the site's secret key): issued when the form is
  rendered, it carries a random nonce and the time. A submission without a valid token was
  not made from a form we rendered (this is also why the form view needs no CSRF cookie);
  one sent sooner than MOTIVO_FORM_MIN_SECONDS after rendering was not typed by a person;
  one older than MOTIVO_FORM_MAX_AGE_HOURS is stale. The nonce is the contact's
  `external_id`, so sending the same rendered form twice records one contact.
- A honeypot field that people never see and bots fill in.
- A content heuristic: more than MOTIVO_FORM_MAX_LINKS links, or link markup ([url=…],
  <a href=…>) in a plain-text form.
- Rate limits per visitor address and per email address, counted in the cache.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

SALT = "motivo.channels.contact-form"
LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
LINK_MARKUP = re.compile(r"\[url[=\]]|<a\s+href", re.IGNORECASE)
WINDOW = 3600


class TokenRejected(Exception):
    """The submission's form token is missing, forged, too young or too old."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why  # "bad_token", "too_fast" or "expired"


@dataclass(frozen=True)
class FormToken:
    nonce: str
    issued_at: float

    @property
    def external_id(self) -> str:
        return f"web:{self.nonce}"


def form_token_new() -> str:
    """A token for one rendering of the form."""
    return signing.dumps({"n": secrets.token_urlsafe(16), "t": time.time()}, salt=SALT)


def form_token_check(token: str, *, now: float | None = None) -> FormToken:
    now = time.time() if now is None else now
    try:
        data = signing.loads(token or "", salt=SALT, max_age=settings.MOTIVO_FORM_MAX_AGE)
        parsed = FormToken(nonce=str(data["n"]), issued_at=float(data["t"]))
    except signing.SignatureExpired as exc:
        raise TokenRejected("expired") from exc
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise TokenRejected("bad_token") from exc
    if now - parsed.issued_at < settings.MOTIVO_FORM_MIN_SECONDS:
        raise TokenRejected("too_fast")
    return parsed


def content_spam_reason(*, name: str, subject: str, message: str) -> str | None:
    """'links' when the text looks like link spam, else None."""
    text = f"{name}\n{subject}\n{message}"
    if LINK.search(name) or LINK_MARKUP.search(text):
        return "links"
    if len(LINK.findall(text)) > settings.MOTIVO_FORM_MAX_LINKS:
        return "links"
    return None


def client_ip(request: HttpRequest, *, header: str | None = None) -> str | None:
    """The visitor's address: the last entry of `header` (default MOTIVO_FORM_IP_HEADER,
    set by a reverse proxy) when it holds a valid address, else the connection's."""
    header = settings.MOTIVO_FORM_IP_HEADER if header is None else header
    if header:
        forwarded = request.headers.get(header, "")
        if forwarded and (address := _valid_ip(forwarded.split(",")[-1])):
            return address
    return _valid_ip(request.META.get("REMOTE_ADDR") or "")


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _count(key: str) -> int:
    """Count one more hit in a fixed one-hour window opened by the first hit."""
    digest = "forms:rate:" + hashlib.sha256(key.encode()).hexdigest()
    cache.add(digest, 0, timeout=WINDOW)
    try:
        return cache.incr(digest)
    except ValueError:  # expired between add and incr
        cache.set(digest, 1, timeout=WINDOW)
        return 1


def rate_limited(*, ip: str | None, email: str) -> bool:
    """Count this submission; True when the visitor's address or the email address has
    sent more than its hourly allowance."""
    over_ip = ip is not None and _count(f"ip:{ip}") > settings.MOTIVO_FORM_MAX_PER_IP
    over_email = bool(email) and _count(f"email:{email}") > settings.MOTIVO_FORM_MAX_PER_EMAIL
    return over_ip or over_email
