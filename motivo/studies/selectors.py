"""Reads of the studies app. Every read that depends on who asks goes through here: staff
see every repeat contact and study; customers none ("not yours" and "does not exist" are
the same 404).

What is counted (docs/repeat-studies.md): a study counts when its contact is, now, a
repeat with a reason — the same repeat contacts the Repeats and FCR dashboard and the
weekly review count (ReasonDayCount.repeats). A study whose contact stopped being a repeat
(a reason corrected, cases or customers merged) keeps its row but is counted nowhere.
Periods are local days of the repeat contact's arrival.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.accounts.models import Team, User
from motivo.cases.models import Contact, Message
from motivo.insights.models import ReasonDayCount
from motivo.insights.selectors import local_day_bounds
from motivo.reasons.models import Reason
from motivo.studies.models import RepeatCause, RepeatStudy

PAGE_SIZE = 50
OPEN_DAYS = 30  # an agent's open studies: repeats of the last 30 days on their cases
EXCERPT = 280
TOP_CAUSES_SHOWN = 5
NOTES_SHOWN = 4
NONE = "none"  # the filter value for "no team" / "no agent"


def _excerpt(text: str, length: int = EXCERPT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --------------------------------------------------------------------------------------------
# Causes
# --------------------------------------------------------------------------------------------


def cause_list(*, active_only: bool = True) -> list[RepeatCause]:
    qs = RepeatCause.objects.all()
    if active_only:
        qs = qs.filter(active=True)
    return list(qs.order_by("position", "pk"))


def causes_to_choose(*, studies: list[RepeatStudy | None]) -> list[RepeatCause]:
    """What a study form offers: the active causes, plus those `studies` chose that have
    been retired since. One query."""
    chosen = {study.cause_id for study in studies if study is not None}
    return list(
        RepeatCause.objects.filter(Q(active=True) | Q(pk__in=chosen)).order_by("position", "pk")
    )


def cause_get(*, cause_id: int) -> RepeatCause:
    cause = RepeatCause.objects.filter(pk=cause_id).first()
    if cause is None:
        raise Http404
    return cause


# --------------------------------------------------------------------------------------------
# One repeat contact and its study
# --------------------------------------------------------------------------------------------


def repeat_contact_for_user(*, user: User, contact_id: int) -> Contact:
    """A repeat contact `user` may study: staff, and the contact is a repeat now."""
    if not user.is_authenticated or not user.is_staff_member:
        raise Http404
    contact = (
        Contact.objects.select_related(
            "case", "customer", "reason", "repeat_of", "repeat_of__reason", "repeat_of__case"
        )
        .filter(pk=contact_id, is_repeat=True, repeat_of__isnull=False)
        .first()
    )
    if contact is None:
        raise Http404
    return contact


def first_answer(*, first: Contact, before: Contact) -> Message | None:
    """The last reply on the first contact's case sent after it and before the repeat
    arrived: what we answered that did not solve it (None when nobody replied)."""
    return (
        Message.objects.filter(
            case_id=first.case_id,
            kind=Message.Kind.REPLY,
            author__isnull=False,
            created_at__gte=first.received_at,
            created_at__lte=before.received_at,
        )
        .select_related("author")
        .order_by("-created_at", "-id")
        .first()
    )


@dataclass
class StudyItem:
    """A repeat contact with what its study panel shows."""

    contact: Contact  # the repeat
    first: Contact  # the contact it repeats (now)
    study: RepeatStudy | None
    repeat_text: str = ""
    first_text: str = ""
    answer: Message | None = None  # our last reply to the first contact before the repeat
    answer_text: str = ""
    form: Any = None  # the study form the case page shows (set by the template tag)

    @property
    def same_case(self) -> bool:
        return self.first.case_id == self.contact.case_id

    @property
    def studied_other_contact(self) -> bool:
        """The study was answered when the contact repeated another contact (repeats were
        recomputed since)."""
        return self.study is not None and self.study.first_contact_id != self.first.pk


def _first_answers(pairs: list[tuple[Contact, Contact]]) -> dict[int, Message]:
    """`first_answer` for many (first, repeat) pairs in one query: repeat id → our last
    reply on the first contact's case between the two."""
    if not pairs:
        return {}
    replies = list(
        Message.objects.filter(
            case_id__in={first.case_id for first, _repeat in pairs},
            kind=Message.Kind.REPLY,
            author__isnull=False,
            created_at__gte=min(first.received_at for first, _repeat in pairs),
            created_at__lte=max(repeat.received_at for _first, repeat in pairs),
        )
        .select_related("author")
        .order_by("created_at", "id")
    )
    answers = {}
    for first, repeat in pairs:
        for reply in reversed(replies):
            if (
                reply.case_id == first.case_id
                and first.received_at <= reply.created_at <= repeat.received_at
            ):
                answers[repeat.pk] = reply
                break
    return answers


