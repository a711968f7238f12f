"""Business volumes: POST /api/v1/volumes, the CSV upload page and `motivo import volumes`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from motivo.accounts.services import api_token_create
from motivo.api.auth import token_cache_clear
from motivo.cli import main as motivo_main
from motivo.core.errors import DomainError
from motivo.insights.importer import read_volumes_csv
from motivo.insights.models import BusinessVolume, VolumeKind
from motivo.insights.selectors import volume_total
from motivo.insights.services import VolumeInput, volumes_upsert

pytestmark = pytest.mark.django_db

URL = "/api/v1/volumes"
MONDAY = dt.date(2026, 3, 9)


@pytest.fixture
def api(agent) -> Client:
    token_cache_clear()
    _token, secret = api_token_create(user=agent, name="erp")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def stored() -> dict[tuple[str, str], Decimal]:
    return {
        (row.kind.slug, row.date.isoformat()): row.value
        for row in BusinessVolume.objects.select_related("kind")
    }


def test_post_volumes_is_an_idempotent_upsert(api):
    body = [
        {"kind": "orders", "date": "2026-03-09", "value": 1250},
        {"kind": "orders", "date": "2026-03-10", "value": "1190.5"},
        {"kind": "Active_Customers", "date": "2026-03-11", "value": 8400, "period": "week"},
        {"kind": "returns", "date": "2026-03-09", "value": 40, "label": "Devoluciones"},
    ]
    response = api.post(URL, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "kinds_created": ["active_customers", "orders", "returns"],
    }
    assert stored() == {
        ("orders", "2026-03-09"): Decimal(1250),
        ("orders", "2026-03-10"): Decimal("1190.5"),
        ("active_customers", "2026-03-09"): Decimal(8400),  # stored under its Monday
        ("returns", "2026-03-09"): Decimal(40),
    }
    assert VolumeKind.objects.get(slug="returns").display_label == "Devoluciones"
    assert VolumeKind.objects.get(slug="orders").display_label == "Orders"
    again = api.post(URL, body, content_type="application/json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 4, "kinds_created": []}
    changed = api.post(
        URL,
        [{"kind": "orders", "date": "2026-03-09", "value": 1300}],
        content_type="application/json",
    )
    assert changed.json()["updated"] == 1
    assert stored()[("orders", "2026-03-09")] == Decimal(1300)
    read = api.get(URL, {"kind": "orders", "from": "2026-03-01", "to": "2026-03-31"})
    assert [(row["date"], Decimal(row["value"])) for row in read.json()] == [
        ("2026-03-09", Decimal(1300)),
        ("2026-03-10", Decimal("1190.5")),
    ]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"kind": "orders", "date": "2026-03-09", "value": -1}, "1.value"),
        ({"kind": "orders", "date": "2026-03-09", "value": "1.23456"}, "1.value"),
        ({"kind": "no spaces", "date": "2026-03-09", "value": 1}, "1.kind"),
        ({"kind": "orders", "date": "9/3/2026", "value": 1}, "1.date"),
        ({"kind": "orders", "date": "2026-03-09"}, "1.value"),
        ({"kind": "orders", "date": "2026-03-09", "value": 1, "period": "week"}, "1.period"),
        ({"kind": "orders", "date": "2026-03-09", "value": 1, "extra": 1}, "1.extra"),
    ],
)
def test_post_volumes_errors_name_the_field_and_store_nothing(api, item, field):
    first = {"kind": "orders", "date": "2026-03-08", "value": 5}
    response = api.post(URL, [first, item], content_type="application/json")
    assert response.status_code in (400, 422), response.content
    assert response.json()["error"]["field"] == field
    assert not BusinessVolume.objects.exists()


def test_a_kind_keeps_its_period(api):
    api.post(
        URL, [{"kind": "orders", "date": "2026-03-09", "value": 1}], content_type="application/json"
    )
    response = api.post(
        URL,
        [{"kind": "orders", "date": "2026-03-09", "value": 1, "period": "week"}],
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "0.period"
    assert "per day" in response.json()["error"]["message"]


def test_post_volumes_needs_staff(client, customer_user):
    assert client.post(URL, [], content_type="application/json").status_code == 401
    user, _customer = customer_user
    client.force_login(user)
    response = client.post(URL, [], content_type="application/json")
    assert response.status_code in (401, 403)


def test_volume_total_reads_what_the_api_stored(api):
    week = [
        {"kind": "orders", "date": str(MONDAY + dt.timedelta(days=i)), "value": 10}
        for i in range(7)
    ]
    api.post(URL, week, content_type="application/json")
    assert (
        volume_total(kind="orders", date_from=MONDAY, date_to=MONDAY + dt.timedelta(days=6)) == 70
    )


def test_read_csv_english_spanish_semicolons_and_decimal_commas():
    source = read_volumes_csv(
        "\ufefftipo;fecha;valor;periodo\norders;09/03/2026;1.234,5;day\n\n"
        "active_customers;2026-03-09;8400;week\n".encode()
    )
    assert source.items == [
        VolumeInput(kind="orders", date=MONDAY, value="1234.5", period="day"),
        VolumeInput(kind="active_customers", date=MONDAY, value="8400", period="week"),
    ]
    assert source.lines == [2, 4]
    with pytest.raises(DomainError, match="missing: value"):
        read_volumes_csv(b"kind,date\norders,2026-03-09\n")
    with pytest.raises(DomainError, match="line 3: date"):
        read_volumes_csv(b"kind,date,value\norders,2026-03-09,1\norders,tomorrow,2\n")
    with pytest.raises(DomainError, match="empty"):
        read_volumes_csv(b"")


def test_upload_page(manager_client):
    url = reverse("insights:volumes")
    assert manager_client.get(url).status_code == 200
    good = SimpleUploadedFile(
        "v.csv", b"kind,date,value\norders,2026-03-09,100\norders,2026-03-10,90\n"
    )
    response = manager_client.post(url, {"file": good}, follow=True)
    assert "2 values added, 0 replaced." in response.content.decode()
    assert stored() == {("orders", "2026-03-09"): 100, ("orders", "2026-03-10"): 90}
    bad = SimpleUploadedFile(
        "v.csv", b"kind,date,value\norders,2026-03-11,7\norders,2026-03-12,-4\n"
    )
    response = manager_client.post(url, {"file": bad})
    assert response.status_code == 400
    assert "line 3: value: A volume cannot be negative." in response.content.decode()
    assert len(stored()) == 2  # all or nothing


def test_upload_page_is_for_managers(client, agent):
    client.force_login(agent)
    assert client.post(reverse("insights:volumes")).status_code == 403


def test_cli_import_volumes(tmp_path, capsys, transactional_db):
    path = tmp_path / "orders.csv"
    path.write_text("kind,date,value\norders,2026-03-09,100\nshipments,2026-03-09,80\n")
    assert motivo_main(["import", "volumes", str(path)]) == 0
    assert "2 values added, 0 replaced; new kinds: orders, shipments" in capsys.readouterr().out
    path.write_text("kind,date,value\norders,2026-03-09,abc\n")
    assert motivo_main(["import", "volumes", str(path)]) == 1
    assert "line 2: value: Not a number." in capsys.readouterr().err


def test_volumes_upsert_refuses_too_many_items():
    items = [VolumeInput(kind="orders", date=MONDAY, value=Decimal(1))] * 10_001
    with pytest.raises(DomainError):
        volumes_upsert(items=items)
