"""The demo's themes: contacts no reason of the shop fits, their suggestions, a first run."""

from __future__ import annotations

import pytest

from motivo.cases.models import Contact
from motivo.demo import catalog
from motivo.reasons.models import Department, Reason, ReasonCategory
from motivo.suggest import runtime
from motivo.suggest.demo import EXAMPLES
from motivo.themes.demo import CONTACTS, themes_demo_seed
from motivo.themes.models import ThemeRun

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    runtime.forget()
    yield
    runtime.forget()


@pytest.fixture
def shop_reasons(db):
    """Tienda Sol's taxonomy with its example phrases (the cold-start model learns them)."""
    departments = {name: Department.objects.create(name=name) for name, _e in catalog.DEPARTMENTS}
    categories = {
        name: ReasonCategory.objects.create(name=name, position=i)
        for i, name in enumerate(catalog.CATEGORIES)
    }
    for spec in catalog.REASONS:
        Reason.objects.create(
            category=categories[spec.category],
            name=spec.name,
            description=spec.description,
            examples=list(EXAMPLES.get(spec.name, ())),
            owner=departments[spec.owner],
            action=spec.action,
        )


def test_demo_contacts_make_their_themes_once(shop_reasons):
    report = themes_demo_seed()

    assert report.contacts == len(CONTACTS)
    run = report.run
    assert run.status == ThemeRun.Status.DONE and run.trigger == ThemeRun.Trigger.DEMO
    terms = [" ".join(theme.terms) for theme in run.themes.all()]
    for expected in ("club sol", "app", "aduana"):
        assert any(expected in found for found in terms), (expected, terms)

    again = themes_demo_seed()
    assert again.contacts == 0
    assert Contact.objects.filter(external_id__startswith="demo-theme").count() == len(CONTACTS)
