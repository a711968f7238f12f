"""Every write to cases, contacts and messages goes through these functions.

They are keyword-only and atomic; pages, the API, the CLI and tasks all call them.
Side effects (mail, notifications) are scheduled to run after commit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motivo.accounts.models import STAFF_ROLES, Notification, Team, User
from motivo.cases import events
from motivo.cases.models import (
    ACTIVE_STATUSES,
    Attachment,
    CannedReply,
    Case,
    Contact,
    Handoff,
    Message,
    Status,
)
from motivo.core.errors import DomainError
from motivo.core.fastsql import insert_instance
from motivo.core.sanitize import clean_html
from motivo.core.tasks import enqueue_on_commit
from motivo.costs.services import contact_reason_moved
from motivo.customers.models import Customer
from motivo.insights import repeats
from motivo.insights.services import local_day, reason_count_add
from motivo.promises.services import (
    case_promise_fields,
    promise_case_merged,
    promise_due_times,
    promise_lock,
    promise_update,
    rollup_add,
)
from motivo.reasons.models import Reason
from motivo.search.services import (
    search_document,
    search_documents_add,
    search_documents_move_case,
)


def _check_attachments(files: Sequence[UploadedFile]) -> None:
    limit = settings.MOTIVO_MAX_ATTACHMENT_BYTES
    for upload in files:
        if upload.size is not None and upload.size > limit:
            raise DomainError(
                _("%(name)s is larger than the %(limit)d MB limit.")
                % {"name": upload.name, "limit": limit // (1024 * 1024)},
                field="attachments",
                code="too_large",
            )


def _save_attachments(message: Message, files: Sequence[UploadedFile]) -> None:
    for upload in files:
        Attachment.objects.create(
            message=message,
            file=upload,
            filename=(upload.name or "file")[:255],
            content_type=(upload.content_type or "application/octet-stream")[:100],
            size=upload.size or 0,
        )


def _add_message(
    *,
    case: Case,
    kind: str,
    body: str,
    author: User | None = None,
    contact: Contact | None = None,
    body_html: str = "",
    at: dt.datetime | None = None,
    attachments: Sequence[UploadedFile] = (),
    documents: list[dict[str, object]] | None = None,
) -> Message:
    """Store one conversation entry and index it (or add its search document to
    `documents`, for the caller to insert with others)."""
    body = (body or "").strip()
    if not body and not body_html and not attachments:
        raise DomainError(_("The message is empty."), field="body", code="required")
    message = Message(
        case=case,
        kind=kind,
        body=body,
        body_html=clean_html(body_html) if body_html else "",
        author=author,
        contact=contact,
        created_at=at or timezone.now(),
    )
    insert_instance(message)
    _save_attachments(message, attachments)
    document = search_document(
        kind="message",
        object_id=message.pk,
        text=body,
        case_id=case.pk,
        customer_id=case.customer_id,
    )
    if documents is None:
        search_documents_add(documents=[document])
    else:
        documents.append(document)
    return message


def case_open(
    *,
    customer: Customer,
    channel: str,
    subject: str,
    body: str,
    body_html: str = "",
    received_at: dt.datetime | None = None,
    reason: Reason | None = None,
    external_id: str | None = None,
    actor: User | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> Contact:
    """A customer contacts us about something new: open a case holding that first contact.

    This is the ingest hot path: rows go in through `core.fastsql`, and the two events and
    the two search documents are written with one INSERT each."""
    subject = (subject or "").strip() or (body or "").strip().split("\n", 1)[0][:120]
    if not subject:
        raise DomainError(_("Say what the request is about."), field="subject", code="required")
    _check_attachments(attachments)
    if not (body or "").strip() and not body_html and not attachments:
        raise DomainError(_("The message is empty."), field="body", code="required")
    # Validation above, writes below: without a savepoint (one fewer round trip on the
    # hot path), so nothing in this block may raise a DomainError that a caller could catch.
    at = received_at or timezone.now()
    subject = subject[:255]
    # The promise made to the customer's tier on this channel (in-process maths, no query).
    due = promise_due_times(tier_id=customer.tier_id, channel=channel, at=at)
    with transaction.atomic(savepoint=False):
        # Only with a reason given at ingest: one indexed look-up (repeats of the same reason).
        repeat_of = repeats.repeat_of_new_case(
            customer_id=customer.pk, reason_id=reason.pk if reason else None, at=at
        )
        case = Case(
            subject=subject, customer=customer, channel=channel, status=Status.NEW,
            created_at=at, last_activity_at=at, tier_id=customer.tier_id,
            **case_promise_fields(due),
        )  # fmt: skip
        insert_instance(case)
        if due is not None:  # a new case: opened, nothing answered or resolved yet
            rollup_add(
                (local_day(at), channel, customer.tier_id or 0, 0),
                {"cases": 1, "resolution_cases": int(due.resolution_due_at is not None)},
            )
        contact = Contact(
            case=case, customer=customer, channel=channel, received_at=at, reason=reason,
            external_id=external_id or None, is_repeat=repeat_of is not None,
            repeat_of_id=repeat_of,
        )  # fmt: skip
        insert_instance(contact)
        documents = [
            search_document(
                kind="case", object_id=case.pk, text=subject, case_id=case.pk,
                customer_id=customer.pk,
            )
        ]  # fmt: skip
        _add_message(
            case=case, kind=Message.Kind.INBOUND, body=body, body_html=body_html,
            contact=contact, at=at, attachments=attachments, documents=documents,
        )  # fmt: skip
        search_documents_add(documents=documents)
        events.case_opened_events(case=case, contact=contact, actor=actor)
        if reason is not None:
            reason_count_add(
                reason_id=reason.pk, channel=channel, day=local_day(at), delta=1,
                repeats=int(repeat_of is not None),
            )  # fmt: skip
        return contact


def _add_contact(
    *,
    case: Case,
    channel: str,
    body: str,
    body_html: str,
    at: dt.datetime,
    actor: User | None,
    attachments: Sequence[UploadedFile],
) -> Contact:
    """A further contact on an existing case (its reason is set by an agent later). It
    repeats the case's latest contact when that came within R days (insights.repeats)."""
    repeat_of = repeats.repeat_of_on_case(case_id=case.pk, at=at)
    contact = Contact.objects.create(
        case=case,
        customer_id=case.customer_id,
        channel=channel,
        received_at=at,
        is_repeat=repeat_of is not None,
        repeat_of_id=repeat_of,
    )
    _add_message(
        case=case,
        kind=Message.Kind.INBOUND,
        body=body,
        body_html=body_html,
        contact=contact,
        at=at,
        attachments=attachments,
    )
    events.contact_added_event(contact=contact, actor=actor)
    return contact


