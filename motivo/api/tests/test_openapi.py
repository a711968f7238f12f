"""The published schema, its committed copy and the docs page."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from motivo.api.management.commands.export_openapi import SCHEMA_FILE, schema_json

pytestmark = pytest.mark.django_db


def test_committed_schema_is_current():
    committed = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    assert committed == schema_json(), (
        "openapi/v1.json is out of date with the API: run `python manage.py export_openapi` "
        "and commit the file."
    )


def test_schema_is_served_at_a_stable_url(anon):
    response = anon.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.json() == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    paths = response.json()["paths"]
    assert set(paths) == {
        "/api/v1/contacts",
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/messages",
        "/api/v1/reasons",
        "/api/v1/insights/pareto",
        "/api/v1/cases/{case_id}/transfer",
        "/api/v1/email/inbound",
        "/api/v1/callbacks",
        "/api/v1/telephony/events",
        "/api/v1/customers/{customer_id}",
        "/api/v1/customers/{customer_id}/identities",
        "/api/v1/customers/{customer_id}/identities/{identity_id}",
        "/api/v1/customers/{customer_id}/merge",
        "/api/v1/cases/{case_id}/goodwill",
        "/api/v1/chargeback",
        "/api/v1/improvements",
        "/api/v1/improvements/{improvement_id}",
        "/api/v1/reasons/{reason_id}/merge",
        "/api/v1/reasons/{reason_id}/rating",
        "/api/v1/targets",
        "/api/v1/volumes",
        "/api/v1/reasons/{reason_id}",
        "/api/v1/reasons/suggest",
        "/api/v1/contacts/{contact_id}/suggestions",
        "/api/v1/contacts/{contact_id}/reason",
        "/api/v1/suggest/model",
        "/api/v1/suggest/retrain",
        "/api/v1/suggest/model/{number}/activate",
        "/api/v1/suggest/settings",
        "/api/v1/themes",
        "/api/v1/themes/run",
        "/api/v1/themes/runs/{run_id}",
        "/api/v1/themes/{theme_id}/to-reason",
        "/api/v1/themes/{theme_id}/merge",
        "/api/v1/themes/{theme_id}/dismiss",
        "/api/v1/repeats",
        "/api/v1/repeats/{contact_id}/study",
        "/api/v1/repeat-causes",
        "/api/v1/promises",
        "/api/v1/promises/{promise_id}",
        "/api/v1/promises/rates",
        "/api/v1/promises/cases",
        "/api/v1/promises/calendar",
        "/api/v1/promises/closed-days",
        "/api/v1/promises/closed-days/{day}",
        "/api/v1/customer-tiers",
        "/api/v1/customer-tiers/{tier_id}",
        "/api/v1/customers/{customer_id}/tier",
        "/api/v1/spikes",
        "/api/v1/spikes/{alert_id}/acknowledge",
    }


def test_export_command_writes_and_checks(tmp_path):
    target = tmp_path / "v1.json"
    call_command("export_openapi", output=str(target), stdout=StringIO())
    assert target.read_text(encoding="utf-8") == schema_json()

    call_command("export_openapi", output=str(target), check=True, stdout=StringIO())
    target.write_text("{}", encoding="utf-8")
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("export_openapi", output=str(target), check=True, stderr=err)
    assert "export_openapi" in err.getvalue()


def test_docs_page_uses_only_local_assets(anon):
    response = anon.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost|testserver)", html), (
        "the docs page must not reference outside hosts"
    )
    # The validator badge would fetch an image from an external service.
    assert '"validatorUrl": null' in html


def test_docs_assets_are_served(anon):
    response = anon.get("/static/ninja/swagger-ui-bundle.js")

    assert response.status_code == 200
