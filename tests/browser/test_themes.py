"""Theme discovery in a real browser: a supervisor reads the themes of the latest run (Spanish
and English pages), opens one, turns it into a new reason, and sees the decision recorded."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conftest import PASSWORD
from motivo.cases.models import Contact
from motivo.reasons.models import Reason
from motivo.suggest.engine import ENGINE_VERSION
from motivo.suggest.models import ContactEmbedding, ContactPrediction, ModelVersion
from motivo.suggest.services import contact_text
from motivo.themes import services
from motivo.themes.models import Theme
from motivo.themes.tests.conftest import subject_of
from motivo.themes.tests.data import ES, ORDINARY_ES, embed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def run(ingest, settings, reason):
    """The Spanish topics as contacts no reason fits (among ordinary ones), and a run."""
    settings.MOTIVO_THEMES_MIN_SIZE = 3
    version = ModelVersion.objects.create(
        number=1, status="active", trigger="manual", created_at=timezone.now()
    )
    texts = [(text, True) for items in ES.values() for text in items]
    texts += [(text, False) for text in ORDINARY_ES]
    vectors = embed([contact_text(subject_of(text), text) for text, _none in texts])
    for (text, none_of_ours), vector in zip(texts, vectors, strict=True):
        contact = Contact.objects.get(pk=ingest(subject=subject_of(text), body=text).contact_id)
        ContactPrediction.objects.create(
            contact=contact, model_version=version, received_at=contact.received_at,
            none_of_ours=none_of_ours, top_confidence=0.2 if none_of_ours else 0.95,
            created_at=timezone.now(),
        )  # fmt: skip
        ContactEmbedding.objects.create(
            contact=contact, engine_version=ENGINE_VERSION, vector=vector.tobytes()
        )
    queued = services.theme_run_request(actor=None)  # runs at the commit (immediate backend)
    queued.refresh_from_db()
    assert queued.status == "done"
    return queued


@pytest.mark.parametrize("locale", ["es-ES", "en-US"])
def test_themes_page_lists_themes_by_size(new_page, shot, run, supervisor, locale):
    page = new_page(locale=locale)
    sign_in(page, supervisor.username)
    page.goto("/themes/")
    table = page.locator("[data-testid=themes]")
    table.wait_for()
    rows = table.locator("tbody tr")
    assert rows.count() == 3
    sizes = [int(rows.nth(i).locator("[data-testid=theme-size]").inner_text()) for i in range(3)]
    assert sizes == sorted(sizes, reverse=True)
    labels = " ".join(
        rows.nth(i).locator("[data-testid=theme-link]").inner_text() for i in range(3)
    )
    assert "club sol" in labels and "aduana" in labels and "app" in labels
    assert page.locator("[data-testid=run-contacts]").inner_text() == str(run.contacts)
    shot(page, f"themes-list-{locale[:2]}")


def test_supervisor_turns_a_theme_into_a_reason(new_page, shot, run, supervisor, reason):
    theme = next(t for t in run.themes.all() if any("aduana" in term for term in t.terms))
    page = new_page(locale="es-ES")
    sign_in(page, supervisor.username)
    page.goto("/themes/")
    page.locator(f"tr[data-theme='{theme.pk}'] [data-testid=theme-link]").click()
    page.locator("[data-testid=to-reason-form]").wait_for()
    assert page.locator("[data-testid=examples] li").count() == 5
    shot(page, "themes-detail-es")

    form = page.locator("[data-testid=to-reason-form]")
    form.locator("#id_name").fill("Me piden pagar aduanas en Canarias")
    form.locator("#id_category").select_option(str(reason.category.pk))
    form.locator("#id_owner").select_option(str(reason.owner.pk))
    form.locator("#id_action").select_option("simplify")
    form.locator("input[name=apply_to][value=all]").check()
    form.locator("[data-testid=to-reason]").click()
    page.locator("[data-testid=decision]").wait_for()

    assert (
        "Me piden pagar aduanas en Canarias" in page.locator("[data-testid=decision]").inner_text()
    )
    assert page.locator("[data-testid=to-reason-form]").count() == 0
    created = Reason.objects.get(name="Me piden pagar aduanas en Canarias")
    theme.refresh_from_db()
    assert theme.status == Theme.Status.REASON_CREATED and theme.acted_by == supervisor
    assert Contact.objects.filter(reason=created).count() == theme.size
    assert page.locator("[data-testid=classified]").inner_text() == str(theme.size)
    shot(page, "themes-to-reason-es")

    page.goto("/themes/")
    status = page.locator(f"tr[data-theme='{theme.pk}'] [data-testid=theme-status]")
    assert status.get_attribute("class") == "pill theme-reason_created"
    shot(page, "themes-list-after-es")