@transaction.atomic
def case_customer_message(
    *,
    case: Case,
    channel: str,
    body: str,
    body_html: str = "",
    actor: User | None = None,
    attachments: Sequence[UploadedFile] = (),
    received_at: dt.datetime | None = None,
    continuing: bool = False,
) -> Message:
    """The customer writes on an existing case. An answer to our question (the case was
    waiting on the customer) is a message; anything else is a new contact on the case.
    `continuing`: the line belongs to a contact in progress (the next line of a chat
    session), so it is a message whatever the status, and the assignee is not notified
    again."""
    _check_attachments(attachments)
    at = received_at or timezone.now()
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.merged_into_id:
        raise DomainError(_("This case was merged into another one."), code="merged")
    if continuing or case.status == Status.WAITING:
        message = _add_message(
            case=case,
            kind=Message.Kind.INBOUND,
            body=body,
            body_html=body_html,
            at=at,
            attachments=attachments,
            author=actor,
        )
    else:
        contact = _add_contact(
            case=case,
            channel=channel,
            body=body,
            body_html=body_html,
            at=at,
            actor=actor,
            attachments=attachments,
        )
        message = contact.message
    old = case.status
    case.status = Status.OPEN
    case.last_activity_at = at
    case.resolved_at = None
    case.save(update_fields=["status", "last_activity_at", "resolved_at"])
    if old != Status.OPEN:
        events.status_changed_event(case=case, actor=actor, old=old, new=Status.OPEN)
    if case.assignee_id and not continuing:
        Notification.objects.create(
            user_id=case.assignee_id, case=case, kind=Notification.Kind.CUSTOMER_REPLIED
        )
    return message


