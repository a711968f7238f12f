"""The demo writes tiers, the Spanish calendar, promises and cases whose roll-up is exact."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motivo.cases.models import Case
from motivo.customers.models import Customer
from motivo.demo.seed import demo_add_contacts, demo_seed_base
from motivo.promises.models import BusinessCalendar, Promise
from motivo.promises.selectors import RateFilters, promise_rates
from motivo.promises.tests.test_rollup import recomputed, rollup

pytestmark = pytest.mark.django_db(transaction=False)
TODAY = dt.date(2025, 6, 11)


def test_demo_promises_and_exact_rollup(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    demo_seed_base(seed=1, today=TODAY, customers=80, contacts=900)
    calendar = BusinessCalendar.objects.get()
    assert (calendar.time_zone, calendar.holiday_country) == ("Europe/Madrid", "ES")
    assert Promise.objects.count() == 5
    tiers = set(Customer.objects.values_list("tier__name", flat=True))
    assert tiers == {"Premium", "Standard"}
    assert Case.objects.filter(first_answer_due_at__isnull=False).count() == Case.objects.count()
    assert rollup() == recomputed()
    demo_add_contacts(count=300, seed=2, today=TODAY)
    assert rollup() == recomputed()
    now = dt.datetime.combine(TODAY, dt.time.min, tzinfo=timezone.get_current_timezone())
    report = promise_rates(
        filters=RateFilters(date_from=TODAY - dt.timedelta(days=60), date_to=TODAY), now=now
    )
    total = report.total
    assert total.cases > 100
    assert 0.3 < total.kept_rate < 1 and 0 < total.delight_rate < total.kept_rate
    assert {row.label for row in report.tiers} == {"Premium", "Standard"}
    # A case opened on a Saturday is due after Monday's opening (business hours).
    saturday = next(
        c for c in Case.objects.order_by("created_at")
        if timezone.localtime(c.created_at).weekday() == 5 and c.channel == "email"
    )  # fmt: skip
    due = timezone.localtime(saturday.first_answer_due_at)
    assert due.weekday() == 0 or due.date() > timezone.localtime(
        saturday.created_at
    ).date() + dt.timedelta(days=2)
