"""The deterministic plan of the demo data, without touching the database.

Everything comes from one `random.Random` and an anchor moment (local midnight of the day the
demo is made), so the same seed on the same day gives the same plan. Times are Unix
timestamps (ints) and local days `datetime.date`, which keeps a million contacts cheap.

The plan has a weekly rhythm (a Monday peak, quiet weekends and holidays), a Pareto-skewed
reason mix with trends and one incident, customers who come back (repeat contacts within the
repeat window, on the same case or on a new one) and case lives that end resolved or closed
for old cases and new, open or waiting for recent ones.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import random
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from motivo.demo import catalog
from motivo.demo.catalog import Texts

HOUR = 3600
DAY = 24 * HOUR

# Monday .. Sunday: a Monday peak, quiet weekends.
WEEKDAY_FACTOR = (1.35, 1.15, 1.05, 1.0, 0.9, 0.5, 0.35)
HOLIDAY_FACTOR = 0.45
# Contacts per local hour (email and forms arrive at any time, people call in office hours).
HOUR_WEIGHTS = (
    0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.6, 2.6, 3.0, 3.0,
    2.8, 2.3, 2.0, 2.2, 2.5, 2.5, 2.2, 1.8, 1.5, 1.2, 0.8, 0.4,
)  # fmt: skip
LIVE_HOURS = range(9, 21)  # phone and chat are staffed 9:00-21:00
DEFAULT_CHANNELS = {"email": 0.38, "web": 0.17, "chat": 0.22, "phone": 0.15, "portal": 0.08}
ENGLISH_SHARE = 0.15
PHONE_SHARE = 0.4
REPEAT_SAME_CASE = 0.06  # the customer writes again before the case is solved
REPEAT_NEW_CASE = 0.05  # the customer opens a new case about the same thing within days
WAITING_SHARE = 0.12  # cases where the agent had to ask the customer something
NOTE_SHARE = 0.05
CLOSE_AFTER = 7 * DAY  # resolved cases are closed a week later


@dataclass(slots=True)
class CustomerPlan:
    name: str
    first_name: str
    language: str
    email: str | None
    phone: str | None
    preferred_channel: str
    created_ts: int


@dataclass(slots=True)
class ContactPlan:
    ts: int
    day: dt.date  # local day, for the roll-ups
    channel: str
    reason: int | None  # index into World.reasons


@dataclass(slots=True)
class MessagePlan:
    kind: str  # "inbound", "reply" or "note"
    ts: int
    body: str
    author: int | None = None  # agent index into World.agents
    contact: int | None = None  # index into CasePlan.contacts (inbound contacts only)


@dataclass(slots=True)
class CasePlan:
    customer: int  # index into the customer list
    subject: str
    channel: str
    created_ts: int
    status: str = "new"
    team: int | None = None
    assignee: int | None = None
    assigned_ts: int | None = None
    first_reply_ts: int | None = None
    resolved_ts: int | None = None
    last_activity_ts: int = 0
    contacts: list[ContactPlan] = field(default_factory=list)
    messages: list[MessagePlan] = field(default_factory=list)
    # (ts, from, to, actor agent index or None for the system)
    transitions: list[tuple[int, str, str, int | None]] = field(default_factory=list)
    # (ts, contact index, actor agent index): an agent classified a contact
    reasons_set: list[tuple[int, int, int | None]] = field(default_factory=list)


@dataclass(frozen=True)
class ReasonProfile:
    name: str
    weight: float
    trend: tuple[float, float]
    channels: tuple[str, ...]
    channel_cum: tuple[float, ...]
    team: int | None  # index into World.team_agents
    texts: Mapping[str, Texts]


@dataclass(frozen=True)
class World:
    """What the plan refers to by index: reasons, agents and which team each agent is in."""

    reasons: tuple[ReasonProfile, ...]
    agents: tuple[str, ...]  # first names, used to sign replies
    team_agents: tuple[tuple[int, ...], ...]  # agent indices per team
    incident_reason: int | None = None  # a reason that spikes for a few days


def _cum(weights: Sequence[float]) -> tuple[float, ...]:
    return tuple(itertools.accumulate(weights))


def reason_profile(
    *, name: str, rank: int, team: int | None, weight: float | None = None
) -> ReasonProfile:
    """The demo profile of a reason: the catalog's when the name is known, a generic one
    (weight falling with the rank, Pareto-like) otherwise."""
    spec = next((spec for spec in catalog.REASONS if spec.name == name), None)
    mix = dict(spec.channels) if spec and spec.channels else dict(DEFAULT_CHANNELS)
    channels = tuple(mix)
    if spec is None:
        safe = name.replace("{", "{{").replace("}", "}}")
        texts = {
            language: Texts(
                tuple(s.replace("{reason}", safe) for s in generic.subjects),
                tuple(b.replace("{reason}", safe) for b in generic.bodies),
                generic.replies,
            )
            for language, generic in catalog.GENERIC.items()
        }
        return ReasonProfile(
            name=name,
            weight=weight if weight is not None else 30 / (rank + 1) ** 0.9,
            trend=(1.0, 1.0),
            channels=channels,
            channel_cum=_cum([mix[c] for c in channels]),
            team=team,
            texts=texts,
        )
    return ReasonProfile(
        name=name,
        weight=weight if weight is not None else spec.weight,
        trend=spec.trend,
        channels=channels,
        channel_cum=_cum([mix[c] for c in channels]),
        team=team,
        texts={"es": spec.es, "en": spec.en},
    )


def catalog_world() -> World:
    """The world of the base demo: the catalog's reasons, agents and teams."""
    agents = [m for m in catalog.STAFF if m.role == "agent"]
    team_agents = tuple(
        tuple(i for i, m in enumerate(agents) if m.team == team) for team in catalog.TEAMS
    )
    reasons = tuple(
        reason_profile(
            name=spec.name,
            rank=rank,
            team=catalog.TEAMS.index(catalog.CATEGORY_TEAM[spec.category]),
        )
        for rank, spec in enumerate(catalog.REASONS)
    )
    incident = next(i for i, r in enumerate(reasons) if r.name == "Me han cobrado dos veces")
    return World(
        reasons=reasons,
        agents=tuple(m.first_name for m in agents),
        team_agents=team_agents,
        incident_reason=incident,
    )


