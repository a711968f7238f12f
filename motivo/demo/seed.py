"""Seeding the demo: the base shop "Tienda Sol" and, on demand, many more contacts.

`demo_seed_base` creates the organisation through the services (departments, the reason
taxonomy, staff and teams, canned replies) and writes six months of customers and cases
through the bulk writer. `demo_add_contacts` adds generated contacts (and their customers
and cases) to whatever taxonomy and staff the database holds, in batches.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from motivo.accounts.models import Role, Team, User
from motivo.accounts.services import user_create
from motivo.cases.models import CannedReply, Case
from motivo.core.tasks import enqueue_on_commit
from motivo.council.demo import council_demo_seed
from motivo.customers.models import Customer
from motivo.demo import DEFAULT_SEED, catalog
from motivo.demo.bulk import BulkWriter
from motivo.demo.generator import (
    CasePlanner,
    CustomerRef,
    World,
    catalog_world,
    plan_customers,
    reason_profile,
)
from motivo.insights.tasks import repeats_rebuild_task
from motivo.promises.demo import promises_demo_seed
from motivo.reasons.models import Department, Reason, ReasonCategory
from motivo.reasons.services import category_save, department_save, reason_rate, reason_save
from motivo.spikes.demo import spikes_demo_seed
from motivo.studies.tasks import studies_demo_task

BASE_CUSTOMERS = 2_000
BASE_CONTACTS = 20_000
WINDOW_DAYS = 182  # six months, ending yesterday
BATCH_CONTACTS = 10_000

Progress = Callable[[int], None]


@dataclass
class SeedReport:
    customers: int = 0
    cases: int = 0
    contacts: int = 0
    messages: int = 0
    events: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.contacts / self.seconds if self.seconds else 0.0


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def anchor_day(today: dt.date | None = None) -> dt.date:
    """The day the demo ends at (its local midnight is "now" for the plan)."""
    return today or timezone.localdate()


def _anchor_ts(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time.min, tzinfo=_zone()).timestamp())


def demo_base_exists() -> bool:
    """Is there a taxonomy and staff to hang generated contacts on?"""
    return (
        Reason.objects.filter(active=True).exists()
        and User.objects.filter(role=Role.AGENT, is_active=True).exists()
    )


# ------------------------------------------------------------------------------------------
# The organisation
# ------------------------------------------------------------------------------------------


def _organisation() -> tuple[list[int], list[int], list[int]]:
    """Departments, taxonomy, staff, teams and canned replies of the catalog, created
    through the services when missing. Returns (agent ids, team ids, reason ids) in the
    catalog's order."""
    departments = {d.name: d for d in Department.objects.all()}
    for name, email in catalog.DEPARTMENTS:
        if name not in departments:
            departments[name] = department_save(name=name, email=email)
    categories = {c.name: c for c in ReasonCategory.objects.all()}
    for position, name in enumerate(catalog.CATEGORIES, start=1):
        if name not in categories:
            categories[name] = category_save(name=name, position=position)
    reason_ids = []
    for spec in catalog.REASONS:
        category = categories[spec.category]
        reason = Reason.objects.filter(category=category, name=spec.name).first()
        if reason is None:
            reason = reason_save(
                category=category,
                name=spec.name,
                owner=departments[spec.owner],
                action=spec.action,
                description=spec.description,
            )
        reason_ids.append(reason.pk)

    hashes: dict[str, str] = {}  # hash each demo password once, not once per user
    users: dict[str, User] = {u.username: u for u in User.objects.all()}
    for member in catalog.STAFF:
        if member.username in users:
            continue
        user = user_create(
            username=member.username,
            role=member.role,
            email=f"{member.username}@tiendasol.example",
            first_name=member.first_name,
            last_name=member.last_name,
            language=member.language,
        )
        password = catalog.PASSWORDS[member.role]
        if password not in hashes:
            hashes[password] = make_password(password)
        user.password = hashes[password]
        user.save(update_fields=["password"])
        users[member.username] = user
    teams = []
    for name in catalog.TEAMS:
        team, _created = Team.objects.get_or_create(name=name)
        team.members.add(*(users[m.username] for m in catalog.STAFF if m.team == name))
        teams.append(team.pk)
    for title, language, body in catalog.CANNED_REPLIES:
        CannedReply.objects.get_or_create(title=title, language=language, defaults={"body": body})
    _owners_and_ratings(reason_ids, users)
    agents = [users[m.username].pk for m in catalog.STAFF if m.role == Role.AGENT]
    return agents, teams, reason_ids