def study_items(*, contacts: list[Contact]) -> list[StudyItem]:
    """The study panel of each repeat among `contacts` (a case's contacts, loaded with
    `repeat_of` and `reason`): at most four queries however many repeats the case holds
    (one more with the causes for the forms); none when no contact is a repeat."""
    repeats = [c for c in contacts if c.is_repeat and c.repeat_of_id is not None]
    if not repeats:
        return []
    # The first contacts on the same case are among `contacts` already (with their reason).
    known = {c.pk: c for c in contacts}
    firsts = {c.repeat_of_id: known[c.repeat_of_id] for c in repeats if c.repeat_of_id in known}
    missing = {c.repeat_of_id for c in repeats} - set(firsts)
    if missing:
        firsts.update(Contact.objects.select_related("reason").in_bulk(missing))
    studies = {
        s.contact_id: s
        for s in RepeatStudy.objects.filter(contact__in=repeats).select_related(
            "cause", "answered_by", "agent"
        )
    }
    ids = [c.pk for c in repeats] + list(firsts)
    texts = dict(Message.objects.filter(contact_id__in=ids).values_list("contact_id", "body"))
    pairs = [(firsts[c.repeat_of_id], c) for c in repeats if c.repeat_of_id in firsts]
    answers = _first_answers(pairs)
    items = []
    for first, contact in pairs:
        answer = answers.get(contact.pk)
        items.append(
            StudyItem(
                contact=contact,
                first=first,
                study=studies.get(contact.pk),
                repeat_text=_excerpt(texts.get(contact.pk, "")),
                first_text=_excerpt(texts.get(first.pk, "")),
                answer=answer,
                answer_text=_excerpt(answer.body) if answer else "",
            )
        )
    return items


def study_for_contact(*, contact: Contact) -> RepeatStudy | None:
    return (
        RepeatStudy.objects.select_related("cause", "answered_by", "agent", "team")
        .filter(contact=contact)
        .first()
    )


# --------------------------------------------------------------------------------------------
# An agent's open studies
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    has_next: bool


def open_studies(
    *, user: User, page: int = 1, today: dt.date | None = None, size: int = PAGE_SIZE
) -> Page:
    """Repeat contacts of the last OPEN_DAYS days on cases assigned to `user` whose study
    is not answered yet, newest first. One page, one row more to know whether another
    follows (no count)."""
    page = max(1, page)
    today = today or timezone.localdate()
    start, _end = local_day_bounds(today - dt.timedelta(days=OPEN_DAYS - 1), today)
    qs = (
        Contact.objects.filter(
            is_repeat=True,
            repeat_of__isnull=False,
            received_at__gte=start,
            case__assignee=user,
            repeat_study__isnull=True,
        )
        .select_related("case", "customer", "reason", "repeat_of")
        .order_by("-received_at", "-id")
    )
    offset = (page - 1) * size
    rows = list(qs[offset : offset + size + 1])
    return Page(items=rows[:size], number=page, has_next=len(rows) > size)


# --------------------------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------------------------


def counted_studies(*, date_from: dt.date, date_to: dt.date) -> QuerySet[RepeatStudy]:
    """The studies that count for repeats received in [date_from, date_to] (local days):
    their contact is a repeat now and has a reason. The contact is checked in a correlated
    EXISTS on its primary key, so every plan starts from the studies of the period (a plain
    join let SQLite start from the contacts' indexes: 0.8 s a page at 1M contacts)."""
    start, end = local_day_bounds(date_from, date_to)
    counted = Contact.objects.filter(
        pk=OuterRef("contact_id"), is_repeat=True, reason__isnull=False
    )
    return RepeatStudy.objects.filter(received_at__gte=start, received_at__lt=end).filter(
        Exists(counted)
    )


