"""Reads of cases. Every read that depends on who asks goes through here: staff see every
case, a customer only their own; "not yours" and "does not exist" are the same 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from motivo.accounts.models import Role, Team, User
from motivo.cases.models import (
    ACTIVE_STATUSES,
    Attachment,
    CannedReply,
    Case,
    CaseEvent,
    Contact,
    Handoff,
    Message,
    Status,
)
from motivo.core.choices import Channel
from motivo.customers.models import Customer, Identity
from motivo.reasons.models import Reason

PAGE_SIZE = 50
# The inbox's "active" status filter: new, open and waiting on customer together.
ACTIVE = "active"

_contacts_without_reason = Contact.objects.filter(case_id=OuterRef("pk"), reason__isnull=True)


def case_visible_to(user: User) -> QuerySet[Case]:
    """The cases `user` may see at all."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if user.role == Role.CUSTOMER:
        return Case.objects.filter(customer__user=user)
    return Case.objects.all()


def case_get_for_user(*, user: User, case_id: int) -> Case:
    try:
        return case_visible_to(user).select_related("customer", "assignee", "team").get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None  # a Status value, or ACTIVE for new + open + waiting
    team_id: int | None = None
    assignee_id: int | None = None  # 0 means "unassigned"
    reason_id: int | None = None
    channel: str | None = None
    customer_id: int | None = None


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def case_list_for_user(
    *, user: User, filters: CaseFilters, page: int = 1, page_size: int = PAGE_SIZE
) -> Page:
    """A page of cases, most recently active first. No COUNT over the whole table: the
    page reads one extra row to know whether there is a next page. Each case carries
    `lacks_reason` (one of its contacts has no reason yet), computed in the same query."""
    page = max(1, page)
    qs = _case_page_queryset(user=user, filters=filters, page=page, page_size=page_size)
    rows = list(qs.select_related("customer", "assignee", "team"))
    return Page(items=rows[:page_size], number=page, has_next=len(rows) > page_size)


class InboxRow(NamedTuple):
    """One line of the inbox table: only what it shows, read without building models."""

    pk: int
    subject: str
    status: str
    channel: str
    last_activity_at: datetime
    lacks_reason: bool
    customer_id: int
    customer_name: str
    assignee_id: int | None
    assignee_name: str  # the assignee's display name; "" when unassigned
    team_name: str  # "" when no team
    handoff_for_me: bool = False  # an open hand-off waits for the user who asks

    @property
    def number(self) -> str:
        return f"#{self.pk}"


_INBOX_COLUMNS = (
    "pk",
    "subject",
    "status",
    "channel",
    "last_activity_at",
    "lacks_reason",
    "customer_id",
    "customer__name",
    "assignee_id",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
    "team__name",
)


def case_rows_for_inbox(
    *, user: User, filters: CaseFilters, page: int = 1, page_size: int = PAGE_SIZE
) -> Page:
    """The same cases, order and paging as `case_list_for_user`, as `InboxRow`s: one
    query reading only the columns the inbox table shows."""
    page = max(1, page)
    qs = _case_page_queryset(user=user, filters=filters, page=page, page_size=page_size)
    qs = qs.annotate(handoff_for_me=_open_handoff_for(user))
    rows = [
        InboxRow(
            *values,
            # User.display_name: the full name, else the username.
            assignee_name=(f"{first} {last}".strip() or username) if username else "",
            team_name=team or "",
            handoff_for_me=handoff,
        )
        for *values, first, last, username, team, handoff in qs.values_list(
            *_INBOX_COLUMNS, "handoff_for_me"
        )
    ]
    return Page(items=rows[:page_size], number=page, has_next=len(rows) > page_size)


_LIST_ORDER = ("-last_activity_at", "-id")


def _open_handoff_for(user: User) -> Exists:
    """Per case row: an open hand-off waits for `user` (see `handoff_is_for`), computed in
    the row's own query."""
    my_teams = Team.members.through.objects.filter(user_id=user.pk).values("team_id")
    return Exists(
        Handoff.objects.filter(
            Q(assignee_id=user.pk) | Q(assignee__isnull=True, team_id__in=my_teams),
            case_id=OuterRef("pk"),
            acknowledged_at__isnull=True,
            superseded_at__isnull=True,
        ).exclude(by_id=user.pk)
    )


