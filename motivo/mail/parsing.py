"""Turn the raw bytes of an e-mail into what the pipeline needs, without ever crashing on
bad input: headers decoded (encoded words, 8-bit bytes), the text and HTML bodies decoded
from any charset Python knows (and from mislabelled ones), attachments and inline images
with their RFC 2231 / encoded-word file names, and the automated-mail verdict.

Parsing uses the standard library's modern API (`BytesParser(policy=policy.default)`) for
the MIME structure; headers are read from their raw form and decoded here, because 8-bit
bytes and broken encoded words are common and must not lose characters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from motivo.mail.htmltext import html_to_text
from motivo.mail.quoting import is_forward, split_html, split_text

_PARSER = BytesParser(policy=policy.default)
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
_ID_IN_BRACKETS = re.compile(r"<([^<>\s]+)>")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
_FILENAME_BAD = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_LATIN_LABELS = {"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"}
_KNOWN_MAINTYPES = {
    "text", "image", "audio", "video", "application", "message", "font", "model", "multipart",
}  # fmt: skip
_AUTOMATED_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}
OLDEST_SANE_DATE = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str = ""

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class ParsedEmail:
    message_id: str = ""
    from_address: str = ""
    from_name: str = ""
    recipients: list[str] = field(default_factory=list)  # To, Cc, Delivered-To, X-Original-To
    subject: str = ""
    date: dt.datetime | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    text: str = ""  # the whole plain text (quoted history and signature included)
    html: str = ""  # the whole HTML as sent (unsanitised: never shown as is)
    body: str = ""  # the new part of the text: quoted history and signature folded away
    quoted: str = ""  # what was folded away
    body_html: str = ""  # the new part of the HTML (unsanitised; the case services clean it)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    automated: str = ""  # why this is an auto-reply / bounce / list mail, or ""
    bounce_of: str = ""  # a failed-delivery report: the Message-ID of the mail that bounced
    bounce_error: str = ""  # and why ("5.1.1 user unknown")
    defects: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Before parsing: what the store needs
# --------------------------------------------------------------------------------------------


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def quick_message_id(raw: bytes) -> str:
    """The Message-ID from the header block of `raw`, found without parsing the message (the
    raw bytes are stored before anything parses them). "" when there is none."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        end = raw.find(b"\n\n")
    head = raw if end < 0 else raw[:end]
    match = _MESSAGE_ID.search(head)
    if not match:
        return ""
    value = _to_text(match.group(1))
    ids = message_ids(value)
    return ids[0] if ids else decode_header_value(value)[:255]


def message_ids(value: str) -> list[str]:
    """The ids in a Message-ID / In-Reply-To / References value, without angle brackets."""
    found = _ID_IN_BRACKETS.findall(value or "")
    if not found and value and value.strip() and " " not in value.strip():
        found = [value.strip().strip("<>")]
    return [item[:255] for item in found if item]


# --------------------------------------------------------------------------------------------
# Decoding helpers
# --------------------------------------------------------------------------------------------


def _to_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes of a text part in its declared charset; a wrong or unknown label falls back to
    UTF-8, then Windows-1252 with replacement characters. Never raises."""
    label = (charset or "").strip().strip('"').lower()
    if label in _LATIN_LABELS or not label:
        # Often mislabelled: UTF-8 bytes that decode cleanly are UTF-8.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")
    try:
        return data.decode(label)
    except (LookupError, UnicodeDecodeError, ValueError):
        pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _fix_surrogates(value: str) -> str:
    """Header text parsed from 8-bit bytes carries them as surrogate escapes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return _to_text(value.encode("utf-8", "surrogateescape"))


def decode_header_value(value: str) -> str:
    """A raw header value as text: unfolded, 8-bit bytes decoded, encoded words decoded."""
    value = _fix_surrogates(value or "")
    value = re.sub(r"\r?\n[ \t]+", " ", value).replace("\r", "").replace("\n", " ")
    if "=?" in value:
        try:
            value = str(make_header(decode_header(value)))
        except Exception:  # a broken encoded word: decode each word that can be decoded
            value = _ENCODED_WORD.sub(_decode_word, _BETWEEN_WORDS.sub(r"\1\2", value))
    return value.replace("\x00", "").strip()


def _decode_word(match: re.Match[str]) -> str:
    try:
        return "".join(
            decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
            for chunk, charset in decode_header(match.group(0))
        )
    except Exception:  # left as it came
        return match.group(0)


