"""The demo shop's reason suggestions (what `bin/demo` shows): example phrases, a first
version trained on the demo's classified contacts, weeks of confirmations, open cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Max
from django.utils import timezone

from motivo.cases.models import ACTIVE_STATUSES, Contact
from motivo.demo.seed import demo_seed_base
from motivo.reasons.models import Reason
from motivo.suggest.demo import EXAMPLES, HISTORY_WEEKS, _phrases, suggest_demo_seed
from motivo.suggest.models import Confirmation, ContactPrediction, ModelVersion, SuggesterState
from motivo.suggest.selectors import quality_report

pytestmark = pytest.mark.django_db


def test_demo_suggestions(db):
    today = timezone.localdate()
    demo_seed_base(seed=1, today=today, customers=120, contacts=1200)

    report = suggest_demo_seed(today=today, per_reason=4, history_per_week=4, open_contacts=15)

    assert report.phrases == len(EXAMPLES) == Reason.objects.exclude(examples=[]).count()
    version = report.version
    assert version.status == ModelVersion.Status.ACTIVE and version.trigger == "demo"
    assert 0 < version.n_examples <= 4 * len(EXAMPLES)
    assert version.metrics["n_heldout"] > 0 and version.metrics["accuracy"] is not None
    first_history_day = today - dt.timedelta(weeks=HISTORY_WEEKS)
    trained_until = Contact.objects.filter(received_at__date__lt=first_history_day)
    assert trained_until.exists()

    confirmations = Confirmation.objects.select_related("contact")
    assert report.confirmations == confirmations.count() > 0
    assert all(c.reason_id == c.contact.reason_id for c in confirmations)
    assert all(c.model_version_id == version.pk for c in confirmations)
    open_contacts = Contact.objects.filter(case__status__in=ACTIVE_STATUSES)
    assert ContactPrediction.objects.filter(contact__in=open_contacts).count() == min(
        15, open_contacts.exclude(confirmation__isnull=False).count()
    )
    top = Contact.objects.aggregate(top=Max("pk"))["top"]
    state = SuggesterState.objects.get()
    assert state.watermark == state.floor == top  # the loop leaves the demo's history alone

    quality = quality_report(date_from=first_history_day, date_to=today)
    assert quality.total.n == report.confirmations
    assert sum(week.rate.n for week in quality.weeks) == report.confirmations

    assert _phrases() == 0  # phrases already there are kept
