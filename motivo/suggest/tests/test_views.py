"""The case page's reason picker, the model page and the quality page."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.suggest import services
from motivo.suggest.models import Confirmation, ContactPrediction, ModelVersion, SuggestSettings
from motivo.suggest.tests.conftest import CHARGE_TEXT, ORDER_TEXT

pytestmark = pytest.mark.django_db
Status = ModelVersion.Status


def case_url(contact: Contact) -> str:
    return reverse("cases:detail", args=[contact.case_id])


@pytest.fixture
def suggested(reasons, ingest) -> Contact:
    result = ingest(subject="Cobro", body=CHARGE_TEXT)
    services.suggest_pending()
    return Contact.objects.get(pk=result.contact_id)


def test_case_page_shows_the_suggestions_first_with_their_confidence(
    agent_client, suggested, reasons
):
    html = agent_client.get(case_url(suggested)).content.decode()

    picker = html[html.index('data-testid="reason-picker"') :]
    assert picker.index('data-testid="suggestion"') < picker.index("<select")
    first = picker.index(f'data-reason="{reasons["charge"].pk}"')
    assert first < picker.index(f'data-reason="{reasons["order"].pk}"')
    top = ContactPrediction.objects.get(contact=suggested).top_confidence
    assert f"{round(top * 100)}\u00a0%" in picker
    assert 'data-testid="none-of-ours"' not in picker


def test_case_page_says_none_of_our_reasons_when_flagged(agent_client, suggested):
    ContactPrediction.objects.filter(contact=suggested).update(none_of_ours=True)
    html = agent_client.get(case_url(suggested)).content.decode()
    assert 'data-testid="none-of-ours"' in html
    assert "None of our reasons seems to fit" in html


def test_case_page_before_the_suggester_reached_the_contact(agent_client, reasons, ingest):
    contact = Contact.objects.get(pk=ingest(body=ORDER_TEXT).contact_id)
    html = agent_client.get(case_url(contact)).content.decode()
    assert 'data-testid="suggestions-pending"' in html
    assert 'data-testid="suggestion"' not in html


def test_case_page_marks_an_automatically_applied_reason(agent_client, reasons, ingest):
    services.settings_update(auto_apply=True, auto_apply_threshold=0.5, retrain_after=50)
    contact = Contact.objects.get(pk=ingest(subject="Pedido", body=ORDER_TEXT).contact_id)
    services.suggest_pending()
    assert ContactPrediction.objects.get(contact=contact).auto_applied

    html = agent_client.get(case_url(contact)).content.decode()

    assert 'data-testid="auto-applied"' in html and "model v1" in html


def test_agent_confirms_a_suggestion(agent_client, agent, suggested, reasons):
    url = reverse("suggest:contact_confirm", args=[suggested.pk])
    response = agent_client.post(url, {"reason": reasons["charge"].pk})

    assert response.status_code == 302
    assert response["Location"] == case_url(suggested) + "#contacts"
    suggested.refresh_from_db()
    assert suggested.reason_id == reasons["charge"].pk
    confirmation = Confirmation.objects.get(contact=suggested)
    assert confirmation.kept and confirmation.actor == agent
    html = agent_client.get(case_url(suggested)).content.decode()
    assert 'data-testid="confirmed"' in html


def test_agent_says_none_of_our_reasons(agent_client, suggested):
    url = reverse("suggest:contact_confirm", args=[suggested.pk])
    agent_client.post(url, {"none_of_ours": "1"})
    assert Confirmation.objects.get(contact=suggested).none_of_ours


def test_confirm_refuses_an_empty_or_unknown_choice(agent_client, suggested):
    url = reverse("suggest:contact_confirm", args=[suggested.pk])
    agent_client.post(url, {})
    agent_client.post(url, {"reason": 999_999})
    assert not Confirmation.objects.exists()


def test_confirm_is_for_staff_and_posts_only(client, customer_user, suggested):
    user, _customer = customer_user
    url = reverse("suggest:contact_confirm", args=[suggested.pk])
    client.force_login(user)
    assert client.post(url, {"none_of_ours": "1"}).status_code == 403
    assert not Confirmation.objects.exists()


def test_pages_are_for_supervisors_and_admins(agent_client, manager_client):
    for name in ("suggest:quality", "suggest:model", "suggest:quality_csv", "suggest:model_csv"):
        assert agent_client.get(reverse(name)).status_code == 403
        assert manager_client.get(reverse(name)).status_code == 200


def test_model_page_lists_versions_and_tries_a_text(manager_client, reasons):
    services.model_train_now(trigger="cold_start")
    response = manager_client.get(reverse("suggest:model"), {"text": CHARGE_TEXT})
    html = response.content.decode()
    assert 'data-version="1"' in html
    assert 'data-testid="try-result"' in html
    result = html[html.index('data-testid="try-result"') :]
    assert result.index(reasons["charge"].name) < result.index(reasons["login"].name)
    assert 'data-testid="suggester-off"' in html  # no heartbeat in tests
    assert 'data-testid="settings-read"' in html  # supervisors see, admins change


def test_retrain_now_queues_a_version(manager_client, supervisor, reasons):
    response = manager_client.post(reverse("suggest:model_retrain"))
    assert response.status_code == 302
    version = ModelVersion.objects.get()
    assert (version.status, version.trigger, version.requested_by) == (
        Status.QUEUED,
        "manual",
        supervisor,
    )
    html = manager_client.get(reverse("suggest:model")).content.decode()
    assert 'data-testid="pending"' in html


def test_roll_back_from_the_model_page(manager_client, reasons):
    first = services.model_train_now(trigger="cold_start")
    services.model_train_now(trigger="manual")
    manager_client.post(reverse("suggest:model_activate", args=[first.number]))
    first.refresh_from_db()
    assert first.status == Status.ACTIVE
    rows = manager_client.get(reverse("suggest:model_csv")).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(rows)))
    assert [line[:2] for line in lines[1:]] == [["2", "retired"], ["1", "active"]]


def test_only_admins_change_the_settings(manager_client, admin_client):
    url = reverse("suggest:model_settings")
    data = {"auto_apply": "on", "auto_apply_percent": "80", "retrain_after": "10"}
    assert manager_client.post(url, data).status_code == 403
    assert admin_client.post(url, data).status_code == 302
    policy = SuggestSettings.objects.get()
    assert (policy.auto_apply, policy.auto_apply_threshold, policy.retrain_after) == (
        True,
        0.8,
        10,
    )
    admin_client.post(url, {"auto_apply_percent": "40", "retrain_after": "10"})
    assert SuggestSettings.objects.get().auto_apply_threshold == 0.8  # refused: below 50
    html = admin_client.get(reverse("suggest:model")).content.decode()
    assert 'data-testid="settings-form"' in html


# --------------------------------------------------------------------------------------------
# Quality: hand-made confirmations with known answers
# --------------------------------------------------------------------------------------------


@pytest.fixture
def history(reasons, ingest, agent):
    """Confirmations of the last two weeks: order 3× kept; charge chosen twice where order
    was suggested first (rank 2) and once kept; login chosen once, not among the three;
    one "none of ours" the model had foreseen."""
    version = ModelVersion.objects.create(
        number=1, status=Status.ACTIVE, trigger="manual", created_at=timezone.now()
    )
    order, charge, login = reasons["order"], reasons["charge"], reasons["login"]
    now = timezone.now()
    last_week = now - dt.timedelta(days=7)
    plan = [
        (order, order, 1, now),
        (order, order, 1, now),
        (order, order, 1, last_week),
        (charge, order, 2, now),
        (charge, order, 2, last_week),
        (charge, charge, 1, now),
        (login, charge, None, now),
    ]
    for chosen, suggested, rank, at in plan:
        contact = Contact.objects.get(pk=ingest().contact_id)
        Confirmation.objects.create(
            contact=contact,
            reason=chosen,
            model_version=version,
            suggested_reason=suggested,
            suggested_rank=rank,
            actor=agent,
            confirmed_at=at,
        )
    contact = Contact.objects.get(pk=ingest().contact_id)
    Confirmation.objects.create(
        contact=contact,
        none_of_ours=True,
        model_version=version,
        predicted_none=True,
        suggested_reason=order,
        confirmed_at=now,
    )
    # A confirmation of a contact that had no suggestions does not count.
    Confirmation.objects.create(
        contact=Contact.objects.get(pk=ingest().contact_id), reason=order, confirmed_at=now
    )
    return reasons


def test_quality_figures(manager_client, history):
    from motivo.suggest.selectors import quality_report

    today = timezone.localdate()
    report = quality_report(date_from=today - dt.timedelta(days=20), date_to=today)

    assert (report.total.n, report.total.kept, report.total.top3) == (7, 4, 6)
    assert (report.none_confirmed, report.none_predicted_right) == (1, 1)
    rows = {row.reason.name: row for row in report.reasons}
    assert (rows[history["order"].name].rate.n, rows[history["order"].name].rate.kept) == (3, 3)
    charge = rows[history["charge"].name]
    assert (charge.rate.n, charge.rate.kept, charge.rate.top3) == (3, 1, 3)
    assert charge.confused_with == history["order"] and charge.confused_count == 2
    assert [(p.suggested.name, p.chosen.name, p.count) for p in report.pairs] == [
        (history["order"].name, history["charge"].name, 2),
        (history["charge"].name, history["login"].name, 1),
    ]
    # Order came first 5 times among in-scope confirmations; 2 of them the agent chose charge.
    assert report.pairs[0].share == pytest.approx(2 / 5)
    assert sum(week.rate.n for week in report.weeks) == 7
    assert report.weeks[-1].rate.n >= 4


def test_quality_page_renders_the_chart_and_tables(manager_client, history):
    html = manager_client.get(reverse("suggest:quality")).content.decode()
    assert 'data-testid="quality-chart"' in html and "<svg" in html
    assert "57.1 %" in html  # 4 of 7 kept
    pairs = html[html.index('data-testid="quality-pairs"') :]
    assert history["order"].name in pairs and "40.0 %" in pairs


def test_quality_csv_exports_each_table(manager_client, history):
    url = reverse("suggest:quality_csv")
    for table, rows in (("reasons", 3), ("pairs", 2)):
        response = manager_client.get(url, {"table": table})
        assert response["Content-Type"].startswith("text/csv")
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(lines) == 1 + rows
    weeks = manager_client.get(url, {"table": "weeks"}).content.decode("utf-8-sig")
    assert sum(int(line.split(",")[1]) for line in weeks.splitlines()[1:]) == 7


def test_quality_page_without_data(manager_client, db):
    html = manager_client.get(reverse("suggest:quality")).content.decode()
    assert 'data-testid="quality-empty"' in html


def test_model_page_counts_the_waiting_contacts_up_to_a_cap(manager_client, ingest, monkeypatch):
    from motivo.suggest import selectors

    for index in range(3):
        ingest(subject=f"Pregunta {index}", body=ORDER_TEXT)
    assert selectors.model_overview().backlog == 3
    html = manager_client.get(reverse("suggest:model")).content.decode()
    assert "3 contacts waiting" in html
    monkeypatch.setattr(selectors, "BACKLOG_CAP", 2)
    overview = selectors.model_overview()
    assert (overview.backlog, overview.backlog_capped) == (2, True)
    html = manager_client.get(reverse("suggest:model")).content.decode()
    assert "2 or more contacts waiting" in html