class _Headers:
    """Raw headers of one message, decoded on demand (first or all values by name)."""

    def __init__(self, msg: Message) -> None:
        self._items: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            self._items.setdefault(name.lower(), []).append(str(value))

    def first(self, name: str) -> str:
        values = self._items.get(name.lower())
        return decode_header_value(values[0]) if values else ""

    def all(self, name: str) -> list[str]:
        return [decode_header_value(v) for v in self._items.get(name.lower(), [])]

    def has(self, name: str) -> bool:
        return name.lower() in self._items


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    try:
        pairs = getaddresses(values)
    except Exception:  # odd input trips getaddresses in some versions
        pairs = [parseaddr(v) for v in values]
    return [(name, addr.strip()) for name, addr in pairs if "@" in (addr or "")]


def _sane_date(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = dt.datetime.now(dt.UTC)
    if when < OLDEST_SANE_DATE or when > now + dt.timedelta(days=1):
        return None
    return when


def base_address(address: str) -> str:
    """local+tag@domain → local@domain (our reply addresses carry a +c<case> tag)."""
    local, _at, domain = address.lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _safe_filename(name: str, fallback: str) -> str:
    name = _fix_surrogates(name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _FILENAME_BAD.sub("_", name).strip(" .")
    return (name or fallback)[:200]


_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "message/rfc822": ".eml",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
}


# --------------------------------------------------------------------------------------------
# The message
# --------------------------------------------------------------------------------------------


def automated_reason(headers: _Headers, content_type: str, from_address: str) -> str:
    """Why this mail was sent by a machine (auto-reply, bounce, list), or ""."""
    auto = headers.first("Auto-Submitted").lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto}"[:255]
    precedence = headers.first("Precedence").lower().strip()
    if precedence in _AUTOMATED_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if headers.has(name):
            return f"{name}: {headers.first(name)}"[:255]
    if precedence and (headers.has("List-Id") or headers.has("List-Unsubscribe")):
        return f"mailing list (Precedence: {precedence})"[:255]
    if content_type == "multipart/report":
        return "delivery report (multipart/report)"
    local = from_address.split("@", 1)[0].lower()
    if local in _BOUNCE_SENDERS:
        return f"bounce (from {local})"
    if headers.first("Return-Path").replace(" ", "") == "<>":
        return "bounce (Return-Path: <>)"
    return ""


def _header_object(part: Message, name: str) -> object | None:
    try:
        return part.get(name)
    except Exception:  # a header the policy cannot parse
        return None


def _part_info(part: Message) -> tuple[str, str, str, str | None]:
    """(content type, disposition, file name, charset) of one part. Each header is parsed
    once (the Message getters would parse Content-Type again for every question)."""
    ct = _header_object(part, "content-type")
    params = getattr(ct, "params", {}) if ct is not None else {}
    if ct is None:
        ctype = part.get_default_type()
    else:
        ctype = str(getattr(ct, "content_type", "") or "").lower()
        if ctype.count("/") != 1:
            ctype = "text/plain"
    cd = _header_object(part, "content-disposition")
    disposition = str(getattr(cd, "content_disposition", "") or "").lower() if cd else ""
    cd_params = getattr(cd, "params", {}) if cd is not None else {}
    filename = str(cd_params.get("filename") or params.get("name") or "").strip()
    charset = params.get("charset")
    return ctype, disposition, filename, str(charset) if charset else None


def _walk(part: Message, out: ParsedEmail, texts: list[str], htmls: list[str]) -> None:
    ctype, disposition, filename, charset = _part_info(part)
    if ctype == "message/rfc822":
        _attach_message(part, out)
        return
    if part.is_multipart():
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            _walk(sub, out, texts, htmls)
        return
    if ctype.split("/", 1)[0] not in _KNOWN_MAINTYPES or ctype.startswith("multipart/"):
        # A nonsense Content-Type, or a multipart without a boundary: read it as text.
        ctype = "text/plain"
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        data = part.get_payload(decode=True) or b""
        text = decode_bytes(data, charset)
        (texts if ctype == "text/plain" else htmls).append(text)
        return
    data = part.get_payload(decode=True)
    if data is None:
        data = b""
    content_id = str(_header_object(part, "content-id") or "").strip().strip("<>")
    fallback = f"attachment-{len(out.attachments) + 1}{_EXTENSIONS.get(ctype, '.bin')}"
    out.attachments.append(
        ParsedAttachment(
            filename=_safe_filename(decode_header_value(filename), fallback),
            content_type=ctype[:100],
            data=data,
            inline=disposition == "inline" or (bool(content_id) and disposition != "attachment"),
            content_id=content_id[:255],
        )
    )


