"""The demo data: deterministic plans, the base shop and bulk-generated contacts."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.db.models import Count, Sum

from motivo.accounts.models import Role, Team, User
from motivo.cases.models import CannedReply, Case, CaseEvent, Contact, Message, Status
from motivo.customers.models import Customer, Identity
from motivo.demo import catalog
from motivo.demo.generator import (
    CasePlanner,
    CustomerRef,
    allocate,
    catalog_world,
    plan_customers,
    plan_fingerprint,
)
from motivo.demo.seed import demo_add_contacts, demo_seed_base
from motivo.insights.models import ReasonDayCount
from motivo.reasons.models import Department, Reason, ReasonCategory
from motivo.search.models import SearchDocument

ZONE = ZoneInfo("Europe/Madrid")
TODAY = dt.date(2026, 3, 2)


def make_plan(seed: int, contacts: int = 2_000):
    rng = random.Random(seed)
    now = int(dt.datetime(2026, 3, 2, tzinfo=ZONE).timestamp())
    customers = plan_customers(rng=rng, count=200, start_ts=now - 200 * 86400)
    planner = CasePlanner(
        rng=rng,
        world=catalog_world(),
        customers=[CustomerRef(c.first_name, c.language) for c in customers],
        first_day=TODAY - dt.timedelta(days=182),
        days=182,
        now_ts=now,
        zone=ZONE,
        rich=True,
    )
    return customers, list(planner.batches(contacts=contacts, batch_contacts=500))


def test_same_seed_same_plan_other_seed_other_plan():
    first = plan_fingerprint(*make_plan(7))
    assert plan_fingerprint(*make_plan(7)) == first
    assert plan_fingerprint(*make_plan(8)) != first


def test_plan_has_the_shape_of_a_real_help_desk():
    customers, batches = make_plan(3, contacts=6_000)
    cases = [case for batch in batches for case in batch]
    contacts = [contact for case in cases for contact in case.contacts]

    assert len(contacts) == 6_000
    assert len({c.email for c in customers}) == len(customers)
    english = sum(c.language == "en" for c in customers) / len(customers)
    assert 0.05 < english < 0.3
    # Weekly rhythm: Mondays busier than Sundays.
    weekday = [0] * 7
    for contact in contacts:
        weekday[contact.day.weekday()] += 1
    assert weekday[0] > 2 * weekday[6]
    # Pareto: the top reason alone is far above the average reason.
    by_reason: dict[int, int] = {}
    for contact in contacts:
        if contact.reason is not None:
            by_reason[contact.reason] = by_reason.get(contact.reason, 0) + 1
    ranked = sorted(by_reason.values(), reverse=True)
    assert ranked[0] > 3 * sum(ranked) / len(ranked)
    # Old cases are done; resolved cases have every contact classified.
    now = max(c.ts for c in contacts)
    old = [c for c in cases if c.created_ts < now - 30 * 86400]
    assert all(c.status in (Status.RESOLVED, Status.CLOSED) for c in old)
    assert all(
        contact.reason is not None
        for case in cases
        if case.status in (Status.RESOLVED, Status.CLOSED)
        for contact in case.contacts
    )
    assert {Status.OPEN, Status.RESOLVED, Status.CLOSED} <= {c.status for c in cases}
    assert any(len(c.contacts) > 1 for c in cases)  # repeats on the same case


def test_allocate_is_exact_and_proportional():
    assert sum(allocate(1_000, [1, 2, 3.5])) == 1_000
    assert allocate(10, [1, 1, 0]) == [5, 5, 0]


def test_base_demo(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = demo_seed_base(seed=1, today=TODAY, customers=60, contacts=600)

    assert report.contacts == Contact.objects.count() == 600
    assert Department.objects.count() == len(catalog.DEPARTMENTS)
    assert ReasonCategory.objects.count() == len(catalog.CATEGORIES)
    assert Reason.objects.count() == len(catalog.REASONS) >= 25
    assert set(Reason.objects.values_list("owner__name", flat=True)) == {
        name for name, _email in catalog.DEPARTMENTS
    }
    assert User.objects.filter(role=Role.AGENT).count() == 8
    assert User.objects.get(username="admin").check_password(catalog.ADMIN_PASSWORD)
    assert User.objects.get(username="ana").check_password(catalog.AGENT_PASSWORD)
    assert Team.objects.count() == 3
    assert set(CannedReply.objects.values_list("language", flat=True)) == {"es", "en"}
    assert Customer.objects.count() == 60
    assert Identity.objects.filter(value="maria.garcia@example.com").exists()
    assert ReasonDayCount.objects.aggregate(n=Sum("count"))["n"] == (
        Contact.objects.exclude(reason=None).count()
    )
    # The repeat contacts were marked after the commit (the bulk writer does not), and the
    # roll-up counts them.
    repeats = Contact.objects.filter(is_repeat=True).exclude(reason=None).count()
    assert repeats > 0
    assert ReasonDayCount.objects.aggregate(n=Sum("repeats"))["n"] == repeats
    assert Message.objects.filter(kind=Message.Kind.REPLY).exists()
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.STATUS_CHANGED).exists()
    # Each case and message can be found.
    assert SearchDocument.objects.filter(kind="case").count() == Case.objects.count()
    assert SearchDocument.objects.filter(kind="message").count() == Message.objects.count()
    # Nothing after the anchor day.
    midnight = dt.datetime(2026, 3, 2, tzinfo=ZONE)
    assert not Contact.objects.filter(received_at__gte=midnight).exists()
    assert not Message.objects.filter(created_at__gt=midnight).exists()


def test_base_demo_again_keeps_the_organisation(db):
    demo_seed_base(seed=1, today=TODAY, customers=10, contacts=50)
    demo_seed_base(seed=2, today=TODAY, customers=10, contacts=50)

    assert Reason.objects.count() == len(catalog.REASONS)
    assert User.objects.filter(role=Role.AGENT).count() == 8


def test_add_contacts_uses_the_installation_taxonomy(db, reason, other_reason, agent):
    report = demo_add_contacts(count=300, seed=5, today=TODAY, batch_contacts=100)

    assert report.contacts == Contact.objects.count() == 300
    assert Contact.objects.exclude(reason=None).values("reason").distinct().count() == 2
    assert set(Case.objects.exclude(assignee=None).values_list("assignee", flat=True)) == {agent.pk}
    per_case = Case.objects.annotate(n=Count("contacts")).values_list("n", flat=True)
    assert min(per_case) >= 1
    assert sum(per_case) == 300
    events = CaseEvent.objects.values("kind").annotate(n=Count("id"))
    assert {e["kind"]: e["n"] for e in events} == {
        "created": Case.objects.count(),
        "contact_added": 300,
    }
