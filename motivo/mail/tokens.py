"""Signed reply addresses: how a reply finds its case without trusting the subject.

Every e-mail we send on a case carries `Reply-To: <local>+c<case id>-<signature>@<domain>`,
built from the support address (MOTIVO_SUPPORT_ADDRESS, else the address in
MOTIVO_FROM_EMAIL). The signature is an HMAC of the case id under SECRET_KEY, in lower-case
hex so that mail systems that fold the case of addresses do not break it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from email.utils import parseaddr

from django.conf import settings

_SIGNATURE_LENGTH = 16
_TOKEN = re.compile(r"\+c(?P<case>\d{1,18})-(?P<signature>[0-9a-f]{16})@")


def support_address() -> str:
    """The bare support address replies go to (no display name)."""
    address = (
        getattr(settings, "MOTIVO_SUPPORT_ADDRESS", "") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    )
    return address.strip().lower()


def _signature(case_id: int) -> str:
    key = hashlib.sha256(b"motivo.mail.reply:" + settings.SECRET_KEY.encode()).digest()
    digest = hmac.new(key, f"case:{case_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:_SIGNATURE_LENGTH]


def reply_address(case_id: int) -> str:
    """The address a customer's reply to mail about `case_id` should go to."""
    local, _, domain = support_address().partition("@")
    return f"{local}+c{case_id}-{_signature(case_id)}@{domain}"


def case_id_from_address(address: str) -> int | None:
    """The case a reply address names, if its signature is valid; otherwise None."""
    match = _TOKEN.search((parseaddr(address)[1] or address).strip().lower())
    if not match:
        return None
    case_id = int(match["case"])
    if not hmac.compare_digest(match["signature"], _signature(case_id)):
        return None
    return case_id
