"""The demo shop comes with answered studies (after its repeat contacts are marked)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.demo.seed import demo_seed_base
from motivo.studies import demo, selectors
from motivo.studies.models import RepeatStudy, StudyEvent

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)


def test_demo_has_answered_studies(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demo_seed_base(seed=1, today=TODAY, customers=80, contacts=900)

    studies = list(RepeatStudy.objects.select_related("contact", "cause"))
    assert studies
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(TODAY - dt.timedelta(weeks=demo.WEEKS), dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(TODAY - dt.timedelta(days=demo.OPEN_DAYS), dt.time.min, tzinfo=zone)
    for study in studies:
        contact = study.contact
        assert contact.is_repeat and contact.reason_id is not None
        assert study.first_contact_id == contact.repeat_of_id
        assert start <= study.received_at == contact.received_at < end
        assert study.answered_at >= study.received_at
    candidates = Contact.objects.filter(
        is_repeat=True, reason__isnull=False, received_at__gte=start, received_at__lt=end
    ).count()
    # About ANSWERED_SHARE of them, drawn per contact id (ids differ between databases):
    # with ~30 candidates, a wide band that still fails if none or all are answered.
    assert 0.35 < len(studies) / candidates < 0.95
    assert any(study.note for study in studies)
    assert len({study.cause_id for study in studies}) >= 3
    assert StudyEvent.objects.filter(kind="study_answered").count() == len(studies)
    # The last full weeks show them; running the seed again adds nothing.
    report = selectors.study_report(date_from=TODAY - dt.timedelta(days=28), date_to=TODAY)
    assert report.studied > 0 and report.repeats >= report.studied
    assert demo.studies_demo_seed(today=TODAY) == 0
