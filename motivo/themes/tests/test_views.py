"""The themes pages: who may see them, the list, a theme, the run button, the decisions."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motivo.cases.models import Contact
from motivo.reasons.models import Reason
from motivo.themes import services
from motivo.themes.models import Theme, ThemeRun
from motivo.themes.tests.data import EN, ES, ORDINARY_ES
from motivo.themes.views import DAILY_CHECK_KEY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_themes")]


@pytest.fixture
def run(flagged, django_capture_on_commit_callbacks) -> ThemeRun:
    flagged(ORDINARY_ES, none_of_ours=False, confidence=0.95)
    for texts in ES.values():
        flagged(texts)
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.theme_run_request(actor=None)
    queued.refresh_from_db()
    cache.set(DAILY_CHECK_KEY, 1)  # no daily run behind the tests' back
    return queued


def test_agents_and_anonymous_are_kept_out(agent_client, client, run):
    theme = run.themes.first()
    for url in (
        "/themes/",
        f"/themes/runs/{run.pk}/",
        f"/themes/runs/{run.pk}/themes.csv",
        f"/themes/{theme.pk}/",
        f"/themes/{theme.pk}/contacts.csv",
    ):
        assert agent_client.get(url).status_code == 403, url
        assert client.get(url).status_code == 302, url
    for url in ("/themes/run/", f"/themes/{theme.pk}/merge/", f"/themes/{theme.pk}/dismiss/"):
        assert agent_client.post(url).status_code == 403, url
    assert agent_client.post(f"/themes/{theme.pk}/to-reason/", {"name": "x"}).status_code == 403
    theme.refresh_from_db()
    assert theme.is_open and ThemeRun.objects.count() == 1


def test_page_lists_the_latest_runs_themes_by_size(manager_client, run):
    response = manager_client.get("/themes/")

    assert response.status_code == 200
    html = response.content.decode()
    themes = list(run.themes.order_by("rank"))
    positions = [html.index(f'data-theme="{theme.pk}"') for theme in themes]
    assert positions == sorted(positions)
    for theme in themes:
        assert theme.label in html
    assert f'data-testid="run-contacts">{run.contacts}<' in html
    # An example of each theme is quoted.
    example = themes[0].members.get(position=1).contact
    assert example.message.body[:40] in html


def test_page_queries_do_not_grow_with_themes(manager_client, run, flagged):
    with CaptureQueriesContext(connection) as few:
        manager_client.get("/themes/")
    for texts in EN.values():
        flagged(texts)
    bigger = services.theme_run_request(actor=None, enqueue=False)
    services.theme_run_execute(run_id=bigger.pk)
    assert bigger.themes.count() > run.themes.count()
    with CaptureQueriesContext(connection) as more:
        manager_client.get("/themes/")
    assert len(more) == len(few)


def test_without_runs_the_page_says_so(manager_client, db):
    cache.set(DAILY_CHECK_KEY, 1)
    response = manager_client.get("/themes/")
    assert response.status_code == 200
    assert 'data-testid="no-run"' in response.content.decode()


def test_first_visit_of_the_day_starts_the_daily_run(manager_client, flagged):
    for texts in ES.values():
        flagged(texts)
    manager_client.get("/themes/")  # the tests' task backend runs it at once
    daily = ThemeRun.objects.get(trigger=ThemeRun.Trigger.DAILY)
    assert daily.status == ThemeRun.Status.DONE and daily.themes.count() == 3
    manager_client.get("/themes/")
    assert ThemeRun.objects.count() == 1


def test_run_button_queues_a_run(
    manager_client, supervisor, run, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/themes/run/", {"date_from": run.date_from.isoformat(), "date_to": ""}
        )
    assert response.status_code == 302
    latest = ThemeRun.objects.order_by("-pk").first()
    assert latest.pk != run.pk and latest.requested_by == supervisor
    assert latest.status == ThemeRun.Status.DONE
    bad = manager_client.post("/themes/run/", {"date_from": "2020-01-02", "date_to": "2020-01-01"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()


def test_run_status_reloads_the_page_when_done(manager_client, run):
    response = manager_client.get(f"/themes/runs/{run.pk}/status/", HTTP_HX_REQUEST="true")
    assert response.headers["HX-Refresh"] == "true"
    ThemeRun.objects.filter(pk=run.pk).update(status=ThemeRun.Status.RUNNING)
    response = manager_client.get(f"/themes/runs/{run.pk}/status/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in response.content.decode()


def test_theme_page_and_csvs(manager_client, run):
    theme = run.themes.get(rank=1)
    response = manager_client.get(f"/themes/{theme.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    for term in theme.terms:
        assert term in html
    assert html.count('class="example-row"') == 5
    assert 'data-testid="to-reason-form"' in html and 'data-testid="merge-form"' in html

    rows = list(
        csv.reader(
            io.StringIO(manager_client.get(f"/themes/{theme.pk}/contacts.csv").content.decode())
        )
    )
    assert len(rows) == 1 + theme.size
    assert [row[1] for row in rows[1:]] == ["yes"] * 5 + [""] * (theme.size - 5)
    table = manager_client.get(f"/themes/runs/{run.pk}/themes.csv").content.decode()
    assert len(table.splitlines()) == 1 + run.themes.count()
    assert theme.label in table


def test_to_reason_from_the_page(manager_client, supervisor, run, reason):
    theme = run.themes.get(rank=1)
    response = manager_client.post(
        f"/themes/{theme.pk}/to-reason/",
        {
            "name": "Nuevo motivo del tema",
            "category": reason.category.pk,
            "owner": reason.owner.pk,
            "action": "simplify",
            "description": "",
            "apply_to": "examples",
        },
    )
    assert response.status_code == 302
    theme.refresh_from_db()
    created = Reason.objects.get(name="Nuevo motivo del tema")
    assert theme.status == Theme.Status.REASON_CREATED and theme.reason == created
    assert theme.acted_by == supervisor
    assert Contact.objects.filter(reason=created).count() == 5
    page = manager_client.get(f"/themes/{theme.pk}/").content.decode()
    assert 'data-testid="decision"' in page and "to-reason-form" not in page

    again = manager_client.post(
        f"/themes/{theme.pk}/to-reason/",
        {"name": "Otro", "category": reason.category.pk, "action": "simplify",
         "apply_to": "examples"},
    )  # fmt: skip
    assert again.status_code == 302
    shown = manager_client.get(again.url).content.decode()
    assert "already dealt with" in shown
    assert not Reason.objects.filter(name="Otro").exists()


def test_merge_and_dismiss_from_the_page(manager_client, run, other_reason):
    first, second = run.themes.order_by("rank")[:2]
    response = manager_client.post(f"/themes/{first.pk}/merge/", {"reason": other_reason.pk})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == Theme.Status.MERGED
    assert Contact.objects.filter(reason=other_reason).count() == first.size

    assert manager_client.post(f"/themes/{second.pk}/dismiss/").status_code == 302
    second.refresh_from_db()
    assert second.status == Theme.Status.DISMISSED
    listed = manager_client.get(f"/themes/runs/{run.pk}/").content.decode()
    assert "Merged into a reason" in listed and "Dismissed" in listed