def _case_page_queryset(
    *, user: User, filters: CaseFilters, page: int, page_size: int
) -> QuerySet[Case]:
    """The cases `user` may see that match `filters` on page `page`, plus the first of the
    next page, most recently active first, each with `lacks_reason`.

    The page's ids are picked in a subquery that reads only an index; the joins and the
    lacking-reason marker are then computed for those rows alone, not also for the rows
    skipped before them (page 20 would otherwise join 1,000 rows to show 50). SQLite and
    PostgreSQL accept a LIMIT inside IN (...); MySQL would not."""
    qs = case_visible_to(user)
    if filters.status == ACTIVE:
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.assignee_id is not None:
        qs = qs.filter(assignee_id=filters.assignee_id or None)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.reason_id:
        qs = qs.filter(
            Exists(Contact.objects.filter(case_id=OuterRef("pk"), reason_id=filters.reason_id))
        )
    start = (page - 1) * page_size
    page_ids = qs.order_by(*_LIST_ORDER).values("pk")[start : start + page_size + 1]
    return (
        Case.objects.filter(pk__in=page_ids)
        .annotate(lacks_reason=Exists(_contacts_without_reason))
        .order_by(*_LIST_ORDER)
    )


def case_detail_for_user(*, user: User, case_id: int) -> Case:
    """A case with its conversation, contacts and timeline loaded in a fixed number of
    queries. Customers never see internal notes."""
    case = case_get_for_user(user=user, case_id=case_id)
    messages = Message.objects.select_related("author").prefetch_related("attachments")
    if user.role == Role.CUSTOMER:
        messages = messages.exclude(kind=Message.Kind.NOTE)
    case.conversation = list(messages.filter(case=case).order_by("created_at", "id"))
    case.contact_list = list(
        Contact.objects.filter(case=case)
        .select_related("reason", "reason__category", "repeat_of")
        .order_by("received_at", "id")
    )
    contacts = {contact.pk: contact for contact in case.contact_list}
    for message in case.conversation:  # inbound messages know their contact without a query
        if message.contact_id in contacts:
            message.contact = contacts[message.contact_id]
    case.timeline = (
        list(
            CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "id")
        )
        if user.role != Role.CUSTOMER
        else []
    )
    return case


def handoff_is_for(*, handoff: Handoff, user: User) -> bool:
    """Whether `user` is the receiver of `handoff`: its agent, or, for a hand-off to a team
    alone, any member of that team except the one who handed it over."""
    if not user.is_authenticated or not user.is_staff_member or user.pk == handoff.by_id:
        return False
    if handoff.assignee_id is not None:
        return handoff.assignee_id == user.pk
    return (
        handoff.team_id is not None
        and Team.members.through.objects.filter(team_id=handoff.team_id, user_id=user.pk).exists()
    )


