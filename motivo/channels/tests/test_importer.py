"""Importing contact history from CSV files."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone, translation

from motivo.cases.models import Case, Contact, Status
from motivo.channels import importer
from motivo.channels.importer import ImportFileError, contacts_import
from motivo.core.errors import DomainError
from motivo.customers.models import Customer, Identity
from motivo.insights.models import ReasonDayCount
from motivo.reasons.models import Reason

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)

ENGLISH = [
    "received_at,channel,customer_email,customer_phone,customer_name,subject,body,reason,external_id",
    "2026-01-10T09:30:00+01:00,email,Ana@Example.com,,Ana Pérez,Late order,Where is my order?,"
    "¿Dónde está mi pedido?,zd-1",
    "2026-02-28 17:05,chat,,+34 600 111 222,Luis,,The app does not let me in,,zd-2",
]
SPANISH = [
    "Fecha;Canal;Correo;Teléfono;Nombre;Asunto;Mensaje;Motivo;Columna extra",
    "05/01/2026 10:15;Correo;marta@example.com;;Marta;Cobro;Me habéis cobrado dos veces;"
    "Cobro duplicado en tarjeta;x",
    "06/01/2026;teléfono;;600 333 444;Pedro;;Llama para cambiar la dirección;;y",
    "07/01/2026 08:00;Web;pedro@example.com;;;;Quiero una factura;;z",
]


def write(tmp_path: Path, lines: list[str], name: str = "history.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_imports_good_rows_through_ingest(db, tmp_path, reason):
    summary = contacts_import(write(tmp_path, ENGLISH), now=NOW)

    assert (summary.rows_read, summary.imported, summary.rejected) == (2, 2, 0)
    assert summary.rejects_path is None
    first = Contact.objects.get(external_id="zd-1")
    assert first.channel == "email"
    assert first.reason == reason
    assert first.received_at == dt.datetime(2026, 1, 10, 8, 30, tzinfo=dt.UTC)
    assert first.customer.name == "Ana Pérez"
    assert Identity.objects.filter(kind="email", value="ana@example.com").exists()
    # An old contact with a reason is history: its case is resolved (and counted).
    assert first.case.status == Status.RESOLVED
    assert summary.resolved == 1
    assert ReasonDayCount.objects.get(reason=reason).count == 1
    second = Contact.objects.get(external_id="zd-2")
    assert second.channel == "chat"
    assert second.reason is None
    assert second.case.status == Status.NEW  # no reason: left for an agent to classify
    assert second.case.subject == "The app does not let me in"
    assert Identity.objects.filter(kind="phone", value="+34600111222").exists()


def test_spanish_headers_semicolons_and_day_first_dates(db, tmp_path):
    summary = contacts_import(write(tmp_path, SPANISH), now=NOW)

    assert (summary.imported, summary.rejected) == (3, 0)
    assert summary.ignored_columns == ["Columna extra"]
    marta = Contact.objects.get(customer__identities__value="marta@example.com")
    assert marta.channel == "email"
    local = timezone.localtime(marta.received_at)
    assert (local.date(), local.hour, local.minute) == (dt.date(2026, 1, 5), 10, 15)
    phone = Contact.objects.get(customer__identities__value="+34600333444")  # E.164
    assert phone.channel == "phone"
    assert Contact.objects.get(customer__identities__value="pedro@example.com").channel == "web"


def test_unknown_reason_is_created_under_imported(db, tmp_path):
    contacts_import(write(tmp_path, SPANISH), now=NOW)

    reason = Reason.objects.get(name="Cobro duplicado en tarjeta")
    assert reason.category.name == "Imported"
    assert Contact.objects.get(reason=reason).case.status == Status.RESOLVED


def test_rejected_rows_go_to_the_rejects_file_with_the_problem(db, tmp_path):
    lines = [
        "received_at,channel,customer_email,customer_phone,body,notes",
        "2026-01-01,email,,,No identity,a",
        "yesterday,email,a@example.com,,Bad date,b",
        "2026-01-01,fax,a@example.com,,Unknown channel,c",
        "2026-01-01,email,a@example.com,,,d",
        "2026-01-01,email,not-an-email,,Bad email,e",
        "2026-01-01,phone,,12,Bad phone,f",
        "2099-01-01,email,a@example.com,,From the future,g",
        "2026-01-01,email,ok@example.com,,Fine,h",
    ]
    path = write(tmp_path, lines)
    with translation.override("en"):
        summary = contacts_import(path, now=NOW)

    assert (summary.rows_read, summary.imported, summary.rejected) == (8, 1, 7)
    assert [r.code for r in summary.rejections] == [
        "missing_identity",
        "bad_date",
        "unknown_channel",
        "empty_body",
        "bad_email",
        "bad_phone",
        "future_date",
    ]
    assert [r.line for r in summary.rejections] == [2, 3, 4, 5, 6, 7, 8]
    assert summary.rejects_path == tmp_path / "history.rejects.csv"
    with summary.rejects_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "received_at",
        "channel",
        "customer_email",
        "customer_phone",
        "body",
        "notes",
        "rejection_reason",
    ]
    assert [row["notes"] for row in rows] == list("abcdefg")
    assert rows[0]["rejection_reason"] == "missing customer identity (email or phone)"
    assert rows[1]["rejection_reason"] == "bad date: yesterday"
    assert rows[2]["rejection_reason"] == "unknown channel: fax"
    assert rows[3]["rejection_reason"] == "empty body"
    assert rows[4]["rejection_reason"] == "bad email address: not-an-email"
    assert Contact.objects.count() == 1


def test_reimporting_the_same_file_creates_nothing_twice(db, tmp_path):
    spanish = write(tmp_path, SPANISH)  # no external ids: derived from file and content
    english = write(tmp_path, ENGLISH, name="zendesk.csv")
    contacts_import(spanish, now=NOW)
    contacts_import(english, now=NOW)
    counts = (Contact.objects.count(), Case.objects.count(), Customer.objects.count())

    again = contacts_import(spanish, now=NOW)
    again_english = contacts_import(english, now=NOW)

    assert (again.imported, again.already_imported) == (0, 3)
    assert (again_english.imported, again_english.already_imported) == (0, 2)
    assert (Contact.objects.count(), Case.objects.count(), Customer.objects.count()) == counts


def test_identical_rows_in_one_file_are_both_kept(db, tmp_path):
    row = "2026-02-01 10:00,email,dup@example.com,,Hola"
    path = write(tmp_path, ["received_at,channel,customer_email,customer_phone,body", row, row])

    assert contacts_import(path, now=NOW).imported == 2
    assert contacts_import(path, now=NOW).already_imported == 2
    assert Contact.objects.count() == 2


def test_bad_email_row_writes_nothing(db, tmp_path):
    lines = [
        "received_at,channel,customer_email,customer_name,body,reason",
        "2026-01-01,email,maria@@example,María,Hola,Un motivo nuevo",
    ]
    summary = contacts_import(write(tmp_path, lines), now=NOW)

    assert summary.rejected == 1
    assert not Customer.objects.exists()
    assert not Reason.objects.exists()
    assert not Contact.objects.exists()


def test_a_row_failing_inside_the_services_leaves_no_partial_writes(db, tmp_path, monkeypatch):
    real_ingest = importer.contact_ingest

    def ingest_then_fail(**kwargs):
        real_ingest(**kwargs)
        raise DomainError("refused after writing", code="refused")

    monkeypatch.setattr(importer, "contact_ingest", ingest_then_fail)
    lines = [
        "received_at,channel,customer_email,body,reason",
        "2026-01-01,email,late@example.com,Hola,Un motivo nuevo",
    ]
    summary = contacts_import(write(tmp_path, lines), now=NOW)

    assert [r.code for r in summary.rejections] == ["refused"]
    assert not Reason.objects.exists()
    assert not Customer.objects.exists()
    assert not Contact.objects.exists()
    assert not ReasonDayCount.objects.exists()


def test_dry_run_writes_nothing_but_reports(db, tmp_path):
    summary = contacts_import(write(tmp_path, SPANISH), dry_run=True, now=NOW)

    assert (summary.imported, summary.rejected, summary.dry_run) == (3, 0, True)
    assert not Contact.objects.exists()
    assert not Reason.objects.exists()


def test_rows_from_an_iterable(db):
    rows = [
        {"Fecha": "2026-02-27 09:00", "Canal": "chat", "Correo": "c@example.com", "Mensaje": "Hola"}
    ]
    summary = contacts_import(rows, source_name="crm-export", now=NOW)

    assert summary.imported == 1
    assert Contact.objects.get().external_id.startswith("import:")


def test_missing_required_columns_refuse_the_file(db, tmp_path):
    path = write(tmp_path, ["fecha,asunto", "2026-01-01,Hola"])

    with pytest.raises(ImportFileError) as error:
        contacts_import(path, now=NOW)
    assert error.value.code == "bad_header"
