"""Reading business volumes from a CSV file (the page upload and `motivo import volumes`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from motivo.core.errors import DomainError
from motivo.insights.services import VolumeInput, VolumeUpsertResult, volumes_upsert

MAX_BYTES = 5 * 1024 * 1024
MAX_PROBLEMS = 10
# English and Spanish headers, any case.
HEADERS = {
    "kind": "kind",
    "tipo": "kind",
    "date": "date",
    "fecha": "date",
    "value": "value",
    "valor": "value",
    "period": "period",
    "periodo": "period",
    "label": "label",
    "etiqueta": "label",
}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


@dataclass(frozen=True)
class VolumeFile:
    items: list[VolumeInput]
    lines: list[int]  # the file line of each item


def _number(text: str) -> str:
    """'1234.5', '1234,5', '1.234,5' and '1,234.5' all read as 1234.5: the last of '.'
    and ',' is the decimal separator when both appear."""
    text = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:
        decimal = "," if text.rindex(",") > text.rindex(".") else "."
        thousands = "." if decimal == "," else ","
        text = text.replace(thousands, "")
    return text.replace(",", ".")


def _date(text: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def read_volumes_csv(data: bytes) -> VolumeFile:
    """Parse a CSV of volumes: columns kind, date, value (and optionally period, label),
    comma- or semicolon-separated, UTF-8 (with or without BOM). Every problem found is
    reported at once with its line, and nothing is returned then."""
    if len(data) > MAX_BYTES:
        raise DomainError(_("The file is larger than 5 MB."), field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("The file is not UTF-8 text."), field="file") from None
    if not text.strip():
        raise DomainError(_("The file is empty."), field="file")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [HEADERS.get(name.strip().lower(), "") for name in next(reader)]
    missing = [name for name in ("kind", "date", "value") if name not in header]
    if missing:
        raise DomainError(
            _("The file needs the columns kind, date and value; missing: %(names)s.")
            % {"names": ", ".join(missing)},
            field="file",
        )
    problems: list[str] = []
    items: list[VolumeInput] = []
    lines: list[int] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: cell for name, cell in zip(header, row, strict=False) if name}
        day = _date(cells.get("date", ""))
        if day is None:
            problems.append(_("line %(line)s: date: give it as YYYY-MM-DD.") % {"line": line})
            continue
        items.append(
            VolumeInput(
                kind=cells.get("kind", ""),
                date=day,
                value=_number(cells.get("value", "")),  # type: ignore[arg-type]
                period=cells.get("period") or None,
                label=cells.get("label") or None,
            )
        )
        lines.append(line)
    if problems:
        raise DomainError(_problems(problems), field="file")
    if not items:
        raise DomainError(_("The file has no values."), field="file")
    return VolumeFile(items=items, lines=lines)


def _problems(problems: list[str]) -> str:
    text = "; ".join(problems[:MAX_PROBLEMS])
    if len(problems) > MAX_PROBLEMS:
        text += " " + _("… and %(n)s more.") % {"n": len(problems) - MAX_PROBLEMS}
    return text


def volumes_import(data: bytes) -> VolumeUpsertResult:
    """Read the file and store its values (all or nothing). A refused value is reported
    with its file line."""
    source = read_volumes_csv(data)
    try:
        return volumes_upsert(items=source.items)
    except DomainError as exc:
        if exc.field and exc.field.split(".")[0].isdigit():
            index, _dot, name = exc.field.partition(".")
            line = source.lines[int(index)]
            raise DomainError(
                _("line %(line)s: %(field)s: %(message)s")
                % {"line": line, "field": name, "message": exc.message},
                field="file",
            ) from None
        raise
