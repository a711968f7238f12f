"""Repeat-contact studies in a real browser: an agent finds a repeat in "my open studies",
compares the two contacts on the case page and answers the study (htmx, then a reload
shows it); a supervisor reads the causes by count (Spanish and English), follows a cause
to its studies and downloads the CSV; the causes list for admins."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import PASSWORD
from motivo.accounts.models import Role, Team
from motivo.accounts.services import user_create
from motivo.cases.models import Case, Contact, Message
from motivo.studies.defaults import default_causes_ensure
from motivo.studies.models import RepeatCause, RepeatStudy
from motivo.studies.services import study_answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture(autouse=True)
def _causes(db):
    """The default causes: a transactional test before this one may have flushed them."""
    default_causes_ensure()


@pytest.fixture
def repeats(ingest, reason, other_reason, agent):
    """Two repeat contacts of the last days on the agent's cases. Luis answered the first
    contact of the first one (on 'Pedidos'); the second is answered already."""
    luis = user_create(
        username="luis", role=Role.AGENT, first_name="Luis", last_name="Mora", password=PASSWORD
    )
    team = Team.objects.create(name="Pedidos")
    now = timezone.now()

    def pair(email: str, r, days: tuple[int, int], first: str, second: str):
        a = ingest(email=email, reason=r, received_at=now - dt.timedelta(days=days[0]), body=first)
        b = ingest(email=email, reason=r, received_at=now - dt.timedelta(days=days[1]), body=second)
        return Contact.objects.get(pk=a.contact_id), Contact.objects.get(pk=b.contact_id)

    first, repeat = pair(
        "lucia@example.test", reason, (3, 1),
        "Hola, ¿dónde está mi pedido 4411? Lo pedí hace una semana.",
        "Otra vez yo: me dijisteis que llegaba en 48 horas y sigue sin llegar.",
    )  # fmt: skip
    Case.objects.filter(pk=first.case_id).update(assignee=luis, team=team)
    Message.objects.create(
        case_id=first.case_id, kind=Message.Kind.REPLY, author=luis,
        body="Tu pedido llegará en 48 horas, no te preocupes.",
        created_at=first.received_at + dt.timedelta(hours=2),
    )  # fmt: skip
    Case.objects.filter(pk=repeat.case_id).update(assignee=agent)
    _f, other = pair("pedro@example.test", other_reason, (4, 2), "Llegó roto.", "Sigue roto.")
    Case.objects.filter(pk=other.case_id).update(assignee=agent)
    study_answer(
        contact=other, cause=RepeatCause.objects.get(slug="policy"), actor=agent,
        note="La política no cubre roturas sin foto.",
    )  # fmt: skip
    assert repeat.is_repeat and other.is_repeat
    return {"repeat": repeat, "first": first, "other": other, "luis": luis}


def test_agent_answers_a_study_on_the_repeat_case(new_page, shot, repeats, agent):
    repeat, first = repeats["repeat"], repeats["first"]
    page = new_page(locale="en-GB")
    sign_in(page, agent.username)
    page.goto("/studies/mine/")
    rows = page.locator("[data-testid=open-studies] tbody tr")
    assert rows.count() == 1  # the answered one is not open
    assert rows.first.get_attribute("data-contact") == str(repeat.pk)
    shot(page, "studies-mine-en")
    rows.first.locator("[data-testid=answer-link]").click()
    page.wait_for_url(f"**/cases/{repeat.case_id}/#study-{repeat.pk}")

    item = page.locator(f"#study-{repeat.pk}")
    item.wait_for()
    assert "¿dónde está mi pedido 4411?" in item.locator("[data-testid=study-first]").inner_text()
    assert "Luis Mora" in item.locator("[data-testid=study-first]").inner_text()
    assert "48 horas y sigue" in item.locator("[data-testid=study-repeat]").inner_text()
    assert item.locator(f"a[href='/cases/{first.case_id}/']").count() == 1
    shot(page, "studies-case-panel-en")

    item.locator("label.study-cause-choice", has_text="Promise not kept").click()
    item.locator("textarea").fill("We promised 48 h; the carrier took five days.")
    item.locator("[data-testid=study-save]").click()
    saved = page.locator(f"#study-{repeat.pk} [data-testid=study-saved]")
    saved.wait_for()  # swapped in by htmx, no page load
    result = page.locator(f"#study-{repeat.pk} [data-testid=study-result]")
    assert "Promise not kept" in result.inner_text()
    shot(page, "studies-case-answered-en")

    study = RepeatStudy.objects.get(contact=repeat)
    assert study.cause.slug == "promise_not_kept" and study.answered_by == agent
    assert study.agent == repeats["luis"] and study.team.name == "Pedidos"
    page.reload()
    assert (
        "five days" in page.locator(f"#study-{repeat.pk} [data-testid=study-result]").inner_text()
    )
    page.goto("/studies/mine/")
    page.locator("[data-testid=no-open-studies]").wait_for()


@pytest.mark.parametrize("locale", ["es-ES", "en-GB"])
def test_supervisor_reads_causes_and_drills_down(new_page, shot, repeats, supervisor, locale):
    study_answer(
        contact=repeats["repeat"], cause=RepeatCause.objects.get(slug="promise_not_kept"),
        actor=repeats["luis"], note="Prometimos 48 h.",
    )  # fmt: skip
    supervisor.language = locale[:2]
    supervisor.save()
    page = new_page(locale=locale)
    sign_in(page, supervisor.username)
    page.goto("/studies/")
    page.locator("[data-testid=causes-chart] svg").wait_for()
    assert page.locator("[data-testid=kpi-studied] strong").inner_text() == "2"
    assert page.locator("[data-testid=kpi-repeats] strong").inner_text() == "2"
    promise = page.locator(
        f"[data-testid=causes-table] tr[data-cause='{_cause('promise_not_kept')}']"
    )
    expected = "Promesa no cumplida" if locale == "es-ES" else "Promise not kept"
    assert expected in promise.inner_text()
    assert page.locator("[data-testid=studies-agents] tbody tr").count() == 2  # Luis, agent
    shot(page, f"studies-report-{locale[:2]}")

    promise.locator("[data-testid=cause-count]").click()
    page.wait_for_url("**/studies/list/?*")
    rows = page.locator("[data-testid=studies-table] tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-contact") == str(repeats["repeat"].pk)
    assert "Prometimos 48 h." in rows.first.inner_text()
    shot(page, f"studies-list-{locale[:2]}")
    with page.expect_download() as download:
        page.locator("[data-testid=csv-link]").click()
    assert download.value.suggested_filename.startswith("motivo-repeat-studies-list-")


def _cause(slug: str) -> int:
    return RepeatCause.objects.get(slug=slug).pk


def test_admin_edits_the_causes(new_page, shot, admin_user):
    page = new_page(locale="en-GB")
    sign_in(page, admin_user.username)
    page.goto("/studies/causes/")
    page.fill("#id_name_en", "Lost in a transfer")
    page.fill("#id_name_es", "Perdido en un traspaso")
    page.locator("[data-testid=cause-form] button[type=submit]").click()
    page.wait_for_url("**/studies/causes/")
    assert page.locator("[data-testid=causes-list] tbody tr").count() == 7
    assert RepeatCause.objects.filter(name_es="Perdido en un traspaso", active=True).exists()
    shot(page, "studies-causes-en")


def test_weekly_review_shows_the_studies_of_the_week(new_page, shot, supervisor):
    from motivo.council.review import latest_full_week
    from motivo.demo.seed import demo_seed_base
    from motivo.studies.selectors import week_studies

    demo_seed_base(seed=1, today=timezone.localdate(), customers=150, contacts=1500)
    week = latest_full_week()
    expected = week_studies(date_from=week.start, date_to=week.end)
    assert expected.studied > 0  # the demo answered studies after marking the repeats

    page = new_page(locale="es-ES")
    sign_in(page, supervisor.username)
    page.goto("/council/review/")
    section = page.locator("#studies")
    section.wait_for()
    assert page.locator("[data-testid=kpi-studied] strong").inner_text() == str(expected.studied)
    rows = section.locator("[data-testid=review-causes] tbody tr")
    assert rows.count() == len(expected.causes)
    assert rows.first.get_attribute("data-cause") == str(expected.causes[0].cause_id)
    assert section.locator("[data-testid=review-notes] li").count() == len(expected.notes)
    section.scroll_into_view_if_needed()
    shot(page, "studies-weekly-review-es")
    # The studies page on the demo's eight weeks: every cause the demo answered, one bar each.
    since = timezone.localdate() - dt.timedelta(weeks=8)
    page.goto(f"/studies/?date_from={since.isoformat()}&date_to={timezone.localdate().isoformat()}")
    page.locator("[data-testid=causes-chart] svg").wait_for()
    studied = RepeatStudy.objects.filter(contact__is_repeat=True).count()
    assert page.locator("[data-testid=kpi-studied] strong").inner_text() == str(studied)
    shot(page, "studies-report-demo-es")
