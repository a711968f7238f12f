"""Reads of the reason taxonomy."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Count, Prefetch, Q, QuerySet

from motivo.accounts.models import STAFF_ROLES, User
from motivo.core.fastsql import execute
from motivo.reasons.models import Action, Department, Reason, ReasonCategory, ReasonEvent


def reason_list(*, active_only: bool = True) -> QuerySet[Reason]:
    qs = Reason.objects.select_related("category", "owner", "owner_person")
    return qs.filter(active=True) if active_only else qs


def active_reason_names() -> list[tuple[int, str]]:
    """(id, name) of every active reason: one plain query, for the ingest hot path (the API
    names a contact's reason by id or name on every request)."""
    table = connection.ops.quote_name(Reason._meta.db_table)
    return execute(f"SELECT id, name FROM {table} WHERE active = %s", (True,))  # noqa: S608


def reason_stub(pk: int, name: str) -> Reason:
    """A Reason loaded with only its id and name (other fields load on first access)."""
    return Reason.from_db(DEFAULT_DB_ALIAS, ["id", "name"], (pk, name))


def category_list() -> QuerySet[ReasonCategory]:
    return ReasonCategory.objects.all()


def department_list() -> QuerySet[Department]:
    return Department.objects.all()


def taxonomy() -> QuerySet[ReasonCategory]:
    """Every category with its reasons (active or not) and their owners: two queries."""
    reasons = Reason.objects.select_related("owner", "owner_person").order_by("name")
    return ReasonCategory.objects.prefetch_related(Prefetch("reasons", queryset=reasons))


def department_list_with_reason_count() -> QuerySet[Department]:
    """Departments, each annotated with `reason_count` (how many reasons it owns)."""
    return Department.objects.annotate(reason_count=Count("reasons"))


def owner_person_choices(*, current_id: int | None = None) -> QuerySet[User]:
    """Who may own a reason: active staff, plus the current owner person even if they left
    (so a reason can be saved without silently losing its owner)."""
    condition = Q(is_active=True, role__in=STAFF_ROLES)
    if current_id is not None:
        condition |= Q(pk=current_id)
    return User.objects.filter(condition).order_by("first_name", "last_name", "username")


def reason_history(*, reason: Reason, limit: int = 200) -> list[ReasonEvent]:
    """The reason's events, newest first, with who made each change (one query)."""
    return list(reason.events.select_related("actor").order_by("-created_at", "-pk")[:limit])


# --------------------------------------------------------------------------------------------
# The value–irritant matrix
# --------------------------------------------------------------------------------------------

# Where each quadrant sits on the 2×2 chart: value to the customer runs up, value to the
# company runs right.
QUADRANT_ORDER = (Action.SELF_SERVE, Action.LEVERAGE, Action.ELIMINATE, Action.SIMPLIFY)
SORTS = ("cost", "volume", "name", "quadrant")


@dataclass(frozen=True)
class MatrixRow:
    reason: Reason
    volume: int  # contacts in the period
    cost: Decimal | None  # None when costs are not available

    @property
    def quadrant(self) -> str | None:
        return self.reason.quadrant

    @property
    def flagged(self) -> bool:
        return self.reason.flagged

    @property
    def cost_per_contact(self) -> Decimal | None:
        if self.cost is None or not self.volume:
            return None
        return (self.cost / self.volume).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Matrix:
    date_from: dt.date
    date_to: dt.date
    rated: list[MatrixRow]
    to_rate: list[MatrixRow]
    costs_available: bool
    quadrants: dict[str, list[MatrixRow]] = field(default_factory=dict)

    @property
    def reason_count(self) -> int:
        return len(self.rated) + len(self.to_rate)

    @property
    def total_volume(self) -> int:
        return sum(row.volume for row in self.rated + self.to_rate)

    @property
    def total_cost(self) -> Decimal | None:
        if not self.costs_available:
            return None
        return sum((row.cost or Decimal(0) for row in self.rated + self.to_rate), Decimal(0))

    @property
    def flagged(self) -> list[MatrixRow]:
        return [row for row in self.rated if row.flagged]


def _reason_costs() -> Callable[..., dict[int, Decimal]] | None:
    """motivo.costs' cost per reason, if that app is installed (imported lazily: the
    reasons app must not depend on it)."""
    try:
        from motivo.costs.selectors import reason_costs
    except ImportError:
        return None
    return reason_costs


def name_key(name: str) -> str:
    """Alphabetical order as a reader expects it: no accents, no case, no leading "¿¡"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return plain.lstrip("¿¡?!\"'“”«» ").casefold()


def _sort_key(sort: str) -> Callable[[MatrixRow], tuple]:
    rank = {value: index for index, value in enumerate(Action.values)}

    def by_name(row: MatrixRow) -> tuple:
        return (name_key(row.reason.name), row.reason.pk)

    if sort == "name":
        return by_name
    if sort == "volume":
        return lambda row: (-row.volume, -(row.cost or 0), *by_name(row))
    if sort == "quadrant":
        return lambda row: (
            rank.get(row.quadrant or "", len(rank)),
            -(row.cost or 0),
            -row.volume,
            *by_name(row),
        )
    return lambda row: (-(row.cost or 0), -row.volume, *by_name(row))


def matrix(*, date_from: dt.date, date_to: dt.date, sort: str = "cost") -> Matrix:
    """Every active reason with its volume (contacts in [date_from, date_to], local days,
    from the daily roll-up) and cost (motivo.costs), split into rated reasons — grouped by
    quadrant — and reasons still to rate. Three queries whatever the number of contacts,
    plus what the cost selector needs."""
    from motivo.insights.selectors import reason_contact_counts

    reasons = list(reason_list(active_only=True))
    counts = reason_contact_counts(date_from=date_from, date_to=date_to)
    cost_of = _reason_costs()
    costs = cost_of(date_from=date_from, date_to=date_to) if cost_of else None
    rows = [
        MatrixRow(
            reason=reason,
            volume=counts.get(reason.pk, 0),
            cost=None if costs is None else costs.get(reason.pk, Decimal("0.00")),
        )
        for reason in reasons
    ]
    rows.sort(key=_sort_key(sort if sort in SORTS else "cost"))
    rated = [row for row in rows if row.quadrant is not None]
    quadrants: dict[str, list[MatrixRow]] = {value: [] for value in QUADRANT_ORDER}
    for row in sorted(rated, key=_sort_key("cost")):
        quadrants[row.quadrant].append(row)  # type: ignore[index]
    return Matrix(
        date_from=date_from,
        date_to=date_to,
        rated=rated,
        to_rate=[row for row in rows if row.quadrant is None],
        costs_available=costs is not None,
        quadrants=quadrants,
    )
