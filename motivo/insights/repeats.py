"""Repeat contacts and first-contact resolution, exactly as DESIGN.md defines them.

R = settings.MOTIVO_REPEAT_DAYS (default 7).

- A contact is a **repeat** when its customer had an earlier contact within R days
  (received_at difference ≤ R days) with the same reason or on the same case.
  `Contact.repeat_of` is the latest such earlier contact ("earlier": by received_at, then id).
  The flag is set at ingest (a further contact on a case; a new case whose reason is given
  at ingest) and recomputed when a reason is set or corrected, when cases are merged and when
  customers are merged. `ReasonDayCount.repeats` counts the classified repeats beside the
  contacts, in the same transaction as every flag change.
- **FCR**: among the cases resolved on a local day (Case.resolved_at) whose R-day window
  after resolution has passed, the share with exactly one contact and no repeat within R
  days: no other contact of the customer with the same reason received after the case's
  contact and no later than resolved_at + R days. Finalised per resolution day by
  `fcr_finalise` into FcrDayCount (reason of the first contact, channel, team and agent of
  the case when the day is finalised).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.cases.models import Case, Contact
from motivo.core.fastsql import execute
from motivo.insights.models import FcrDay, FcrDayCount
from motivo.insights.services import local_day, reason_count_add

# Resolution days finalised again on every run: a late reopening or reassignment within
# this many days after the window closed still changes the figures; older days are frozen.
FCR_LOOKBACK_DAYS = 7
# On the first run, at most this many days are back-filled.
FCR_BACKFILL_DAYS = 400


def repeat_window() -> dt.timedelta:
    return dt.timedelta(days=settings.MOTIVO_REPEAT_DAYS)


# --- At ingest ---------------------------------------------------------------------------------


def repeat_of_new_case(*, customer_id: int, reason_id: int | None, at: dt.datetime) -> int | None:
    """The contact a new case's first contact repeats, looked up BEFORE it is inserted (so
    every stored contact is earlier). Its case is new: only a reason can match, so without a
    reason there is nothing to look up; with one, one look-up along the
    (customer, received_at) index."""
    if reason_id is None:
        return None
    adapt = connection.ops.adapt_datetimefield_value
    rows = execute(
        _repeat_of_new_case_sql(),
        (customer_id, reason_id, adapt(at - repeat_window()), adapt(at)),
    )
    return rows[0][0] if rows else None


@cache
def _repeat_of_new_case_sql() -> str:
    """The ORM query's plain SQL: building it costs more than running it (ingest path)."""
    table = connection.ops.quote_name(Contact._meta.db_table)
    return (
        f"SELECT id FROM {table} WHERE customer_id = %s AND reason_id = %s"  # noqa: S608
        " AND received_at >= %s AND received_at <= %s ORDER BY received_at DESC, id DESC LIMIT 1"
    )