@transaction.atomic
def case_reply(
    *,
    case: Case,
    author: User,
    body: str,
    status: str | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> Message:
    """An agent answers the customer. It goes out on the case's reply channel
    (`cases.delivery.reply_channel`): e-mailed in the customer's language, shown in an open
    chat, or not sent (the agent calls them)."""
    from motivo.cases.delivery import EMAIL, reply_channel
    from motivo.cases.tasks import send_reply_email

    _check_attachments(attachments)
    message = _add_message(
        case=case, kind=Message.Kind.REPLY, body=body, author=author, attachments=attachments
    )
    events.replied_event(message=message)
    case.last_activity_at = message.created_at
    fields = ["last_activity_at"]
    before = promise_lock(case)
    if case.first_reply_at is None:
        case.first_reply_at = message.created_at  # the first answer (a note is none)
        fields.append("first_reply_at")
    if case.status == Status.NEW:
        case.status = Status.OPEN
        fields.append("status")
        events.status_changed_event(case=case, actor=author, old=Status.NEW, new=Status.OPEN)
    case.save(update_fields=fields)
    promise_update(case=case, before=before)
    if status and status != case.status:
        case_set_status(case=case, actor=author, status=status)
    if reply_channel(case=case) == EMAIL:
        enqueue_on_commit(send_reply_email, message.pk)
    return message


@transaction.atomic
def case_add_note(
    *, case: Case, author: User, body: str, attachments: Sequence[UploadedFile] = ()
) -> Message:
    """An internal note: visible to staff only."""
    _check_attachments(attachments)
    message = _add_message(
        case=case, kind=Message.Kind.NOTE, body=body, author=author, attachments=attachments
    )
    events.note_added_event(message=message)
    return message


def _check_assignee(assignee: User | None) -> None:
    if assignee is not None and not assignee.is_staff_member:
        raise DomainError(_("Cases can only be assigned to staff."), field="assignee")


def _reassign(
    *, case: Case, assignee: User | None, team: Team | None, supersede_all: bool = False
) -> None:
    """Give the case to `assignee` and `team`. An open hand-off whose receiver no longer
    holds the case (another agent; for a hand-off to a team alone, another team) is
    superseded; with `supersede_all` (a new transfer), every open one is."""
    before = promise_lock(case)
    case.assignee = assignee
    case.team = team
    case.save(update_fields=["assignee", "team"])
    promise_update(case=case, before=before)  # the figures count by the case's team
    stale = Handoff.objects.filter(case=case, acknowledged_at=None, superseded_at=None)
    if not supersede_all:
        stale = stale.filter(
            (Q(assignee__isnull=False) & ~Q(assignee_id=assignee.pk if assignee else None))
            | (Q(assignee__isnull=True) & ~Q(team_id=team.pk if team else None))
        )
    stale.update(superseded_at=timezone.now())


@transaction.atomic
def case_assign(
    *, case: Case, actor: User | None, assignee: User | None, team: Team | None = None
) -> Case:
    """Give the case to an agent and/or a team; the new assignee is notified."""
    from motivo.cases.tasks import send_assignment_email

    _check_assignee(assignee)
    if case.assignee_id == (assignee.pk if assignee else None) and case.team_id == (
        team.pk if team else None
    ):
        return case
    notify = assignee is not None and assignee.pk != case.assignee_id
    _reassign(case=case, assignee=assignee, team=team)
    events.assigned_event(
        case=case,
        actor=actor,
        assignee_id=assignee.pk if assignee else None,
        team_id=team.pk if team else None,
    )
    if notify and assignee is not None and assignee != actor:
        Notification.objects.create(user=assignee, case=case, kind=Notification.Kind.CASE_ASSIGNED)
        enqueue_on_commit(send_assignment_email, case.pk, assignee.pk)
    return case


# A hand-off note shorter than this cannot say what was done and what is pending.
HANDOFF_NOTE_MIN = 10
HANDOFF_NOTE_MAX = 4000


@transaction.atomic
def case_transfer(
    *, case: Case, actor: User | None, assignee: User | None, team: Team | None, note: str
) -> Case:
    """Hand the case over to another agent and/or team with a note the receiver reads
    first (DESIGN.md: warm transfer with full context). The case gets exactly the agent
    and team named (one left out is cleared). The receiver is notified and e-mailed in
    their language: the agent, or, for a team alone, every active staff member of it."""
    from motivo.cases.tasks import send_transfer_email

    # Locked and read again: of two transfers at once (a double submit), the second sees
    # the first's result ("already there") instead of handing the case over twice.
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.merged_into_id:
        raise DomainError(_("This case was merged into another one."), code="merged")
    if assignee is None and team is None:
        raise DomainError(
            _("Choose the agent or the team to hand the case over to."),
            field="assignee",
            code="required",
        )
    _check_assignee(assignee)
    if assignee is not None and actor is not None and assignee.pk == actor.pk:
        raise DomainError(_("You cannot hand a case over to yourself."), field="assignee")
    target = (assignee.pk if assignee else None, team.pk if team else None)
    if target == (case.assignee_id, case.team_id):
        raise DomainError(
            _("The case is already there: choose another agent or team."),
            field="assignee",
            code="unchanged",
        )
    note = (note or "").strip()
    if not note:
        raise DomainError(
            _("Write a hand-off note: what the receiver must know not to ask the customer again."),
            field="note",
            code="required",
        )
    if len(note) < HANDOFF_NOTE_MIN:
        raise DomainError(
            _("The note is too short to help: say what was done and what is pending."),
            field="note",
            code="too_short",
        )
    if len(note) > HANDOFF_NOTE_MAX:
        raise DomainError(
            _("The note is too long: keep it under %(max)d characters.")
            % {"max": HANDOFF_NOTE_MAX},
            field="note",
            code="too_long",
        )
    from_assignee_id, from_team_id = case.assignee_id, case.team_id
    _reassign(case=case, assignee=assignee, team=team, supersede_all=True)
    event = events.transferred_event(
        case=case,
        actor=actor,
        from_assignee_id=from_assignee_id,
        from_team_id=from_team_id,
        assignee_id=target[0],
        team_id=target[1],
        note=note,
    )
    handoff = Handoff.objects.create(
        case=case, event=event, by=actor, assignee=assignee, team=team, created_at=event.created_at
    )
    if assignee is not None:
        receivers = [assignee.pk]
    else:
        members = team.members.filter(is_active=True, role__in=STAFF_ROLES)
        if actor is not None:
            members = members.exclude(pk=actor.pk)
        receivers = list(members.values_list("pk", flat=True))
    Notification.objects.bulk_create(
        Notification(user_id=pk, case=case, kind=Notification.Kind.CASE_ASSIGNED)
        for pk in receivers
    )
    for pk in receivers:
        enqueue_on_commit(send_transfer_email, handoff.pk, pk)
    return case


@transaction.atomic
def handoff_acknowledge(*, handoff: Handoff, user: User) -> Handoff:
    """The receiver has read the hand-off note: from now on it shows collapsed, to them
    and to everyone else. Acknowledging twice changes nothing."""
    from motivo.cases.selectors import handoff_is_for

    handoff = Handoff.objects.select_for_update().get(pk=handoff.pk)
    if handoff.acknowledged_at is not None:
        return handoff
    if handoff.superseded_at is not None:
        raise DomainError(
            _("This hand-off is no longer current: the case changed hands again."),
            code="conflict",
        )
    if not handoff_is_for(handoff=handoff, user=user):
        raise DomainError(
            _("Only the receiver of the hand-off can acknowledge it."), code="forbidden"
        )
    handoff.acknowledged_at = timezone.now()
    handoff.acknowledged_by = user
    handoff.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return handoff


@transaction.atomic
def case_set_status(*, case: Case, actor: User | None, status: str) -> Case:
    """Move the case through its life. Resolving needs a reason on every contact."""
    if status not in Status.values:
        raise DomainError(_("Unknown status."), field="status")
    if case.merged_into_id:
        raise DomainError(_("This case was merged into another one."), code="merged")
    if status == case.status:
        return case
    if status in (Status.RESOLVED, Status.CLOSED) and case.contacts.filter(reason=None).exists():
        raise DomainError(
            _("Set the reason of every contact before resolving the case."),
            field="reason",
            code="reason_missing",
        )
    old = case.status
    case.status = status
    now = timezone.now()
    before = promise_lock(case)
    fields = ["status", "resolved_at", "last_activity_at"]
    if status == Status.RESOLVED:
        case.resolved_at = now
    elif status in ACTIVE_STATUSES:
        case.resolved_at = None
    if status in (Status.RESOLVED, Status.CLOSED) and case.first_resolved_at is None:
        case.first_resolved_at = now  # a reopened case keeps its first resolution
        fields.append("first_resolved_at")
    case.last_activity_at = now
    case.save(update_fields=fields)
    promise_update(case=case, before=before)
    events.status_changed_event(case=case, actor=actor, old=old, new=status)
    return case


@transaction.atomic
def contact_set_reason(*, contact: Contact, actor: User | None, reason: Reason) -> Contact:
    """Record (or correct) why the customer had to contact us; keeps the roll-ups true."""
    if not reason.active:
        raise DomainError(_("That reason is no longer in use."), field="reason")
    old_reason_id = contact.reason_id
    if old_reason_id == reason.pk:
        return contact
    day = local_day(contact.received_at)
    if old_reason_id is not None:
        reason_count_add(reason_id=old_reason_id, channel=contact.channel, day=day, delta=-1)
    reason_count_add(reason_id=reason.pk, channel=contact.channel, day=day, delta=1)
    contact.reason = reason
    contact.save(update_fields=["reason"])
    # The contact, and the customer's later ones within R days, may (stop to) be repeats.
    repeats.contact_reason_changed(contact=contact, old_reason_id=old_reason_id)
    contact_reason_moved(contact=contact)  # goodwill and call minutes follow the reason
    events.reason_set_event(contact=contact, actor=actor, old_reason_id=old_reason_id)
    return contact


@transaction.atomic
def case_answered_by_call(*, case: Case, at: dt.datetime) -> Case:
    """An agent spoke with the customer on the phone (an answered call, either way): when
    nothing was written to them yet, that is the case's first answer (DESIGN.md, promise)."""
    if case.first_reply_at is not None:
        return case
    before = promise_lock(case)  # re-reads first_reply_at with the row locked
    if case.first_reply_at is not None:
        return case
    case.first_reply_at = at
    case.save(update_fields=["first_reply_at"])
    promise_update(case=case, before=before)
    return case


@transaction.atomic
def case_merge(*, source: Case, target: Case, actor: User | None) -> Case:
    """Fold `source` into `target` (same customer): contacts and messages move over and
    the source is closed, pointing at the target."""
    if source.pk == target.pk:
        raise DomainError(_("A case cannot be merged into itself."), field="target")
    if source.customer_id != target.customer_id:
        raise DomainError(_("Only cases of the same customer can be merged."), field="target")
    if source.merged_into_id or target.merged_into_id:
        raise DomainError(_("That case was already merged."), field="target")
    source.contacts.update(case=target)
    source.messages.update(case=target)
    search_documents_move_case(from_case_id=source.pk, to_case_id=target.pk)
    old = source.status
    source_before, target_before = promise_lock(source), promise_lock(target)
    source.status = Status.CLOSED
    source.merged_into = target
    source.save(update_fields=["status", "merged_into"])
    promise_update(case=source, before=source_before)  # a merged case counts no more
    events.merged_events(source=source, target=target, actor=actor)
    repeats.customer_repeats_recompute(customer_id=target.customer_id)  # "same case" changed
    events.status_changed_event(case=source, actor=actor, old=old, new=Status.CLOSED)
    target.last_activity_at = max(target.last_activity_at, source.last_activity_at)
    if target.status in (Status.RESOLVED, Status.CLOSED) and old in ACTIVE_STATUSES:
        target.status = Status.OPEN
    promised = promise_case_merged(source=source, target=target)
    target.save(update_fields=["last_activity_at", "status", *promised])
    promise_update(case=target, before=target_before)
    return target


PLACEHOLDER = re.compile(r"\{(customer_name|case_number|agent_name)\}")


def canned_reply_render(*, canned: CannedReply, case: Case, agent: User) -> str:
    """Fill {customer_name}, {case_number} and {agent_name} in a canned reply; any other
    text in braces is left as written."""
    values = {
        "customer_name": case.customer.name,
        "case_number": case.number,
        "agent_name": agent.display_name,
    }
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], canned.body)


@transaction.atomic
def canned_reply_save(
    *, canned: CannedReply | None = None, title: str, language: str, body: str
) -> CannedReply:
    """Create a canned reply, or change `canned` when given. Title and language together
    are unique."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise DomainError(_("Give the canned reply a title."), field="title", code="required")
    if not body:
        raise DomainError(_("Write the text of the reply."), field="body", code="required")
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("Unknown language."), field="language")
    clash = CannedReply.objects.filter(title=title, language=language)
    if canned is not None:
        clash = clash.exclude(pk=canned.pk)
    if clash.exists():
        raise DomainError(
            _("There is already a canned reply with that title in that language."),
            field="title",
            code="duplicate",
        )
    canned = canned or CannedReply()
    canned.title, canned.language, canned.body = title[:150], language, body
    canned.save()
    return canned


@transaction.atomic
def canned_reply_delete(*, canned: CannedReply) -> None:
    canned.delete()