def _owners_and_ratings(reason_ids: list[int], users: dict[str, User]) -> None:
    """Give the catalog's reasons their owner person and the council's rating, through the
    services (so each is an event), where the reason does not have them yet."""
    reasons = Reason.objects.select_related("category", "owner").in_bulk(reason_ids)
    for reason_id, spec in zip(reason_ids, catalog.REASONS, strict=True):
        reason = reasons[reason_id]
        head = users.get(catalog.DEPARTMENT_HEADS.get(spec.owner, ""))
        if reason.owner_person_id is None and head is not None:
            reason = reason_save(
                category=reason.category,
                name=reason.name,
                owner=reason.owner,
                action=reason.action,
                description=reason.description,
                active=reason.active,
                reason=reason,
                owner_person=head,
            )
        rating = catalog.RATINGS.get(spec.name)
        if rating is not None and not reason.rated:
            reason_rate(reason=reason, customer_rating=rating[0], company_rating=rating[1])


def _regulars() -> list[tuple[int, int]]:
    """The example customers (the first planned customers) and what they wrote about last."""
    names = [spec.name for spec in catalog.REASONS]
    last = ("¿Dónde está mi pedido?", "Quiero devolver un producto")
    return [(i, names.index(last[i % len(last)])) for i in range(len(catalog.EXAMPLE_CUSTOMERS))]


def demo_seed_base(
    *,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    customers: int = BASE_CUSTOMERS,
    contacts: int = BASE_CONTACTS,
    progress: Progress | None = None,
) -> SeedReport:
    """Create the demo shop with six months of history ending yesterday. Deterministic for
    a given seed and day. Runs in one transaction."""
    started = time.perf_counter()
    rng = random.Random(seed)
    day = anchor_day(today)
    now_ts = _anchor_ts(day)
    first_day = day - dt.timedelta(days=WINDOW_DAYS)
    report = SeedReport()
    with transaction.atomic():
        agent_ids, team_ids, reason_ids = _organisation()
        promises_demo_seed()  # tiers, business hours, promises: before the cases get due times
        writer = BulkWriter(rich=True)
        customer_plans = plan_customers(rng=rng, count=customers, start_ts=_anchor_ts(first_day))
        customer_ids = writer.write_customers(customer_plans)
        report.customers = len(customer_ids)
        planner = CasePlanner(
            rng=rng,
            world=catalog_world(),
            customers=[CustomerRef(c.first_name, c.language) for c in customer_plans],
            first_day=first_day,
            days=WINDOW_DAYS,
            now_ts=now_ts,
            zone=_zone(),
            rich=True,
            repeat_window_days=settings.MOTIVO_REPEAT_WINDOW_DAYS,
            regulars=_regulars(),
        )
        for batch in planner.batches(contacts=contacts, batch_contacts=BATCH_CONTACTS):
            count = writer.write_cases(
                batch,
                customer_ids=customer_ids,
                agent_ids=agent_ids,
                team_ids=team_ids,
                reason_ids=reason_ids,
            )
            report.cases += count.cases
            report.contacts += count.contacts
            report.messages += count.messages
            report.events += count.events
            if progress:
                progress(count.contacts)
        demo_orders(first_day=first_day, last_day=day - dt.timedelta(days=1))
        demo_channel_costs(since=first_day)
        council_demo_seed(today=day)
        spikes_demo_seed(today=day)  # alerts for the planted incident (motivo/spikes)
        # The bulk writer does not mark repeat contacts; the background worker does it
        # after the commit (some seconds), so the demo starts at once.
        enqueue_on_commit(repeats_rebuild_task)
        enqueue_on_commit(studies_demo_task, day.isoformat())  # answered studies, after it
    report.seconds = time.perf_counter() - started
    return report


def demo_channel_costs(*, since: dt.date) -> None:
    """Plausible costs per contact (and per call minute) from the first demo day, for the
    cost and chargeback pages (docs/costs.md); channels that already have a cost keep it."""
    from motivo.costs.models import ChannelCost

    for channel, per_contact, per_minute in (
        ("email", "4.00", "0"),
        ("web", "3.00", "0"),
        ("portal", "2.50", "0"),
        ("chat", "5.00", "0"),
        ("phone", "6.00", "0.80"),
    ):
        if not ChannelCost.objects.filter(channel=channel).exists():
            ChannelCost.objects.create(
                channel=channel,
                effective_from=since,
                per_contact=per_contact,
                per_minute=per_minute,
                note="Demo",
            )