def repeat_counts(*, date_from: dt.date, date_to: dt.date) -> dict[int, int]:
    """Classified repeat contacts received in the period per reason (the roll-up)."""
    rows = (
        ReasonDayCount.objects.filter(day__gte=date_from, day__lte=date_to)
        .values("reason_id")
        .annotate(total=Sum("repeats"))
        .order_by()
    )
    return {row["reason_id"]: row["total"] for row in rows if row["total"]}


@dataclass(frozen=True)
class CauseCount:
    cause: RepeatCause
    count: int
    share_pct: float  # of the studies counted

    @property
    def cause_id(self) -> int:
        return self.cause.pk

    @property
    def label(self) -> str:
        """In the language active when shown (the weekly review mails each participant in
        theirs)."""
        return self.cause.name


@dataclass
class BreakdownRow:
    """One reason, team or agent: its studies per cause (and its repeats, for reasons)."""

    key: str  # reason/team/agent id, NONE for none
    label: str
    repeats: int | None = None  # None: not known for this breakdown (teams, agents)
    by_cause: dict[int, int] = field(default_factory=dict)

    @property
    def studied(self) -> int:
        return sum(self.by_cause.values())

    @property
    def studied_pct(self) -> float | None:
        return self.studied / self.repeats * 100 if self.repeats else None

    @property
    def top_cause(self) -> int | None:
        if not self.by_cause:
            return None
        return min(self.by_cause, key=lambda pk: (-self.by_cause[pk], pk))


@dataclass
class StudyReport:
    date_from: dt.date
    date_to: dt.date
    repeats: int | None  # classified repeats received (None with a team or agent filter)
    studied: int
    causes: list[CauseCount]  # every cause with studies, most first; then unused active ones
    reasons: list[BreakdownRow]
    teams: list[BreakdownRow]
    agents: list[BreakdownRow]

    @property
    def studied_pct(self) -> float | None:
        return self.studied / self.repeats * 100 if self.repeats else None

    @property
    def unanswered(self) -> int | None:
        return None if self.repeats is None else max(0, self.repeats - self.studied)


@dataclass(frozen=True)
class StudyFilters:
    reason_id: int | None = None
    team: str | None = None  # a team id, NONE, or None for any
    agent: str | None = None  # an agent id (who answered the first contact), NONE, or None


def _filtered(qs: QuerySet[RepeatStudy], filters: StudyFilters) -> QuerySet[RepeatStudy]:
    if filters.reason_id:  # checked on the contact's primary key, as in counted_studies
        of_reason = Contact.objects.filter(pk=OuterRef("contact_id"), reason_id=filters.reason_id)
        qs = qs.filter(Exists(of_reason))
    for name, value in (("team", filters.team), ("agent", filters.agent)):
        if value == NONE:
            qs = qs.filter(**{f"{name}__isnull": True})
        elif value:
            qs = qs.filter(**{f"{name}_id": int(value)})
    return qs


def _key(value: int | None) -> str:
    return NONE if value is None else str(value)


