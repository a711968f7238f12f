"""The studies' pages: the case page panel (agents answer, with CSRF; htmx gets the panel
back), "my open studies", the supervisors' page, its drill-down and CSV files, the causes
settings page, and who may see what."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone

from motivo.studies.models import RepeatCause, RepeatStudy
from motivo.studies.services import study_answer

from .conftest import DAY, assign, at

pytestmark = pytest.mark.django_db


def answer_url(contact) -> str:
    return f"/studies/contacts/{contact.pk}/"


def period(days: int = 6) -> str:
    return f"date_from={DAY.isoformat()}&date_to={(DAY + dt.timedelta(days)).isoformat()}"


def test_case_page_shows_the_panel_on_the_repeat_only(repeat, client_for, agent):
    first, second = repeat
    client = client_for(agent)
    html = client.get(f"/cases/{second.case_id}/").content.decode()
    assert 'data-testid="study-panel"' in html
    assert f'id="study-{second.pk}"' in html
    assert f'action="/studies/contacts/{second.pk}/"' in html
    assert "csrfmiddlewaretoken" in html
    assert "Promise not kept" in html and f'href="/cases/{first.case_id}/"' in html
    assert (
        'data-testid="study-panel"' not in client.get(f"/cases/{first.case_id}/").content.decode()
    )


def test_agent_answers_with_a_plain_form(repeat, client_for, agent, causes):
    _first, second = repeat
    client = client_for(agent)
    prefix = f"study-{second.pk}"
    response = client.post(
        answer_url(second),
        {f"{prefix}-cause": causes["system_failure"].pk, f"{prefix}-note": "Tool was down"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{second.case_id}/#study-{second.pk}"
    study = RepeatStudy.objects.get(contact=second)
    assert (study.cause.slug, study.note, study.answered_by) == (
        "system_failure",
        "Tool was down",
        agent,
    )
    html = client.get(f"/cases/{second.case_id}/").content.decode()
    assert 'data-testid="study-result"' in html and "Tool was down" in html


def test_htmx_answer_gets_the_panel_back_and_errors_inside(repeat, client_for, agent, causes):
    _first, second = repeat
    client = client_for(agent)
    prefix = f"study-{second.pk}"
    bad = client.post(answer_url(second), {f"{prefix}-note": "x"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "Choose a cause." in bad.content.decode()
    assert not RepeatStudy.objects.exists()
    good = client.post(
        answer_url(second), {f"{prefix}-cause": causes["policy"].pk}, HTTP_HX_REQUEST="true"
    )
    html = good.content.decode()
    assert good.status_code == 200 and 'data-testid="study-saved"' in html
    assert html.lstrip().startswith(f'<article class="study-item answered" id="study-{second.pk}"')


def test_answer_needs_csrf_staff_and_a_repeat(repeat, client_for, agent, causes, customer_user):
    first, second = repeat
    data = {f"study-{second.pk}-cause": causes["policy"].pk}
    assert client_for(agent, csrf=True).post(answer_url(second), data).status_code == 403
    assert client_for(agent).get(answer_url(second)).status_code == 405
    customer = client_for(customer_user[0])
    assert customer.post(answer_url(second), data).status_code in (302, 403)
    assert customer.get(f"/cases/{second.case_id}/").status_code in (302, 403)
    assert Client().post(answer_url(second), data).status_code == 302  # to sign in
    assert client_for(agent).post(answer_url(first), data).status_code == 404  # no repeat
    assert not RepeatStudy.objects.exists()


def test_my_open_studies(pair, reason, client_for, agent, luis, causes):
    now = timezone.now()
    _first, second = pair("c@x.test", reason, now - dt.timedelta(days=3), now - dt.timedelta(1))
    assign(second.case, luis)
    html = client_for(luis).get("/studies/mine/").content.decode()
    assert f'href="/cases/{second.case_id}/#study-{second.pk}"' in html
    empty = client_for(agent).get("/studies/mine/").content.decode()  # not agent's case
    assert 'data-testid="no-open-studies"' in empty
    study_answer(contact=second, cause=causes["policy"], actor=luis)
    assert (
        'data-testid="no-open-studies"' in client_for(luis).get("/studies/mine/").content.decode()
    )


@pytest.fixture
def studied(repeat, pair, reason, other_reason, causes, agent, luis):
    _first, second = repeat
    study_answer(contact=second, cause=causes["promise_not_kept"], note="=cmd|x", actor=agent)
    _f, other = pair("b@x.test", other_reason, at(DAY, 9), at(DAY + dt.timedelta(1), 9))
    study_answer(contact=other, cause=causes["policy"], actor=luis)
    return second, other


def test_supervisor_page_with_chart_and_links(studied, client_for, supervisor, causes, reason):
    response = client_for(supervisor).get(f"/studies/?{period()}")
    assert response.status_code == 200
    html = response.content.decode()
    report = response.context["report"]
    assert (report.repeats, report.studied) == (2, 2)
    assert 'data-testid="causes-chart"' in html and "<svg" in html
    pnk = causes["promise_not_kept"].pk
    assert f"/studies/list/?{period().replace('&', '&amp;')}&amp;cause={pnk}" in html
    assert f"reason={reason.pk}" in html
    assert 'href="/studies/report.csv?' in html


def test_supervisor_page_is_for_managers(client_for, agent, customer_user):
    assert client_for(agent).get("/studies/").status_code == 403
    assert client_for(agent).get("/studies/report.csv").status_code == 403
    assert client_for(agent).get("/studies/list/").status_code == 403
    assert client_for(customer_user[0]).get("/studies/mine/").status_code in (302, 403)


def test_report_csv(studied, client_for, supervisor, causes, reason, other_reason):
    response = client_for(supervisor).get(f"/studies/report.csv?{period()}")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:5] == ["Breakdown", "Name", "Repeat contacts", "Studied", "Studied %"]
    assert header[5:7] == ["Promise not kept", "Policy"]  # causes with studies first
    assert rows[1][:7] == ["Total", "All", "2", "2", "100.0", "1", "1"]
    reasons = {row[1]: row for row in rows if row[0] == "Reason"}
    assert reasons[reason.name][2:7] == ["1", "1", "100.0", "1", "0"]
    assert reasons[other_reason.name][2:7] == ["1", "1", "100.0", "0", "1"]


def test_drill_down_and_its_csv(studied, client_for, supervisor, causes):
    second, other = studied
    client = client_for(supervisor)
    pnk = causes["promise_not_kept"].pk
    html = client.get(f"/studies/list/?{period()}&cause={pnk}").content.decode()
    assert f'data-contact="{second.pk}"' in html and f'data-contact="{other.pk}"' not in html
    response = client.get(f"/studies/list.csv?{period()}")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert rows[1][6:8] == ["Promise not kept", "'=cmd|x"]  # newest; no formula injection
    assert rows[2][6:8] == ["Policy", ""]


def test_causes_page_admins_edit_supervisors_read(client_for, admin_user, supervisor, causes):
    read = client_for(supervisor).get("/studies/causes/")
    assert read.status_code == 200 and 'data-testid="cause-form"' not in read.content.decode()
    post = {
        "name_en": "Transfer lost",
        "name_es": "Traspaso perdido",
        "position": "",
        "active": "on",
    }
    assert client_for(supervisor).post("/studies/causes/", post).status_code == 403
    pk = causes["other"].pk
    assert client_for(supervisor).get(f"/studies/causes/{pk}/").status_code == 403

    admin = client_for(admin_user)
    assert admin.post("/studies/causes/", post).status_code == 302
    assert RepeatCause.objects.filter(slug="transfer_lost", active=True).exists()
    again = admin.post("/studies/causes/", post)
    assert again.status_code == 400 and "Another cause has this name." in again.content.decode()
    edit = {"name_en": "Other", "name_es": "Otra", "position": "9"}  # unchecked: retired
    assert admin.post(f"/studies/causes/{pk}/", edit).status_code == 302
    retired = RepeatCause.objects.get(pk=pk)
    assert (retired.active, retired.position) == (False, 9)
    assert client_for(admin_user, csrf=True).post("/studies/causes/", post).status_code == 403