def demo_orders(*, first_day: dt.date, last_day: dt.date) -> None:
    """Tienda Sol's daily orders (the X of contacts per order), deterministic: about 2,400
    on a weekday, fewer at the weekend, growing 10 % over the window."""
    from decimal import Decimal

    from motivo.insights.services import VolumeInput, volumes_upsert

    weekday = (1.08, 1.05, 1.0, 1.0, 1.02, 0.8, 0.7)
    days = (last_day - first_day).days + 1
    items = []
    for index in range(days):
        day = first_day + dt.timedelta(days=index)
        wobble = 1 + ((day.toordinal() * 7919) % 101 - 50) / 1000  # ±5 %, same every run
        value = 2400 * weekday[day.weekday()] * (1 + 0.1 * index / days) * wobble
        items.append(VolumeInput(kind="orders", date=day, value=Decimal(round(value))))
    volumes_upsert(items=items)


# ------------------------------------------------------------------------------------------
# More contacts
# ------------------------------------------------------------------------------------------


def _world_from_database() -> tuple[World, list[int], list[int], list[int]]:
    """The installation's own reasons, agents and teams, as a plan World plus the ids the
    plan's indices stand for."""
    teams = list(Team.objects.order_by("pk").prefetch_related("members"))
    team_index = {team.name: i for i, team in enumerate(teams)}
    agents = list(User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk"))
    agent_index = {agent.pk: i for i, agent in enumerate(agents)}
    team_agents = tuple(
        tuple(sorted(agent_index[m.pk] for m in team.members.all() if m.pk in agent_index))
        for team in teams
    )
    reasons = list(Reason.objects.filter(active=True).select_related("category"))
    profiles = []
    for rank, reason in enumerate(reasons):
        team_name = catalog.CATEGORY_TEAM.get(reason.category.name)
        team = team_index.get(team_name) if team_name else None
        if team is None and teams:
            team = rank % len(teams)
        profiles.append(reason_profile(name=reason.name, rank=rank, team=team))
    incident = next(
        (i for i, r in enumerate(profiles) if r.name == "Me han cobrado dos veces"), None
    )
    world = World(
        reasons=tuple(profiles),
        agents=tuple(a.first_name or a.username for a in agents),
        team_agents=team_agents,
        incident_reason=incident,
    )
    return world, [a.pk for a in agents], [t.pk for t in teams], [r.pk for r in reasons]


def demo_add_contacts(
    *,
    count: int,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    progress: Progress | None = None,
    batch_contacts: int = BATCH_CONTACTS,
) -> SeedReport:
    """Add exactly `count` generated contacts over the last six months, with new customers
    (about one per three contacts) and their cases, in batches of one transaction each.
    Repeat runs with the same seed add the same kind of data again (new customers)."""
    started = time.perf_counter()
    report = SeedReport()
    if count <= 0:
        return report
    world, agent_ids, team_ids, reason_ids = _world_from_database()
    if not world.reasons:
        raise ValueError("There are no active reasons to give the contacts.")
    day = anchor_day(today)
    first_day = day - dt.timedelta(days=WINDOW_DAYS)
    top = Customer.objects.aggregate(top=Max("pk"))["top"] or 0
    already = Case.objects.count()
    rng = random.Random(f"motivo-demo:{seed}:{already}:{count}")
    writer = BulkWriter(rich=False)
    customer_plans = plan_customers(
        rng=rng,
        count=max(1, count // 3),
        start_ts=_anchor_ts(first_day),
        tag=f"-{top + 1}",
        examples=False,
    )
    customer_ids: list[int] = []
    for start in range(0, len(customer_plans), batch_contacts):
        with transaction.atomic():
            customer_ids += writer.write_customers(customer_plans[start : start + batch_contacts])
    report.customers = len(customer_ids)
    planner = CasePlanner(
        rng=rng,
        world=world,
        customers=[CustomerRef(c.first_name, c.language) for c in customer_plans],
        first_day=first_day,
        days=WINDOW_DAYS,
        now_ts=_anchor_ts(day),
        zone=_zone(),
        rich=False,
        repeat_window_days=settings.MOTIVO_REPEAT_WINDOW_DAYS,
    )
    del customer_plans
    for batch in planner.batches(contacts=count, batch_contacts=batch_contacts):
        with transaction.atomic():
            written = writer.write_cases(
                batch,
                customer_ids=customer_ids,
                agent_ids=agent_ids,
                team_ids=team_ids,
                reason_ids=reason_ids,
            )
        report.cases += written.cases
        report.contacts += written.contacts
        report.messages += written.messages
        report.events += written.events
        if progress:
            progress(written.contacts)
    if count >= 100_000:
        writer.analyze()
    report.seconds = time.perf_counter() - started
    return report