def handoff_get_for_user(*, user: User, case_id: int, handoff_id: int) -> Handoff:
    """A hand-off of a case the user may see; anything else is a 404."""
    try:
        return Handoff.objects.get(
            pk=handoff_id, case_id=case_id, case__in=case_visible_to(user).values("pk")
        )
    except (Handoff.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# How many of the customer's latest messages the hand-off summary quotes.
HANDOFF_MESSAGES = 3


@dataclass(frozen=True)
class HandoffView:
    """The case's latest hand-off as one user meets it on the case page."""

    handoff: Handoff
    note: str
    sender: str  # who handed the case over; "" when unknown
    receiver: str  # the agent's name, else the team's
    team: str  # the receiving team's name, "" when none
    previous: str  # who had the case before ("Luis (Billing)"), "" when nobody
    for_me: bool  # open, and `user` is its receiver: shown first, with "acknowledge"
    contacts: list[Contact]  # what the customer contacted us about, oldest first
    customer_messages: list[Message]  # the customer's latest messages, newest first


def case_handoff(*, case: Case, user: User) -> HandoffView | None:
    """The latest hand-off of a case loaded by `case_detail_for_user`, or None. Costs no
    query on a case never transferred (its timeline says so); else one for the hand-off,
    up to two for the previous holder's names and one for a team's membership."""
    transfers = [e for e in case.timeline if e.kind == CaseEvent.Kind.TRANSFERRED]
    if not transfers:
        return None
    event = transfers[-1]
    handoff = (
        Handoff.objects.select_related("by", "assignee", "team", "acknowledged_by")
        .filter(event_id=event.pk)
        .first()
    )
    if handoff is None:
        return None
    handoff.event = event
    data = event.data or {}
    holder_name = holder_team = ""
    if data.get("from_assignee_id"):
        holder = User.objects.filter(pk=data["from_assignee_id"]).first()
        holder_name = holder.display_name if holder else ""
    if data.get("from_team_id"):
        names = Team.objects.filter(pk=data["from_team_id"]).values_list("name", flat=True)
        holder_team = names.first() or ""
    previous = f"{holder_name} ({holder_team})" if holder_name and holder_team else ""
    previous = previous or holder_name or holder_team
    inbound = [m for m in case.conversation if m.kind == Message.Kind.INBOUND]
    team = handoff.team.name if handoff.team else ""
    return HandoffView(
        handoff=handoff,
        note=data.get("note", ""),
        sender=handoff.by.display_name if handoff.by else "",
        receiver=handoff.assignee.display_name if handoff.assignee else team,
        team=team,
        previous=previous,
        for_me=handoff.is_open and handoff_is_for(handoff=handoff, user=user),
        contacts=case.contact_list,
        customer_messages=inbound[::-1][:HANDOFF_MESSAGES],
    )


def customer_history(*, user: User, customer_id: int, limit: int = 50) -> list[Case]:
    """The customer's cases with their contacts (any channel), newest first."""
    return list(
        case_visible_to(user)
        .filter(customer_id=customer_id)
        .prefetch_related(
            Prefetch(
                "contacts",
                queryset=Contact.objects.select_related("reason").order_by("received_at"),
            )
        )
        .order_by("-created_at")[:limit]
    )


def attachment_get_for_user(*, user: User, attachment_id: int) -> Attachment:
    """An attachment of a message the user may read (customers: not of internal notes)."""
    qs = Attachment.objects.select_related("message").filter(
        message__case__in=case_visible_to(user)
    )
    if user.role == Role.CUSTOMER:
        qs = qs.exclude(message__kind=Message.Kind.NOTE)
    try:
        return qs.get(pk=attachment_id)
    except (Attachment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def customer_get_for_user(*, user: User, customer_id: int) -> Customer:
    """A customer with their identities: staff see every customer, a customer only
    themselves."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    qs = Customer.objects.prefetch_related(
        Prefetch("identities", queryset=Identity.objects.order_by("kind", "value"))
    )
    if user.role == Role.CUSTOMER:
        qs = qs.filter(user=user)
    try:
        return qs.get(pk=customer_id)
    except (Customer.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def canned_reply_list(*, language: str | None = None) -> list[CannedReply]:
    """Canned replies by title; those in `language` (the customer's) first when given."""
    replies = list(CannedReply.objects.order_by("title", "language"))
    if language:
        replies.sort(key=lambda canned: canned.language != language)
    return replies


def canned_reply_get(*, canned_id: int) -> CannedReply:
    try:
        return CannedReply.objects.get(pk=canned_id)
    except (CannedReply.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    actor: str
    text: str


def case_timeline(*, events: list[CaseEvent]) -> list[TimelineEntry]:
    """The case's events in words ("Ana assigned the case to Luis"), in the active
    language. Names of the people, teams and reasons mentioned are read in one query each."""
    user_ids, team_ids, reason_ids = set(), set(), set()
    for event in events:
        if event.kind in (CaseEvent.Kind.ASSIGNED, CaseEvent.Kind.TRANSFERRED):
            user_ids.add(event.data.get("assignee_id"))
            team_ids.add(event.data.get("team_id"))
        elif event.kind == CaseEvent.Kind.REASON_SET:
            reason_ids.update((event.data.get("from"), event.data.get("to")))
    user_ids.discard(None)
    team_ids.discard(None)
    reason_ids.discard(None)
    users = {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name")) if team_ids else {}
    reasons = {r.pk: r.name for r in Reason.objects.filter(pk__in=reason_ids)} if reason_ids else {}
    names = _TimelineNames(users=users, teams=teams, reasons=reasons)
    return [
        TimelineEntry(
            at=event.created_at,
            kind=event.kind,
            actor=event.actor.display_name if event.actor else "",
            text=_describe(event, names),
        )
        for event in events
    ]


@dataclass(frozen=True)
class _TimelineNames:
    users: dict[int, str]
    teams: dict[int, str]
    reasons: dict[int, str]


def _status_label(value: str | None) -> str:
    return str(Status(value).label) if value in Status.values else str(value or "")


def _describe(event: CaseEvent, names: _TimelineNames) -> str:
    data = event.data or {}
    who = event.actor.display_name if event.actor else None
    kind = event.kind
    if kind == CaseEvent.Kind.CREATED:
        channel = _channel_label(data.get("channel"))
        if who:
            return _("%(who)s opened the case (%(channel)s)") % {"who": who, "channel": channel}
        return _("Case opened (%(channel)s)") % {"channel": channel}
    if kind == CaseEvent.Kind.CONTACT_ADDED:
        channel = _channel_label(data.get("channel"))
        if who:
            return _("%(who)s recorded a contact from the customer by %(channel)s") % {
                "who": who,
                "channel": channel,
            }
        return _("The customer contacted us by %(channel)s") % {"channel": channel}
    if kind == CaseEvent.Kind.STATUS_CHANGED:
        values = {
            "who": who,
            "old": _status_label(data.get("from")),
            "new": _status_label(data.get("to")),
        }
        if who:
            return _("%(who)s changed the status from %(old)s to %(new)s") % values
        return _("The status changed from %(old)s to %(new)s") % values
    who = who or _("Motivo")
    if kind == CaseEvent.Kind.REPLIED:
        return _("%(who)s replied to the customer") % {"who": who}
    if kind == CaseEvent.Kind.NOTE_ADDED:
        return _("%(who)s added an internal note") % {"who": who}
    if kind == CaseEvent.Kind.ASSIGNED:
        return _describe_assignment(who, data, names)
    if kind == CaseEvent.Kind.REASON_SET:
        new = names.reasons.get(data.get("to"), "?")
        if data.get("from"):
            return _("%(who)s corrected a contact's reason from “%(old)s” to “%(new)s”") % {
                "who": who,
                "old": names.reasons.get(data.get("from"), "?"),
                "new": new,
            }
        return _("%(who)s set a contact's reason to “%(new)s”") % {"who": who, "new": new}
    if kind == CaseEvent.Kind.MERGED:
        return _("%(who)s merged case #%(number)s into this one") % {
            "who": who,
            "number": data.get("case_id"),
        }
    if kind == CaseEvent.Kind.MERGED_INTO:
        return _("%(who)s merged this case into case #%(number)s") % {
            "who": who,
            "number": data.get("case_id"),
        }
    if kind == CaseEvent.Kind.TRANSFERRED:
        return _describe_transfer(who, data, names)
    if kind == CaseEvent.Kind.CUSTOMER_MERGED:
        return _("%(who)s merged customer #%(source)s into customer #%(target)s") % {
            "who": who,
            "source": data.get("source_customer_id"),
            "target": data.get("target_customer_id"),
        }
    if kind == CaseEvent.Kind.DELIVERY_FAILED:
        return _(
            "The reply could not be delivered by %(channel)s after %(attempts)s attempts: %(error)s"
        ) % {
            "channel": _channel_label(data.get("channel")),
            "attempts": data.get("attempts"),
            "error": data.get("error", ""),
        }
    if kind == CaseEvent.Kind.ATTACHMENT_REFUSED:
        return _(
            "The attachment “%(name)s” (%(size)s) was kept out: it is over the %(limit)s limit"
        ) % {
            "name": data.get("filename", ""),
            "size": filesizeformat(data.get("size") or 0),
            "limit": filesizeformat(data.get("limit") or 0),
        }
    if kind == CaseEvent.Kind.CALL_LOGGED:
        minutes, seconds = divmod(int(data.get("duration_seconds") or 0), 60)
        values = {"who": who, "duration": f"{minutes}:{seconds:02d}"}
        if data.get("direction") == "out":
            return _("%(who)s logged an outgoing call (%(duration)s)") % values
        return _("%(who)s logged an incoming call (%(duration)s)") % values
    if kind == CaseEvent.Kind.CALLBACK_REQUESTED:
        return (
            _("A callback was requested")
            if not event.actor
            else (_("%(who)s requested a callback") % {"who": who})
        )
    if kind == CaseEvent.Kind.CHAT_STARTED:
        return _("The customer started a chat")
    if kind == CaseEvent.Kind.CHAT_ENDED:
        return _("%(who)s ended the chat") % {"who": who}
    return str(CaseEvent.Kind(kind).label) if kind in CaseEvent.Kind.values else kind


def _describe_transfer(who: str, data: dict, names: _TimelineNames) -> str:
    assignee = names.users.get(data.get("assignee_id"))
    team = names.teams.get(data.get("team_id"))
    if assignee:
        return _("%(who)s transferred the case to %(assignee)s with a hand-off note") % {
            "who": who,
            "assignee": assignee,
        }
    if team:
        return _("%(who)s transferred the case to team %(team)s with a hand-off note") % {
            "who": who,
            "team": team,
        }
    return _("%(who)s transferred the case with a hand-off note") % {"who": who}


def _describe_assignment(who: str, data: dict, names: _TimelineNames) -> str:
    assignee = names.users.get(data.get("assignee_id"))
    team = names.teams.get(data.get("team_id"))
    if assignee and team:
        return _("%(who)s assigned the case to %(assignee)s (team %(team)s)") % {
            "who": who,
            "assignee": assignee,
            "team": team,
        }
    if assignee:
        return _("%(who)s assigned the case to %(assignee)s") % {"who": who, "assignee": assignee}
    if team:
        return _("%(who)s assigned the case to team %(team)s, nobody in particular") % {
            "who": who,
            "team": team,
        }
    return _("%(who)s unassigned the case") % {"who": who}


def _channel_label(value: str | None) -> str:
    return str(Channel(value).label) if value in Channel.values else str(value or "")