# ------------------------------------------------------------------------------------------
# Customers
# ------------------------------------------------------------------------------------------


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def plan_customers(
    *, rng: random.Random, count: int, start_ts: int, tag: str = "", examples: bool = True
) -> list[CustomerPlan]:
    """`count` customers, ~15% English-speaking; the catalog's example customers first.
    Emails are unique within the plan; `tag` makes them unique across plans."""
    plans: list[CustomerPlan] = []
    seen: set[str] = set()
    if examples:
        for name, email, language in catalog.EXAMPLE_CUSTOMERS[:count]:
            seen.add(email)
            plans.append(
                CustomerPlan(
                    name=name,
                    first_name=name.split()[0],
                    language=language,
                    email=email,
                    phone=None,
                    preferred_channel="email",
                    created_ts=start_ts - rng.randrange(30, 700) * DAY,
                )
            )
    while len(plans) < count:
        english = rng.random() < ENGLISH_SHARE
        if english:
            first, last = rng.choice(catalog.ENGLISH_FIRST), rng.choice(catalog.ENGLISH_LAST)
            name = f"{first} {last}"
        else:
            first = rng.choice(catalog.SPANISH_FIRST)
            last, last2 = rng.choice(catalog.SPANISH_LAST), rng.choice(catalog.SPANISH_LAST)
            name = f"{first} {last} {last2}" if rng.random() < 0.5 else f"{first} {last}"
        local = f"{_ascii(first)}.{_ascii(last)}"
        if rng.random() < 0.3:
            local = f"{_ascii(first)}{_ascii(last)[:3]}{rng.randrange(10, 99)}"
        email = f"{local}{tag}@{rng.choice(catalog.EMAIL_DOMAINS)}"
        suffix = 2
        while email in seen:
            email = f"{local}{tag}.{suffix}@{email.split('@', 1)[1]}"
            suffix += 1
        seen.add(email)
        phone = None
        if rng.random() < PHONE_SHARE:
            phone = (
                f"+447{rng.randrange(100000000, 999999999)}"
                if english
                else f"+346{rng.randrange(10000000, 99999999)}"
            )
        preferred = "phone" if phone and rng.random() < 0.4 else rng.choice(("email", "chat"))
        plans.append(
            CustomerPlan(
                name=name,
                first_name=first,
                language="en" if english else "es",
                email=email,
                phone=phone,
                preferred_channel=preferred,
                created_ts=start_ts - rng.randrange(1, 900) * DAY,
            )
        )
    return plans


# ------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerRef:
    first_name: str
    language: str


@lru_cache(maxsize=65536)
def _local_day(hour_ts: int, zone: ZoneInfo) -> dt.date:
    return dt.datetime.fromtimestamp(hour_ts, zone).date()