def study_report(
    *, date_from: dt.date, date_to: dt.date, filters: StudyFilters | None = None
) -> StudyReport:
    """Causes by count for the repeats received in the period, by reason, team and agent
    (who answered the first contact), and the share of repeats studied. Seven queries
    whatever the period; rows read grow with the studies of the period, not the contacts."""
    filters = filters or StudyFilters()
    rows = list(
        _filtered(counted_studies(date_from=date_from, date_to=date_to), filters)
        .values("cause_id", "contact__reason_id", "team_id", "agent_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    causes = {cause.pk: cause for cause in RepeatCause.objects.all()}
    repeats = repeat_counts(date_from=date_from, date_to=date_to)
    if filters.reason_id:
        repeats = {k: v for k, v in repeats.items() if k == filters.reason_id}
    by: dict[str, dict] = {"reason": {}, "team": {}, "agent": {}}
    totals: Counter[int] = Counter()
    for row in rows:
        totals[row["cause_id"]] += row["n"]
        for name, value in (
            ("reason", row["contact__reason_id"]),
            ("team", row["team_id"]),
            ("agent", row["agent_id"]),
        ):
            counts = by[name].setdefault(value, defaultdict(int))
            counts[row["cause_id"]] += row["n"]
    reason_ids = set(by["reason"]) | set(repeats)
    reason_names = dict(Reason.objects.filter(pk__in=reason_ids).values_list("pk", "name"))
    team_names = dict(
        Team.objects.filter(pk__in=set(by["team"]) - {None}).values_list("pk", "name")
    )
    agent_names = {
        user.pk: user.display_name for user in User.objects.filter(pk__in=set(by["agent"]) - {None})
    }
    studied = sum(totals.values())

    def breakdown(name: str, labels: dict, none_label: str, with_repeats: bool) -> list:
        keys = set(by[name]) | (set(repeats) if with_repeats else set())
        result = [
            BreakdownRow(
                key=_key(key),
                label=labels.get(key, none_label),
                repeats=repeats.get(key, 0) if with_repeats else None,
                by_cause=dict(by[name].get(key, {})),
            )
            for key in keys
        ]
        result.sort(key=lambda row: (-row.studied, -(row.repeats or 0), row.label))
        return result

    team_filter = filters.team or filters.agent
    cause_rows = [
        CauseCount(causes[pk], n, n / studied * 100)
        for pk, n in sorted(totals.items(), key=lambda item: (-item[1], causes[item[0]].position))
    ]
    cause_rows += [
        CauseCount(cause, 0, 0.0)
        for cause in causes.values()
        if cause.active and cause.pk not in totals
    ]
    return StudyReport(
        date_from=date_from,
        date_to=date_to,
        repeats=None if team_filter else sum(repeats.values()),
        studied=studied,
        causes=cause_rows,
        reasons=breakdown("reason", reason_names, _("No reason"), not team_filter),
        teams=breakdown("team", team_names, _("No team"), False),
        agents=breakdown("agent", agent_names, _("Nobody answered"), False),
    )


# --------------------------------------------------------------------------------------------
# Drill-down: the studies behind a figure
# --------------------------------------------------------------------------------------------

CURSOR_FORMAT = "%Y%m%d%H%M%S%f"  # UTC, to the microsecond


@dataclass(frozen=True)
class StudyPage:
    items: list[RepeatStudy]
    next_cursor: str | None


def _cursor(study: RepeatStudy) -> str:
    return f"{study.received_at.astimezone(dt.UTC).strftime(CURSOR_FORMAT)}_{study.pk}"


def _parse_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    stamp, _sep, pk = cursor.partition("_")
    try:
        return dt.datetime.strptime(stamp, CURSOR_FORMAT).replace(tzinfo=dt.UTC), int(pk)
    except ValueError:
        return None


def study_queryset(
    *,
    date_from: dt.date,
    date_to: dt.date,
    filters: StudyFilters | None = None,
    cause_id: int | None = None,
) -> QuerySet[RepeatStudy]:
    """The counted studies of the period matching the filters, newest repeat first, with
    everything a list shows."""
    qs = _filtered(counted_studies(date_from=date_from, date_to=date_to), filters or StudyFilters())
    if cause_id:
        qs = qs.filter(cause_id=cause_id)
    return qs.select_related(
        "cause",
        "contact__case",
        "contact__customer",
        "contact__reason",
        "first_contact",
        "agent",
        "team",
        "answered_by",
    ).order_by("-received_at", "-id")


def study_page(
    *,
    date_from: dt.date,
    date_to: dt.date,
    filters: StudyFilters | None = None,
    cause_id: int | None = None,
    before: str | None = None,
    size: int = PAGE_SIZE,
) -> StudyPage:
    """One page of `study_queryset`, read along the (received_at) index; one row more than a
    page tells whether another follows (no count)."""
    qs = study_queryset(date_from=date_from, date_to=date_to, filters=filters, cause_id=cause_id)
    position = _parse_cursor(before) if before else None
    if position is not None:
        moment, pk = position
        qs = qs.filter(Q(received_at__lt=moment) | Q(received_at=moment, id__lt=pk))
    rows = list(qs[: size + 1])
    items = rows[:size]
    return StudyPage(items=items, next_cursor=_cursor(items[-1]) if len(rows) > size else None)


# --------------------------------------------------------------------------------------------
# The weekly review's section
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotableNote:
    note: str
    cause_obj: RepeatCause
    reason: str
    case_id: int
    agent: str  # who answered the first contact ("" when nobody)

    @property
    def cause(self) -> str:
        return self.cause_obj.name  # in the language active when shown


@dataclass
class WeekStudies:
    """Repeat-contact studies of one week, for the weekly review."""

    repeats: int
    studied: int
    causes: list[CauseCount]  # the top causes, most first
    notes: list[NotableNote]

    @property
    def studied_pct(self) -> float | None:
        return self.studied / self.repeats * 100 if self.repeats else None


def week_studies(*, date_from: dt.date, date_to: dt.date) -> WeekStudies:
    """Repeats received in the period, the share studied, the top causes and a few notes
    (at most NOTES_SHOWN, from as many different causes as there are, top causes first,
    newest first within a cause). Four queries."""
    repeats = sum(repeat_counts(date_from=date_from, date_to=date_to).values())
    studies = counted_studies(date_from=date_from, date_to=date_to)
    totals = dict(
        studies.values("cause_id").annotate(n=Count("id")).order_by().values_list("cause_id", "n")
    )
    causes = RepeatCause.objects.in_bulk(list(totals))
    studied = sum(totals.values())
    ranked = sorted(totals, key=lambda pk: (-totals[pk], causes[pk].position, pk))
    top = [CauseCount(causes[pk], totals[pk], totals[pk] / studied * 100) for pk in ranked]
    candidates = list(
        studies.exclude(note="")
        .select_related("contact__reason", "agent")
        .order_by("-answered_at", "-id")[:50]
    )
    rank = {pk: index for index, pk in enumerate(ranked)}
    picked: list[RepeatStudy] = []
    seen: set[int] = set()
    for study in sorted(candidates, key=lambda s: rank.get(s.cause_id, len(rank))):
        if study.cause_id not in seen:
            picked.append(study)
            seen.add(study.cause_id)
    for study in candidates:
        if len(picked) >= NOTES_SHOWN:
            break
        if study not in picked:
            picked.append(study)
    notes = [
        NotableNote(
            note=_excerpt(study.note, 400),
            cause_obj=causes[study.cause_id],
            reason=study.contact.reason.name if study.contact.reason else "",
            case_id=study.contact.case_id,
            agent=study.agent.display_name if study.agent else "",
        )
        for study in picked[:NOTES_SHOWN]
    ]
    return WeekStudies(repeats=repeats, studied=studied, causes=top[:TOP_CAUSES_SHOWN], notes=notes)


# --------------------------------------------------------------------------------------------
# The API's list of repeats
# --------------------------------------------------------------------------------------------


def repeat_page(
    *,
    user: User,
    date_from: dt.date,
    date_to: dt.date,
    reason_id: int | None = None,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> Page:
    """Repeat contacts received in [date_from, date_to] (local days), newest first, each
    with its first contact and study; staff only (customers get an empty page). Read along
    the partial index of repeats (or the (reason, received_at) index), one row more than a
    page, no count."""
    if not user.is_staff_member:
        return Page(items=[], number=page, has_next=False)
    start, end = local_day_bounds(date_from, date_to)
    qs = Contact.objects.filter(
        is_repeat=True, repeat_of__isnull=False, received_at__gte=start, received_at__lt=end
    )
    if reason_id:
        qs = qs.filter(reason_id=reason_id)
    qs = qs.select_related(
        "reason",
        "repeat_of",
        "repeat_of__reason",
        "repeat_study",
        "repeat_study__cause",
        "repeat_study__answered_by",
    ).order_by("-received_at", "-id")
    offset = (max(1, page) - 1) * size
    rows = list(qs[offset : offset + size + 1])
    return Page(items=rows[:size], number=max(1, page), has_next=len(rows) > size)