def repeat_of_on_case(*, case_id: int, at: dt.datetime) -> int | None:
    """The contact a further contact on a case repeats (looked up before it is inserted; it
    has no reason yet, so only the same case can match): the case's latest contact within
    R days, along the (case, received_at) index."""
    return (
        Contact.objects.filter(
            case_id=case_id, received_at__gte=at - repeat_window(), received_at__lte=at
        )
        .order_by("-received_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )


# --- Recomputation -----------------------------------------------------------------------------


def _repeat_of(contacts: list[Contact], index: int, window: dt.timedelta) -> int | None:
    """The latest contact before contacts[index] (sorted by received_at, id) that it repeats."""
    contact = contacts[index]
    for earlier in reversed(contacts[:index]):
        if contact.received_at - earlier.received_at > window:
            return None
        if earlier.case_id == contact.case_id or (
            contact.reason_id is not None and earlier.reason_id == contact.reason_id
        ):
            return earlier.pk
    return None


def repeats_recompute(
    *,
    customer_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    counted_reasons: dict[int, int | None] | None = None,
) -> dict[int, int | None]:
    """Recompute the repeat flag of the customer's contacts received in [since, until]
    (None: no bound) and keep `ReasonDayCount.repeats` true. `counted_reasons` maps a
    contact whose reason was changed just now to the reason the roll-up still counts its
    repeat under. Returns {contact id: repeat_of id or None} for the contacts looked at.
    Call inside the transaction that changed the contacts."""
    window = repeat_window()
    counted_reasons = counted_reasons or {}
    qs = Contact.objects.filter(customer_id=customer_id)
    if since is not None:
        qs = qs.filter(received_at__gte=since - window)
    if until is not None:
        qs = qs.filter(received_at__lte=until)
    contacts = list(
        qs.order_by("received_at", "id").only(
            "id", "case_id", "reason_id", "channel", "received_at", "is_repeat", "repeat_of_id"
        )
    )
    result: dict[int, int | None] = {}
    changed: list[Contact] = []
    for index, contact in enumerate(contacts):
        if since is not None and contact.received_at < since:
            continue
        repeat_of = _repeat_of(contacts, index, window)
        result[contact.pk] = repeat_of
        counted = counted_reasons.get(contact.pk, contact.reason_id)
        is_repeat = repeat_of is not None
        day = local_day(contact.received_at)
        if (
            contact.is_repeat
            and counted is not None
            and (not is_repeat or counted != contact.reason_id)
        ):
            reason_count_add(
                reason_id=counted, channel=contact.channel, day=day, delta=0, repeats=-1
            )
        if (
            is_repeat
            and contact.reason_id is not None
            and (not contact.is_repeat or counted != contact.reason_id)
        ):
            reason_count_add(
                reason_id=contact.reason_id, channel=contact.channel, day=day, delta=0, repeats=1
            )
        if (contact.is_repeat, contact.repeat_of_id) != (is_repeat, repeat_of):
            contact.is_repeat, contact.repeat_of_id = is_repeat, repeat_of
            changed.append(contact)
    Contact.objects.bulk_update(changed, ["is_repeat", "repeat_of"], batch_size=500)
    return result


def contact_reason_changed(*, contact: Contact, old_reason_id: int | None) -> None:
    """After `contact`'s reason was set or corrected (and saved): the contact itself, and
    the customer's later contacts within R days, may have become or stopped being repeats."""
    result = repeats_recompute(
        customer_id=contact.customer_id,
        since=contact.received_at,
        until=contact.received_at + repeat_window(),
        counted_reasons={contact.pk: old_reason_id},
    )
    contact.repeat_of_id = result.get(contact.pk)
    contact.is_repeat = contact.repeat_of_id is not None


def customer_repeats_recompute(*, customer_id: int) -> None:
    """The whole history of one customer (after cases or customers were merged)."""
    repeats_recompute(customer_id=customer_id)


def repeats_rebuild(*, customer_ids: Iterable[int] | None = None) -> int:
    """Recompute every contact's flag (or those of `customer_ids`), e.g. after a bulk load
    that wrote contacts without them. Returns the number of customers looked at."""
    if customer_ids is None:
        customer_ids = (
            Contact.objects.order_by().values_list("customer_id", flat=True).distinct().iterator()
        )
    done = 0
    for customer_id in customer_ids:
        with transaction.atomic():
            repeats_recompute(customer_id=customer_id)
        done += 1
    return done


# --- First-contact resolution ------------------------------------------------------------------


@dataclass(frozen=True)
class CaseOutcome:
    case_id: int
    reason_id: int | None
    channel: str
    team_id: int | None
    agent_id: int | None
    first_contact: bool  # FCR: one contact, no repeat within R days of resolution
    repeated: bool  # a contact with one of its reasons came within R days of resolution


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def case_outcomes(*, day: dt.date) -> list[CaseOutcome]:
    """The cases resolved on local `day` (not merged away), each with its FCR outcome,
    read from the raw rows."""
    window = repeat_window()
    start, end = _day_bounds(day)
    cases = list(
        Case.objects.filter(
            resolved_at__gte=start, resolved_at__lt=end, merged_into__isnull=True
        ).values("id", "customer_id", "team_id", "assignee_id", "resolved_at")
    )
    contacts: dict[int, list[dict]] = defaultdict(list)
    ids = [case["id"] for case in cases]
    for offset in range(0, len(ids), 500):
        for row in (
            Contact.objects.filter(case_id__in=ids[offset : offset + 500])
            .order_by("received_at", "id")
            .values("case_id", "received_at", "reason_id", "channel")
        ):
            contacts[row["case_id"]].append(row)
    outcomes = []
    for case in cases:
        rows = contacts.get(case["id"])
        if not rows:
            continue
        first = rows[0]
        reasons = {row["reason_id"] for row in rows if row["reason_id"] is not None}
        repeated = (
            bool(reasons)
            and Contact.objects.filter(
                customer_id=case["customer_id"],
                reason_id__in=reasons,
                received_at__gt=first["received_at"],
                received_at__lte=case["resolved_at"] + window,
            )
            .exclude(case_id=case["id"])
            .exists()
        )
        outcomes.append(
            CaseOutcome(
                case_id=case["id"],
                reason_id=first["reason_id"],
                channel=first["channel"],
                team_id=case["team_id"],
                agent_id=case["assignee_id"],
                first_contact=len(rows) == 1 and not repeated,
                repeated=repeated,
            )
        )
    return outcomes


def last_final_day(today: dt.date | None = None) -> dt.date:
    """The last resolution day whose R-day window has passed for every case in it."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=settings.MOTIVO_REPEAT_DAYS + 1)


@transaction.atomic
def fcr_day_finalise(*, day: dt.date) -> int:
    """(Re)compute the FcrDayCount rows of one resolution day from the raw rows."""
    if day > last_final_day():
        raise ValueError(f"the repeat window of {day} has not passed yet")
    groups: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for outcome in case_outcomes(day=day):
        key = (outcome.reason_id, outcome.channel, outcome.team_id, outcome.agent_id)
        groups[key][0] += 1
        groups[key][1] += outcome.first_contact
        groups[key][2] += outcome.repeated
    FcrDayCount.objects.filter(day=day).delete()
    FcrDayCount.objects.bulk_create(
        FcrDayCount(
            day=day,
            reason_id=reason_id,
            channel=channel,
            team_id=team_id,
            agent_id=agent_id,
            resolved=resolved,
            first_contact=first,
            repeated=repeated,
        )
        for (reason_id, channel, team_id, agent_id), (resolved, first, repeated) in groups.items()
    )
    FcrDay.objects.update_or_create(day=day, defaults={"finalised_at": timezone.now()})
    return sum(values[0] for values in groups.values())


def fcr_finalise(*, today: dt.date | None = None) -> list[dt.date]:
    """Finalise every resolution day not finalised yet (back-filling at most
    FCR_BACKFILL_DAYS on the first run) and refresh the last FCR_LOOKBACK_DAYS. Idempotent:
    run it daily (the worker does when a manager opens the page; or cron
    `manage.py fcr_finalise`). Returns the days written."""
    last = last_final_day(today)
    done = FcrDay.objects.order_by("-day").values_list("day", flat=True).first()
    if done is not None:
        first = min(done + dt.timedelta(days=1), last - dt.timedelta(days=FCR_LOOKBACK_DAYS - 1))
    else:
        earliest = Case.objects.filter(resolved_at__isnull=False).aggregate(Min("resolved_at"))
        moment = earliest["resolved_at__min"]
        if moment is None:
            first = last
        else:
            first = max(local_day(moment), last - dt.timedelta(days=FCR_BACKFILL_DAYS))
    days = []
    day = first
    while day <= last:
        fcr_day_finalise(day=day)
        days.append(day)
        day += dt.timedelta(days=1)
    return days


def fcr_is_current(today: dt.date | None = None) -> bool:
    return FcrDay.objects.filter(day=last_final_day(today)).exists()


# --- Reads for the dashboard (roll-ups only: the cost does not grow with contacts) ------------


@dataclass(frozen=True)
class RepeatRow:
    """One line of the dashboard: repeat rate over contacts (reasons and channels) and
    first-contact resolution over resolved cases (every breakdown)."""

    key: str  # reason id, channel slug, team id, agent id; "" for none
    label: str
    contacts: int | None = None  # None: not broken down this way (teams, agents)
    repeats: int | None = None
    resolved: int = 0
    first_contact: int = 0
    repeated: int = 0

    @property
    def repeat_rate(self) -> float | None:
        return self.repeats / self.contacts if self.contacts else None

    @property
    def fcr(self) -> float | None:
        return self.first_contact / self.resolved if self.resolved else None

    @property
    def repeated_share(self) -> float | None:
        return self.repeated / self.resolved if self.resolved else None

    # Percentages, for the page.
    @property
    def repeat_pct(self) -> float | None:
        return None if self.repeat_rate is None else self.repeat_rate * 100

    @property
    def fcr_pct(self) -> float | None:
        return None if self.fcr is None else self.fcr * 100

    @property
    def repeated_pct(self) -> float | None:
        return None if self.repeated_share is None else self.repeated_share * 100


@dataclass(frozen=True)
class RepeatReport:
    date_from: dt.date
    date_to: dt.date
    fcr_until: dt.date | None  # last resolution day counted in FCR; None: none in the period
    total: RepeatRow
    reasons: list[RepeatRow]
    channels: list[RepeatRow]
    teams: list[RepeatRow]
    agents: list[RepeatRow]


def _fcr_sums(rows: Iterable[dict], field: str) -> dict:
    sums: dict = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        totals = sums[row[field]]
        totals[0] += row["resolved"]
        totals[1] += row["first_contact"]
        totals[2] += row["repeated"]
    return sums


def repeat_report(
    *, date_from: dt.date, date_to: dt.date, channel: str | None = None
) -> RepeatReport:
    """Repeat rate (contacts received in the period, ReasonDayCount) and FCR (cases resolved
    in the period up to the last final day, FcrDayCount), by reason, channel, team, agent.
    A handful of grouped queries over the roll-ups."""
    from motivo.accounts.models import Team, User
    from motivo.core.choices import Channel
    from motivo.insights.models import ReasonDayCount
    from motivo.reasons.models import Reason

    counts = ReasonDayCount.objects.filter(day__gte=date_from, day__lte=date_to)
    fcr_until = min(date_to, last_final_day())
    fcr = FcrDayCount.objects.filter(day__gte=date_from, day__lte=fcr_until)
    if channel:
        counts, fcr = counts.filter(channel=channel), fcr.filter(channel=channel)
    count_rows = list(counts.values("reason_id", "channel", "count", "repeats"))
    fcr_rows = list(
        fcr.values(
            "reason_id", "channel", "team_id", "agent_id", "resolved", "first_contact", "repeated"
        )
    )
    contacts_by: dict = {
        "reason_id": defaultdict(lambda: [0, 0]),
        "channel": defaultdict(lambda: [0, 0]),
    }
    for row in count_rows:
        for field, sums in contacts_by.items():
            sums[row[field]][0] += row["count"]
            sums[row[field]][1] += row["repeats"]

    def build(field: str, labels: dict, with_contacts: bool) -> list[RepeatRow]:
        fcr_sums = _fcr_sums(fcr_rows, field)
        keys = set(fcr_sums) | (set(contacts_by[field]) if with_contacts else set())
        rows = []
        for key in keys:
            contacts, repeats = (
                contacts_by[field].get(key, (0, 0)) if with_contacts else (None, None)
            )
            resolved, first, repeated = fcr_sums.get(key, (0, 0, 0))
            if not contacts and not resolved:
                continue
            rows.append(
                RepeatRow(
                    key="" if key is None else str(key),
                    label=labels.get(key, ""),
                    contacts=contacts,
                    repeats=repeats,
                    resolved=resolved,
                    first_contact=first,
                    repeated=repeated,
                )
            )
        rows.sort(key=lambda r: (-(r.repeats or 0), -(r.contacts or 0), -r.resolved, r.label))
        return rows

    reason_ids = {row["reason_id"] for row in count_rows} | {row["reason_id"] for row in fcr_rows}
    reason_labels = dict(
        Reason.objects.filter(pk__in=reason_ids - {None}).values_list("pk", "name")
    )
    team_ids = {row["team_id"] for row in fcr_rows} - {None}
    agent_ids = {row["agent_id"] for row in fcr_rows} - {None}
    team_labels: dict = {None: _("No team")}
    team_labels.update(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
    agent_labels: dict = {None: _("Unassigned")}
    agent_labels.update(
        {user.pk: user.display_name for user in User.objects.filter(pk__in=agent_ids)}
    )
    total_contacts = sum(row["count"] for row in count_rows)
    total_repeats = sum(row["repeats"] for row in count_rows)
    total = RepeatRow(
        key="",
        label=_("All"),
        contacts=total_contacts,
        repeats=total_repeats,
        resolved=sum(row["resolved"] for row in fcr_rows),
        first_contact=sum(row["first_contact"] for row in fcr_rows),
        repeated=sum(row["repeated"] for row in fcr_rows),
    )
    return RepeatReport(
        date_from=date_from,
        date_to=date_to,
        fcr_until=fcr_until if fcr_until >= date_from else None,
        total=total,
        reasons=build("reason_id", reason_labels, True),
        channels=build("channel", {key: str(label) for key, label in Channel.choices}, True),
        teams=build("team_id", team_labels, False),
        agents=build("agent_id", agent_labels, False),
    )