def local_day(ts: int, zone: ZoneInfo) -> dt.date:
    """The local day of a timestamp (time zones change offset on whole hours)."""
    return _local_day(ts - ts % HOUR, zone)


def day_weights(days: Sequence[dt.date]) -> list[float]:
    """Relative contact volume per day: weekly rhythm, holidays, growth, the Christmas peak."""
    years = sorted({day.year for day in days})
    spanish_holidays = holidays.country_holidays("ES", years=years)
    n = len(days)
    weights = []
    for i, day in enumerate(days):
        weight = WEEKDAY_FACTOR[day.weekday()] * (0.9 + 0.2 * i / max(1, n - 1))
        if day in spanish_holidays:
            weight *= HOLIDAY_FACTOR
        if (
            (day.month == 11 and day.day >= 24)
            or day.month == 12
            or (day.month == 1 and day.day <= 7)
        ):
            weight *= 1.3
        weights.append(weight)
    return weights


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainders)."""
    whole = sum(weights) or 1.0
    raw = [total * w / whole for w in weights]
    counts = [int(x) for x in raw]
    short = total - sum(counts)
    order = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for i in order[:short]:
        counts[i] += 1
    return counts


class _Texts:
    """Fills a reason's templates for one case."""

    def __init__(self, rng: random.Random, language: str, first_name: str) -> None:
        self.rng = rng
        self.language = language
        amount = rng.randrange(12, 480)
        cents = rng.choice((0, 50, 95, 99))
        sep = "," if language == "es" else "."
        self.values = {
            "order": f"TS-{rng.randrange(100000, 999999)}",
            "product": rng.choice(catalog.PRODUCTS[language]),
            "amount": f"{amount}{sep}{cents:02d}",
            "days": str(rng.randrange(3, 15)),
            "first_name": first_name,
            "agent": "",
        }

    def fill(self, template: str, agent: str = "") -> str:
        self.values["agent"] = agent
        return template.format_map(self.values)

    def pick(self, options: Sequence[str], agent: str = "") -> str:
        return self.fill(self.rng.choice(options), agent)


def _reply_delay(rng: random.Random, channel: str) -> int:
    """Seconds from the contact to the first answer."""
    if channel in ("phone", "chat"):
        return rng.randrange(30, 15 * 60)
    return int(min(rng.lognormvariate(9.0, 1.0), 3 * DAY)) + 300  # median ~2.5 h


def _resolve_delay(rng: random.Random, channel: str) -> int:
    """Seconds from the first answer to resolution (often none: solved at first answer)."""
    if rng.random() < (0.65 if channel in ("phone", "chat") else 0.45):
        return rng.randrange(60, 1800)
    return int(min(rng.lognormvariate(11.6, 1.1), 14 * DAY))  # median ~30 h


