"""Importing contact history from another help desk or a spreadsheet (CSV).

Every valid row goes through `contact_ingest`, like any other inbound contact, so a row is
stored once however many times the file is imported: by the row's `external_id`, or by an id
derived from the file name and the row's content when the file has none. Rows that cannot
be imported are reported with the reason and written, untouched, to a rejects file.

Columns (header row, English or Spanish names, any case): received_at, channel,
customer_email, customer_phone, customer_name, subject, body, reason, external_id.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.cases.models import Case, Contact, Status
from motivo.cases.services import case_set_status
from motivo.channels.services import contact_ingest
from motivo.core.choices import Channel
from motivo.core.errors import DomainError
from motivo.customers.models import Customer, Identity
from motivo.customers.services import customer_add_identity, identity_normalise
from motivo.reasons.services import reason_get_or_create_imported

# Imported contacts with a reason that are older than this are history: their case is resolved.
HISTORIC_AFTER = dt.timedelta(days=7)
REJECTION_COLUMN = "rejection_reason"
BATCH_ROWS = 200  # rows per transaction (each row also has its own savepoint)

FIELDS = (
    "received_at",
    "channel",
    "customer_email",
    "customer_phone",
    "customer_name",
    "subject",
    "body",
    "reason",
    "external_id",
)
# Accepted header names (compared lower-case, without accents, punctuation as "_").
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "received_at": (
        "received_at", "received", "date", "datetime", "created_at", "fecha", "fecha_hora",
        "fecha_recepcion", "fecha_de_recepcion", "recibido", "recibido_el", "creado",
    ),
    "channel": ("channel", "canal", "via", "medio"),
    "customer_email": (
        "customer_email", "email", "e_mail", "mail", "correo", "correo_electronico",
        "email_cliente", "correo_cliente", "email_del_cliente", "correo_del_cliente",
    ),
    "customer_phone": (
        "customer_phone", "phone", "telephone", "phone_number", "telefono", "movil",
        "telefono_cliente", "telefono_del_cliente",
    ),
    "customer_name": (
        "customer_name", "name", "customer", "nombre", "cliente", "nombre_cliente",
        "nombre_del_cliente",
    ),
    "subject": ("subject", "title", "asunto", "titulo"),
    "body": (
        "body", "message", "text", "description", "mensaje", "texto", "cuerpo",
        "descripcion", "contenido",
    ),
    "reason": ("reason", "reason_name", "motivo", "causa"),
    "external_id": (
        "external_id", "id", "ticket", "ticket_id", "reference", "id_externo", "referencia",
    ),
}  # fmt: skip
CHANNEL_ALIASES: dict[str, str] = {
    "email": Channel.EMAIL, "e_mail": Channel.EMAIL, "mail": Channel.EMAIL,
    "correo": Channel.EMAIL, "correo_electronico": Channel.EMAIL, "correo_e": Channel.EMAIL,
    "web": Channel.WEB, "web_form": Channel.WEB, "form": Channel.WEB,
    "formulario": Channel.WEB, "formulario_web": Channel.WEB,
    "chat": Channel.CHAT, "live_chat": Channel.CHAT, "chat_web": Channel.CHAT,
    "whatsapp": Channel.CHAT,
    "phone": Channel.PHONE, "telephone": Channel.PHONE, "call": Channel.PHONE,
    "telefono": Channel.PHONE, "llamada": Channel.PHONE, "tel": Channel.PHONE,
    "portal": Channel.PORTAL, "portal_del_cliente": Channel.PORTAL,
    "self_service": Channel.PORTAL, "autoservicio": Channel.PORTAL,
}  # fmt: skip
DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
)


def _key(text: str) -> str:
    """Lower case, no accents, runs of anything else than letters and digits as "_"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_")


_HEADER_LOOKUP = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


@dataclass
class Rejection:
    line: int  # line of the file (the header is line 1)
    code: str
    message: str


@dataclass
class ImportSummary:
    source: str
    dry_run: bool = False
    rows_read: int = 0
    imported: int = 0
    already_imported: int = 0
    rejected: int = 0
    resolved: int = 0
    rejects_path: Path | None = None
    rejections: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class CsvSource:
    """A CSV file read into memory: its name, header and rows (dicts keyed by header)."""

    name: str
    fieldnames: list[str]
    rows: list[dict[str, str]]
    delimiter: str = ","
    path: Path | None = None


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (unreadable, or required columns missing)."""


def read_contacts_csv(path: Path | str) -> CsvSource:
    """Read a CSV export: UTF-8 (with or without BOM) or Windows-1252, comma, semicolon or
    tab separated (as spreadsheets in Spanish locales write them)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    fieldnames = [name or "" for name in (reader.fieldnames or [])]
    rows = [{key: (value or "") for key, value in row.items() if key is not None} for row in reader]
    return CsvSource(path.name, fieldnames, rows, delimiter, path)


