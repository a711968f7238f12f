"""IMAP polling: fetch new mail of a `Mailbox` by UID and hand each message to the pipeline.

The folder is opened read-only (EXAMINE) and bodies are fetched with BODY.PEEK, so polling
changes nothing on the server. The mailbox remembers the folder's UIDVALIDITY and the last
UID taken; when the server changes UIDVALIDITY (the folder was rebuilt), the poller starts
again from the first message and the Message-ID check keeps what was already stored from
being stored twice. `last_uid` moves forward after each message is stored, so a crash
resumes at the first message not yet stored.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import re
import ssl
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.core.errors import DomainError
from motivo.mail.models import InboundEmail, Mailbox
from motivo.mail.services import inbound_email_receive

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60
BATCH = 500  # messages per poll at most; the next poll takes the rest
_FETCH_ITEM = re.compile(rb"UID (\d+)")
_SIZE_ITEM = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass
class PollResult:
    mailbox: str
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    skipped: int = 0
    error: str = ""


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    password = os.environ.get(mailbox.password_env or "", "")
    if not password:
        raise DomainError(
            _("The environment variable %(name)s that should hold the password is not set.")
            % {"name": mailbox.password_env or "?"},
            field="password_env",
        )
    if mailbox.security == Mailbox.Security.SSL:
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(),
            timeout=TIMEOUT_SECONDS,
        )  # fmt: skip
    else:
        conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)
        if mailbox.security == Mailbox.Security.STARTTLS:
            conn.starttls(ssl_context=ssl.create_default_context())
    try:
        conn.login(mailbox.username, password)
    except Exception:
        conn.shutdown()
        raise
    return conn


def _check(response: tuple[str, list], what: str) -> list:
    typ, data = response
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
        raise imaplib.IMAP4.error(f"{what} failed: {detail}")
    return data


def _new_uids(conn: imaplib.IMAP4, after: int) -> list[tuple[int, int]]:
    """(uid, size) of the messages with a UID above `after`, in UID order."""
    data = _check(conn.uid("FETCH", f"{after + 1}:*", "(UID RFC822.SIZE)"), "UID FETCH")
    found = []
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        if not isinstance(line, bytes):
            continue
        uid, size = _FETCH_ITEM.search(line), _SIZE_ITEM.search(line)
        if uid and int(uid.group(1)) > after:  # "n:*" also answers the last message
            found.append((int(uid.group(1)), int(size.group(1)) if size else 0))
    return sorted(set(found))


def _fetch(conn: imaplib.IMAP4, uid: int) -> bytes:
    data = _check(conn.uid("FETCH", str(uid), "(BODY.PEEK[])"), "UID FETCH BODY")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    raise imaplib.IMAP4.error(f"UID {uid}: no message body in the answer")


def mailbox_poll(*, mailbox: Mailbox, limit: int = BATCH) -> PollResult:
    """Take the new messages of one mailbox. Errors are recorded on the mailbox (shown on the
    quarantine page) and returned, not raised."""
    from django.conf import settings

    result = PollResult(mailbox=mailbox.name)
    started = timezone.now()
    conn = None
    try:
        conn = _connect(mailbox)
        _check(conn.select(_quote(mailbox.folder or "INBOX"), readonly=True), "SELECT")
        _code, values = conn.response("UIDVALIDITY")
        if not values or values[0] is None:
            raise imaplib.IMAP4.error("the server sent no UIDVALIDITY")
        uidvalidity = int(values[0])
        if mailbox.uidvalidity != uidvalidity:
            if mailbox.uidvalidity is not None:
                logger.warning(
                    "mailbox %s: UIDVALIDITY changed %s -> %s, reading the folder again",
                    mailbox.name, mailbox.uidvalidity, uidvalidity,
                )  # fmt: skip
            mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
            Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)
        max_bytes = settings.MOTIVO_MAIL_MAX_MESSAGE_BYTES
        for uid, size in _new_uids(conn, mailbox.last_uid)[:limit]:
            if size > max_bytes:
                result.skipped += 1
                result.error = _(
                    "UID %(uid)d is larger than the message size limit; left on the server."
                ) % {"uid": uid}
            else:
                raw = _fetch(conn, uid)
                result.fetched += 1
                try:
                    delivery = inbound_email_receive(
                        raw=raw, transport=InboundEmail.Transport.IMAP, mailbox=mailbox
                    )
                except DomainError as exc:
                    # This message can never be stored (empty, or over the limit when the
                    # server did not tell its size): left on the server, reported, and
                    # the poll goes on instead of stopping at it every time.
                    result.skipped += 1
                    result.error = _("UID %(uid)d was left on the server: %(error)s") % {
                        "uid": uid,
                        "error": exc.message,
                    }
                else:
                    if delivery.created:
                        result.stored += 1
                    else:
                        result.duplicates += 1
            mailbox.last_uid = uid
            Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=uid)
    except (OSError, imaplib.IMAP4.error, DomainError, ValueError, IndexError) as exc:
        message = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        result.error = message
        logger.warning("mailbox %s: %s", mailbox.name, message)
    except Exception as exc:  # e.g. the database went away: this UID is taken next poll
        result.error = f"{type(exc).__name__}: {exc}"
        logger.exception("mailbox %s: could not store a message", mailbox.name)
    finally:
        if conn is not None:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                conn.logout()
    now = timezone.now()
    mailbox.last_poll_at, mailbox.last_error = started, result.error
    fields = {"last_poll_at": started, "last_error": result.error}
    if not result.error:
        mailbox.last_success_at = fields["last_success_at"] = now
    Mailbox.objects.filter(pk=mailbox.pk).update(**fields)
    return result


def mailboxes_poll(*, name: str | None = None) -> list[PollResult]:
    """Poll every active mailbox once (or the one named)."""
    boxes = Mailbox.objects.filter(active=True)
    if name:
        boxes = Mailbox.objects.filter(name=name)
    return [mailbox_poll(mailbox=box) for box in boxes.order_by("name")]