class CasePlanner:
    """Generates cases day by day from a contact budget (exactly `contacts` contacts)."""

    def __init__(
        self,
        *,
        rng: random.Random,
        world: World,
        customers: Sequence[CustomerRef],
        first_day: dt.date,
        days: int,
        now_ts: int,
        zone: ZoneInfo,
        rich: bool,
        repeat_window_days: int = 7,
        regulars: Sequence[tuple[int, int]] = (),
    ) -> None:
        """`regulars`: (customer, reason) pairs of customers who write often and also wrote
        on the last day (the demo's example customers, so their history is worth a look)."""
        self.rng = rng
        self.world = world
        self.customers = customers
        self.zone = zone
        self.now_ts = now_ts
        self.rich = rich
        self.window = repeat_window_days * DAY
        self.days = [first_day + dt.timedelta(days=i) for i in range(days)]
        # Busy customers write often, most write once or twice (shuffled Zipf weights).
        ranks = list(range(len(customers)))
        rng.shuffle(ranks)
        for n, (customer, _reason) in enumerate(regulars):
            if customer < len(ranks):
                swap = ranks.index(150 + 250 * n) if 150 + 250 * n < len(ranks) else customer
                ranks[customer], ranks[swap] = ranks[swap], ranks[customer]
        self.customer_cum = _cum([1 / (rank + 3) ** 0.75 for rank in ranks])
        self.hour_cum = _cum(HOUR_WEIGHTS)
        live = [w if h in LIVE_HOURS else 0.0 for h, w in enumerate(HOUR_WEIGHTS)]
        self.live_hour_cum = _cum(live)
        self.follow_ups: dict[dt.date, list[tuple[int, int]]] = {}
        if regulars and self.days:
            self.follow_ups[self.days[-1]] = [
                (c, r) for c, r in regulars if c < len(customers) and r < len(world.reasons)
            ]

    def _reason_cum(self, index: int) -> tuple[float, ...]:
        """Reason weights on day `index`: base weight, trend, and the incident spike."""
        n = len(self.days)
        position = index / max(1, n - 1)
        incident_start = n - 45
        weights = []
        for r, reason in enumerate(self.world.reasons):
            start, end = reason.trend
            weight = reason.weight * (start + (end - start) * position)
            if r == self.world.incident_reason and incident_start <= index < incident_start + 4:
                weight *= 5
            weights.append(weight)
        return _cum(weights)

    def _pick_customer(self) -> int:
        rng = self.rng
        return bisect.bisect_left(self.customer_cum, rng.random() * self.customer_cum[-1])

    def _pick(self, cum: Sequence[float]) -> int:
        return min(bisect.bisect_left(cum, self.rng.random() * cum[-1]), len(cum) - 1)

    def _channel(self, reason: ReasonProfile, language: str, weekday: int) -> str:
        channel = reason.channels[self._pick(reason.channel_cum)]
        if channel == "phone" and (language == "en" or weekday == 6):
            channel = "email"  # no English phone line, no phones on Sunday
        return channel

    def _time(self, day_start: int, day_len: int, channel: str) -> int:
        cum = self.live_hour_cum if channel in ("phone", "chat") else self.hour_cum
        hour = self._pick(cum)
        offset = hour * HOUR + self.rng.randrange(HOUR)
        return day_start + min(offset, day_len - 1)

    def batches(self, *, contacts: int, batch_contacts: int = 10_000) -> Iterator[list[CasePlan]]:
        """Yield lists of cases holding about `batch_contacts` contacts each, in order of
        creation; exactly `contacts` contacts in all."""
        budget = allocate(contacts, day_weights(self.days))
        remaining = contacts
        batch: list[CasePlan] = []
        in_batch = 0
        for index, day in enumerate(self.days):
            reason_cum = self._reason_cum(index)
            start = dt.datetime.combine(day, dt.time.min, tzinfo=self.zone)
            day_start = int(start.timestamp())
            day_len = int((start + dt.timedelta(days=1)).timestamp()) - day_start
            today = budget[index]
            queue = self.follow_ups.pop(day, [])
            while today > 0 and remaining > 0:
                if queue:
                    customer, reason = queue.pop()
                else:
                    customer = self._pick_customer()
                    reason = self._pick(reason_cum)
                case = self._case(
                    customer=customer,
                    reason=reason,
                    day=day,
                    day_start=day_start,
                    day_len=day_len,
                    budget=min(today, remaining),
                )
                used = len(case.contacts)
                today -= used
                remaining -= used
                batch.append(case)
                in_batch += used
                if in_batch >= batch_contacts:
                    yield batch
                    batch, in_batch = [], 0
        if batch:
            yield batch

    def _case(
        self, *, customer: int, reason: int, day: dt.date, day_start: int, day_len: int, budget: int
    ) -> CasePlan:
        rng, world, now = self.rng, self.world, self.now_ts
        ref = self.customers[customer]
        profile = world.reasons[reason]
        channel = self._channel(profile, ref.language, day.weekday())
        t0 = self._time(day_start, day_len, channel)
        texts = profile.texts.get(ref.language) or profile.texts["es"]
        fill = _Texts(rng, ref.language, ref.first_name)
        case = CasePlan(customer=customer, subject=fill.pick(texts.subjects), channel=channel,
                        created_ts=t0)  # fmt: skip
        case.contacts.append(ContactPlan(t0, day, channel, reason))
        case.messages.append(MessagePlan("inbound", t0, fill.pick(texts.bodies), contact=0))

        # Who handles it.
        team = profile.team
        pool = world.team_agents[team] if team is not None and world.team_agents[team] else ()
        if not pool:
            pool = tuple(range(len(world.agents)))
        agent = pool[min(int(rng.random() ** 1.3 * len(pool)), len(pool) - 1)] if pool else None

        # Its life: first answer, perhaps a question to the customer, resolution.
        first_reply = t0 + _reply_delay(rng, channel)
        waiting_until = None
        if self.rich and channel in ("email", "web", "portal") and rng.random() < WAITING_SHARE:
            waiting_until = first_reply + rng.randrange(2 * HOUR, 6 * DAY)
        resolve_from = (
            waiting_until + rng.randrange(600, 6 * HOUR) if waiting_until else first_reply
        )
        resolved = resolve_from + _resolve_delay(rng, channel)

        # The customer writes again before it is solved: another contact on the same case.
        repeated = False
        if budget > 1 and waiting_until is None and rng.random() < REPEAT_SAME_CASE:
            again = t0 + rng.randrange(2 * HOUR, 4 * DAY)
            if again < now:
                follow = catalog.FOLLOW_UPS.get(ref.language) or catalog.FOLLOW_UPS["es"]
                again_channel = self._channel(profile, ref.language, day.weekday())
                case.contacts.append(
                    ContactPlan(again, local_day(again, self.zone), again_channel, reason)
                )
                case.messages.append(MessagePlan("inbound", again, fill.pick(follow), contact=1))
                resolved = max(resolved, again + rng.randrange(HOUR, DAY))
                repeated = True
        # ... or comes back about the same reason within the repeat window: a new case.
        if rng.random() < REPEAT_NEW_CASE and self.window > 2 * DAY:
            back = local_day(t0 + rng.randrange(DAY, self.window - DAY), self.zone)
            self.follow_ups.setdefault(back, []).append((customer, reason))

        recent_unassigned = first_reply > now and now - t0 < 10 * HOUR
        if agent is not None and not recent_unassigned:
            case.team = team
            case.assignee = agent
            case.assigned_ts = t0 + rng.randrange(10, 600)
        agent_name = world.agents[case.assignee] if case.assignee is not None else ""

        last = max(c.ts for c in case.contacts)
        if first_reply <= now and case.assignee is not None:
            case.first_reply_ts = first_reply
            if self.rich:
                question = waiting_until is not None
                options = (
                    (catalog.WAITING_QUESTIONS.get(ref.language) or catalog.WAITING_QUESTIONS["es"])
                    if question
                    else texts.replies
                )
                case.messages.append(
                    MessagePlan("reply", first_reply, fill.pick(options, agent_name), agent)
                )
                for i in range(len(case.contacts)):
                    if case.contacts[i].ts <= first_reply:
                        case.reasons_set.append((first_reply, i, agent))
            case.transitions.append((first_reply, "new", "open", agent))
            last = max(last, first_reply)
            status = "open"
            if waiting_until is not None:
                case.transitions.append((first_reply, "open", "waiting", agent))
                status = "waiting"
                if waiting_until <= now:
                    answer = "Os lo envío." if ref.language == "es" else "Here you are."
                    case.messages.append(MessagePlan("inbound", waiting_until, answer))
                    case.transitions.append((waiting_until, "waiting", "open", None))
                    status = "open"
                    last = max(last, waiting_until)
            if self.rich and rng.random() < NOTE_SHARE:
                note_at = min(first_reply + rng.randrange(60, 3 * HOUR), now)
                case.messages.append(MessagePlan("note", note_at, rng.choice(catalog.NOTES), agent))
            if resolved <= now:
                if self.rich and (waiting_until is not None or repeated):
                    options = (
                        catalog.FOLLOW_UP_REPLIES.get(ref.language)
                        or catalog.FOLLOW_UP_REPLIES["es"]
                        if repeated
                        else texts.replies
                    )
                    case.messages.append(
                        MessagePlan("reply", resolved, fill.pick(options, agent_name), agent)
                    )
                if self.rich:
                    for i, contact in enumerate(case.contacts):
                        if contact.ts > first_reply:
                            case.reasons_set.append((resolved, i, agent))
                case.transitions.append((resolved, status, "resolved", agent))
                case.resolved_ts = resolved
                status = "resolved"
                last = max(last, resolved)
                if resolved + CLOSE_AFTER <= now and rng.random() < 0.85:
                    case.transitions.append((resolved + CLOSE_AFTER, "resolved", "closed", None))
                    status = "closed"
            case.status = status
        # Contacts of cases still in progress are not always classified yet.
        if case.status not in ("resolved", "closed"):
            classified = case.first_reply_ts is not None and rng.random() < 0.6
            for contact in case.contacts:
                if not classified or contact.ts > first_reply:
                    contact.reason = None
            if not classified:
                case.reasons_set.clear()
        case.messages.sort(key=lambda m: m.ts)
        case.last_activity_ts = max(
            [
                last,
                *(m.ts for m in case.messages if m.ts <= now),
                *(t[0] for t in case.transitions if t[0] <= now),
            ]
        )
        return case


def plan_fingerprint(customers: Sequence[CustomerPlan], batches: Sequence[list[CasePlan]]) -> str:
    """A digest of a plan, to check that the same seed gives the same data."""
    digest = hashlib.sha256()
    for customer in customers:
        digest.update(repr(customer).encode())
    for batch in batches:
        for case in batch:
            digest.update(repr(case).encode())
    return digest.hexdigest()