def _column_map(fieldnames: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Which header column holds each field; and the columns that are not used."""
    mapping: dict[str, str] = {}
    ignored = []
    for column in fieldnames:
        name = _HEADER_LOOKUP.get(_key(column))
        if name and name not in mapping:
            mapping[name] = column
        else:
            ignored.append(column)
    missing = [name for name in ("received_at", "channel", "body") if name not in mapping]
    if "customer_email" not in mapping and "customer_phone" not in mapping:
        missing.append("customer_email / customer_phone")
    if missing:
        raise ImportFileError(
            _("The file has no column for: %(missing)s. Accepted names: %(names)s.")
            % {
                "missing": ", ".join(missing),
                "names": "; ".join(
                    f"{name} ({', '.join(HEADER_ALIASES[name][:4])})" for name in FIELDS
                ),
            },
            code="bad_header",
        )
    return mapping, ignored


class _Reject(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _Row:
    received_at: dt.datetime
    channel: str
    email: str | None
    phone: str | None
    name: str
    subject: str
    body: str
    reason: str
    external_id: str


def _parse_when(text: str, zone: ZoneInfo) -> dt.datetime:
    text = text.strip()
    when: dt.datetime | None = None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        for fmt in DATE_FORMATS:
            try:
                when = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if when is None:
        raise _Reject("bad_date", _("bad date: %(value)s") % {"value": text})
    if timezone.is_naive(when):
        when = when.replace(tzinfo=zone)
    return when


def _parse_row(values: Mapping[str, str], zone: ZoneInfo, now: dt.datetime) -> _Row:
    """Validate one row (already mapped to field names); raises _Reject."""
    email = values.get("customer_email", "").strip()
    phone = values.get("customer_phone", "").strip()
    if not email and not phone:
        raise _Reject("missing_identity", _("missing customer identity (email or phone)"))
    if email:
        try:
            validate_email(email)
            email = identity_normalise(kind=Identity.Kind.EMAIL, value=email)
        except (ValidationError, DomainError) as exc:
            raise _Reject(
                "bad_email", _("bad email address: %(value)s") % {"value": email}
            ) from exc
    if phone:
        try:
            phone = identity_normalise(kind=Identity.Kind.PHONE, value=phone)
        except DomainError as exc:
            raise _Reject("bad_phone", _("bad phone number: %(value)s") % {"value": phone}) from exc
    raw_when = values.get("received_at", "").strip()
    if not raw_when:
        raise _Reject("missing_date", _("missing date"))
    received_at = _parse_when(raw_when, zone)
    if received_at > now + dt.timedelta(days=1):
        raise _Reject("future_date", _("date in the future: %(value)s") % {"value": raw_when})
    raw_channel = values.get("channel", "").strip()
    if not raw_channel:
        raise _Reject("missing_channel", _("missing channel"))
    channel = CHANNEL_ALIASES.get(_key(raw_channel))
    if channel is None:
        raise _Reject("unknown_channel", _("unknown channel: %(value)s") % {"value": raw_channel})
    body = values.get("body", "").strip()
    if not body:
        raise _Reject("empty_body", _("empty body"))
    external_id = values.get("external_id", "").strip()
    if len(external_id) > 200:
        raise _Reject("bad_external_id", _("external_id is longer than 200 characters"))
    return _Row(
        received_at=received_at,
        channel=channel,
        email=email or None,
        phone=phone or None,
        name=values.get("customer_name", "").strip(),
        subject=values.get("subject", "").strip(),
        body=body,
        reason=values.get("reason", "").strip()[:150],
        external_id=external_id,
    )


def _derived_external_id(source: str, values: Mapping[str, str], occurrence: int) -> str:
    """A stable id for a row without one: the file name and the row's content (and, for
    identical rows in one file, which copy it is)."""
    content = "\x1f".join(values.get(name, "").strip() for name in FIELDS[:-1])
    digest = hashlib.sha256(f"{source}\x1e{content}\x1e{occurrence}".encode()).hexdigest()
    return f"import:{digest[:40]}"


def _store(row: _Row, now: dt.datetime) -> tuple[bool, bool]:
    """Ingest one valid row; returns (created, resolved)."""
    reason = reason_get_or_create_imported(name=row.reason) if row.reason else None
    result = contact_ingest(
        channel=row.channel,
        subject=row.subject,
        body=row.body,
        name=row.name,
        email=row.email,
        phone=None if row.email else row.phone,
        external_id=row.external_id,
        received_at=row.received_at,
        reason=reason,
    )
    if not result.created:
        return False, False
    if row.email and row.phone:
        customer = Customer.objects.get(pk=result.customer_id)
        try:
            with transaction.atomic():
                customer_add_identity(customer=customer, kind=Identity.Kind.PHONE, value=row.phone)
        except DomainError:
            pass  # the number belongs to another customer: keep the contact, skip the number
    if reason is not None and row.received_at < now - HISTORIC_AFTER:
        case = Case.objects.get(pk=result.case_id)
        case_set_status(case=case, actor=None, status=Status.RESOLVED)
        return True, True
    return True, False


class _RejectsWriter:
    def __init__(self, path: Path, fieldnames: list[str], delimiter: str) -> None:
        self.path = path
        self.fieldnames = [*fieldnames, REJECTION_COLUMN]
        self.delimiter = delimiter
        self._file: io.TextIOWrapper | None = None
        self._writer: csv.DictWriter | None = None

    def write(self, row: Mapping[str, str], message: str) -> None:
        if self._writer is None:
            self._file = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.DictWriter(
                self._file, self.fieldnames, delimiter=self.delimiter, extrasaction="ignore"
            )
            self._writer.writeheader()
        self._writer.writerow({**row, REJECTION_COLUMN: message})

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def contacts_import(
    source: CsvSource | Path | str | Iterable[Mapping[str, str]],
    *,
    source_name: str | None = None,
    rejects_path: Path | str | None = None,
    dry_run: bool = False,
    progress: Callable[[], None] | None = None,
    now: dt.datetime | None = None,
) -> ImportSummary:
    """Import contacts from a CSV file (path or `CsvSource`) or from rows (mappings keyed by
    header names). Rejected rows go to `rejects_path` (for files, `<name>.rejects.csv` beside
    them by default). With `dry_run` nothing is written to the database; the summary tells
    what an import would do. Raises ImportFileError when the header lacks required columns."""
    if isinstance(source, str | Path):
        source = read_contacts_csv(source)
    if isinstance(source, CsvSource):
        csv_source = source
    else:
        rows = [dict(row) for row in source]
        fieldnames: list[str] = []
        for row in rows:
            fieldnames += [key for key in row if key not in fieldnames]
        csv_source = CsvSource(source_name or "rows", fieldnames, rows)
    name = source_name or csv_source.name
    if rejects_path is None and csv_source.path is not None:
        rejects_path = csv_source.path.with_suffix(".rejects.csv")
    rejects_path = Path(rejects_path) if rejects_path is not None else None
    if (
        rejects_path is not None
        and csv_source.path is not None
        and rejects_path.resolve() == csv_source.path.resolve()
    ):
        raise ImportFileError(_("The rejects file cannot be the file being imported."))

    mapping, ignored = _column_map(csv_source.fieldnames)
    summary = ImportSummary(source=name, dry_run=dry_run, ignored_columns=ignored)
    zone = ZoneInfo(settings.TIME_ZONE)
    now = now or timezone.now()
    rejects = (
        _RejectsWriter(rejects_path, csv_source.fieldnames, csv_source.delimiter)
        if rejects_path is not None
        else None
    )
    seen: Counter[str] = Counter()

    def reject(line: int, raw: Mapping[str, str], code: str, message: str) -> None:
        summary.rejected += 1
        summary.rejections.append(Rejection(line, code, message))
        if rejects is not None:
            rejects.write(raw, message)

    try:
        rows = csv_source.rows
        for start in range(0, len(rows), BATCH_ROWS):
            with transaction.atomic():
                for offset, raw in enumerate(rows[start : start + BATCH_ROWS]):
                    line = start + offset + 2
                    summary.rows_read += 1
                    values = {field: raw.get(column, "") or "" for field, column in mapping.items()}
                    try:
                        row = _parse_row(values, zone, now)
                    except _Reject as exc:
                        reject(line, raw, exc.code, exc.message)
                    else:
                        if not row.external_id:
                            key = "\x1f".join(values.get(f, "").strip() for f in FIELDS[:-1])
                            seen[key] += 1
                            row.external_id = _derived_external_id(name, values, seen[key])
                        if Contact.objects.filter(external_id=row.external_id).exists():
                            summary.already_imported += 1
                        elif dry_run:
                            summary.imported += 1
                        else:
                            try:
                                with transaction.atomic():
                                    created, resolved = _store(row, now)
                            except DomainError as exc:
                                reject(line, raw, exc.code or "invalid", exc.message)
                            else:
                                summary.imported += created
                                summary.already_imported += not created
                                summary.resolved += resolved
                    if progress is not None:
                        progress()
    finally:
        if rejects is not None:
            rejects.close()
    if rejects is not None and summary.rejected:
        summary.rejects_path = rejects.path
    return summary