def _attach_message(part: Message, out: ParsedEmail) -> None:
    """A forwarded message (message/rfc822) is kept whole as a .eml attachment."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    data = b""
    subject = ""
    if isinstance(inner, Message):
        subject = _Headers(inner).first("Subject")
        try:
            data = inner.as_bytes()
        except Exception:  # regenerating odd headers can fail
            data = inner.as_string().encode("utf-8", "replace")
    else:
        raw = part.get_payload(decode=True)
        data = raw if isinstance(raw, bytes) else b""
    name = _safe_filename(subject, "forwarded") if subject else "forwarded"
    if not name.lower().endswith(".eml"):
        name = name[:195] + ".eml"
    out.attachments.append(ParsedAttachment(name, "message/rfc822", data))


def delivery_failure(msg: EmailMessage) -> tuple[str, str]:
    """(Message-ID of the returned mail, error) from a delivery status notification
    (RFC 3464) that reports a permanent failure; ("", "") for anything else (a delay, a
    report without the original headers)."""
    failed, error, original = False, "", ""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            for block in part.get_payload() if part.is_multipart() else []:
                if str(block.get("Action", "")).strip().lower() == "failed":
                    failed = True
                    status = str(block.get("Status", "")).strip()
                    diagnostic = str(block.get("Diagnostic-Code", "")).partition(";")[2].strip()
                    error = error or " ".join(filter(None, [status, diagnostic]))
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            if part.is_multipart():  # message/rfc822: the returned message itself
                inner = part.get_payload()[0]
                original = original or (message_ids(str(inner.get("Message-ID", ""))) or [""])[0]
            else:
                headers = _PARSER.parsebytes(part.get_payload(decode=True) or b"")
                original = original or (message_ids(str(headers.get("Message-ID", ""))) or [""])[0]
    if not failed or not original:
        return "", ""
    return original, (error or "delivery failed")[:500]


def parse_email(
    raw: bytes, *, support_addresses: frozenset[str] = frozenset(), whole: bool = False
) -> ParsedEmail:
    """Everything the pipeline needs from one raw message. The body of automated mail is
    not read unless `whole` (the page that shows a message asks for it)."""
    msg = _PARSER.parsebytes(raw)
    headers = _Headers(msg)
    out = ParsedEmail()
    out.defects = [type(d).__name__ for d in getattr(msg, "defects", [])]
    out.message_id = (message_ids(headers.first("Message-ID")) or [""])[0]
    senders = (
        _addresses(headers.all("From"))
        or _addresses(headers.all("Sender"))
        or _addresses(headers.all("Reply-To"))
    )
    if senders:
        out.from_name, out.from_address = senders[0]
        out.from_address = out.from_address.lower()
    recipients: list[str] = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        recipients += [addr.lower() for _n, addr in _addresses(headers.all(name))]
    out.recipients = recipients
    out.subject = headers.first("Subject")[:255]
    out.date = _sane_date(headers.first("Date"))
    out.in_reply_to = message_ids(headers.first("In-Reply-To"))
    out.references = message_ids(" ".join(headers.all("References")))
    ctype = _part_info(msg)[0]
    out.automated = automated_reason(headers, ctype, out.from_address)
    if not out.automated and base_address(out.from_address) in {
        base_address(a) for a in support_addresses
    }:
        out.automated = "loop: sent from our own address"
    if out.automated:
        if ctype == "multipart/report":
            out.bounce_of, out.bounce_error = delivery_failure(msg)
        if not whole:
            return out  # nothing of the body is needed for mail we ignore

    texts: list[str] = []
    htmls: list[str] = []
    _walk(msg, out, texts, htmls)
    out.text = "\n\n".join(t.strip("\n") for t in texts if t.strip()).replace("\x00", "")
    out.text = out.text.replace("\r\n", "\n").replace("\r", "\n")
    out.html = "\n".join(h for h in htmls if h.strip()).replace("\x00", "")
    forward = is_forward(out.subject)
    html_quoted = ""
    if out.html:
        out.body_html, html_quoted = split_html(out.html, forward=forward)
    if out.text:
        out.body, out.quoted = split_text(out.text, forward=forward)
        if not out.quoted and html_quoted:
            out.quoted = html_to_text(html_quoted)
    elif out.html:  # HTML only: the text is made from the HTML's parts
        out.text = html_to_text(out.html)
        out.body, out.quoted = split_text(html_to_text(out.body_html), forward=forward)
        if html_quoted:
            out.quoted = "\n\n".join(filter(None, [out.quoted, html_to_text(html_quoted)]))
    if not out.body and not out.text and out.attachments:
        forwarded = [a for a in out.attachments if a.content_type == "message/rfc822"]
        if forwarded:
            inner = parse_email(forwarded[0].data)
            out.body = inner.body or inner.text
    return out
