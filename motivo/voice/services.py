"""Writes of the phone channel: logging calls, callback requests and their queue, and the
events of the telephony system.

What is a contact (DESIGN.md: customer-initiated, inbound):
- an incoming call is one: a new case through `contact_ingest(channel="phone")`, or a
  contact on an existing case through `case_customer_message(channel="phone")` (a plain
  message when the case was waiting on the customer's answer);
- a callback request is one (the customer asks us to call): it is recorded the same way;
  the call that answers it is not a second contact;
- an outgoing call made by an agent is not: it is a `Call` plus an internal note on the case.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motivo.accounts.models import STAFF_ROLES, Notification, User
from motivo.cases import events
from motivo.cases.models import Case, Contact
from motivo.cases.services import case_add_note, case_answered_by_call, case_customer_message
from motivo.channels.services import contact_ingest
from motivo.core.choices import Channel
from motivo.core.errors import DomainError
from motivo.costs.services import call_seconds_sync
from motivo.customers.models import Customer, Identity
from motivo.customers.services import customer_add_identity, customer_find, identity_normalise
from motivo.voice.models import Call, CallbackRequest
from motivo.voice.selectors import (
    callback_effective_window,
    callback_waiting,
    callback_window_for,
    company_timezone,
    customer_phone,
)

MAX_CALL_SECONDS = 24 * 60 * 60
MAX_NOTES = 10_000
MAX_CALLBACK_NOTE = 2_000
# A logged call may say it started a little in the future (clocks of two machines).
CLOCK_SKEW = dt.timedelta(minutes=5)


class CallbackResult(models.TextChoices):
    """What became of a callback after a call: done, try again later, or give up."""

    DONE = "done", gettext_lazy("done")
    RETRY = "retry", gettext_lazy("to try again later")
    FAILED = "failed", gettext_lazy("failed: give up")


# ---------------------------------------------------------------------------- helpers


def _duration_text(seconds: int) -> str:
    minutes, rest = divmod(max(0, int(seconds)), 60)
    return f"{minutes}:{rest:02d}"


def _outcome_label(outcome: str) -> str:
    return str(Call.Outcome(outcome).label) if outcome in Call.Outcome.values else ""


def _call_summary(
    *, direction: str, number: str, duration_seconds: int, outcome: str, notes: str
) -> str:
    """The text a call leaves in the case's conversation."""
    values = {"number": number or _("unknown number"), "duration": _duration_text(duration_seconds)}
    if direction == Call.Direction.IN:
        head = _("Incoming call from %(number)s, %(duration)s") % values
    else:
        head = _("Outgoing call to %(number)s, %(duration)s") % values
    if outcome:
        head += " · " + _("Outcome: %(outcome)s") % {"outcome": _outcome_label(outcome)}
    return f"{head}\n\n{notes}" if notes else head


def _phone_or_blank(value: str, *, field: str = "phone") -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return identity_normalise(kind=Identity.Kind.PHONE, value=value)
    except DomainError as error:
        error.field = field
        raise


def _remember_number(*, customer: Customer, number: str) -> None:
    """A number nobody has yet becomes one of the customer's phone identities, so the next
    call from it finds them. A number of another customer is left alone."""
    if number and customer_find(kind=Identity.Kind.PHONE, value=number) is None:
        customer_add_identity(customer=customer, kind=Identity.Kind.PHONE, value=number)


def _call_input(
    *,
    direction: str,
    duration_seconds: int,
    outcome: str,
    notes: str,
    started_at: dt.datetime | None,
) -> tuple[str, dt.datetime]:
    """A logged call's notes (stripped) and start (default: it has just ended), checked."""
    notes = (notes or "").strip()
    started_at = started_at or timezone.now() - dt.timedelta(seconds=max(0, duration_seconds))
    if direction not in Call.Direction.values:
        raise DomainError(_("Say whether the call was incoming or outgoing."), field="direction")
    if not 0 <= duration_seconds <= MAX_CALL_SECONDS:
        raise DomainError(_("The duration must be between 0 and 24 hours."), field="duration")
    if outcome and outcome not in Call.Outcome.values:
        raise DomainError(_("Unknown outcome."), field="outcome")
    if len(notes) > MAX_NOTES:
        raise DomainError(_("The notes are too long."), field="notes")
    if started_at > timezone.now() + CLOCK_SKEW:
        raise DomainError(_("The call cannot start in the future."), field="started_at")
    return notes, started_at


def _call_record(
    *,
    case: Case,
    contact: Contact | None,
    agent: User,
    direction: str,
    number: str,
    started_at: dt.datetime,
    duration_seconds: int,
    outcome: str,
    notes: str,
    callback: CallbackRequest | None = None,
) -> Call:
    """The ended call an agent logged, and its `call_logged` event on the case."""
    call = Call.objects.create(
        contact=contact,
        case=case,
        customer_id=case.customer_id,
        agent=agent,
        callback=callback,
        direction=direction,
        state=Call.State.ENDED,
        from_number=number if direction == Call.Direction.IN else "",
        to_number=number if direction == Call.Direction.OUT else "",
        started_at=started_at,
        answered_at=started_at if duration_seconds else None,
        ended_at=started_at + dt.timedelta(seconds=duration_seconds),
        duration_seconds=duration_seconds,
        outcome=outcome,
        notes=notes,
    )
    call_seconds_sync(call=call)  # cost of the contact's reason (costs app)
    unanswered = (Call.Outcome.NO_ANSWER, Call.Outcome.BUSY, Call.Outcome.VOICEMAIL)
    if call.answered_at is not None and outcome not in unanswered:  # we spoke with them
        case_answered_by_call(case=case, at=call.answered_at)
    events.call_logged_event(
        case=case,
        contact=contact,
        actor=agent,
        direction=direction,
        duration_seconds=duration_seconds,
        outcome=outcome,
    )
    return call


def _open_case(case: Case) -> Case:
    if case.merged_into_id:
        raise DomainError(_("This case was merged into another one."), code="merged")
    return case


# ---------------------------------------------------------------------------- logging calls


@transaction.atomic
def call_log(
    *,
    case: Case,
    agent: User,
    direction: str,
    duration_seconds: int = 0,
    outcome: str = "",
    notes: str = "",
    number: str = "",
    started_at: dt.datetime | None = None,
    callback: CallbackRequest | None = None,
) -> Call:
    """An agent records a call on a case. Incoming: a contact on the case (or the
    customer's answer, when the case waited on them). Outgoing: an internal note; only
    the call answering a callback request is linked to that request's contact."""
    notes, started_at = _call_input(
        direction=direction,
        duration_seconds=duration_seconds,
        outcome=outcome,
        notes=notes,
        started_at=started_at,
    )
    _open_case(case)
    number = _phone_or_blank(number) or customer_phone(customer=case.customer)
    summary = _call_summary(
        direction=direction,
        number=number,
        duration_seconds=duration_seconds,
        outcome=outcome,
        notes=notes,
    )
    contact: Contact | None = None
    if direction == Call.Direction.IN:
        message = case_customer_message(
            case=case, channel=Channel.PHONE, body=summary, actor=agent, received_at=started_at
        )
        contact = message.contact if message.contact_id else None
    else:
        case_add_note(case=case, author=agent, body=summary)
        if (
            callback is not None
            and callback.contact_id
            and outcome not in (Call.Outcome.NO_ANSWER, Call.Outcome.BUSY, Call.Outcome.VOICEMAIL)
            and not Call.objects.filter(contact_id=callback.contact_id).exists()
        ):
            contact = callback.contact
    _remember_number(customer=case.customer, number=number)
    return _call_record(
        case=case,
        contact=contact,
        agent=agent,
        callback=callback,
        direction=direction,
        number=number,
        started_at=started_at,
        duration_seconds=duration_seconds,
        outcome=outcome,
        notes=notes,
    )


@transaction.atomic
def call_log_for_number(
    *,
    phone: str,
    agent: User,
    direction: str,
    name: str = "",
    case: Case | None = None,
    subject: str = "",
    duration_seconds: int = 0,
    outcome: str = "",
    notes: str = "",
    started_at: dt.datetime | None = None,
) -> Call:
    """A call with a number, perhaps unknown: the customer is found by that phone identity
    (or created). With `case` the call is logged there; an incoming call without a case
    opens a new one (it is a new contact); an outgoing call needs a case."""
    number = _phone_or_blank(phone)
    if not number:
        raise DomainError(_("Give the phone number."), field="phone", code="required")
    if case is not None:
        owner = customer_find(kind=Identity.Kind.PHONE, value=number)
        if owner is not None and owner.pk != case.customer_id:
            raise DomainError(
                _("That number belongs to another customer; choose one of their cases."),
                field="case",
            )
        return call_log(
            case=case,
            agent=agent,
            direction=direction,
            duration_seconds=duration_seconds,
            outcome=outcome,
            notes=notes,
            number=number,
            started_at=started_at,
        )
    if direction != Call.Direction.IN:
        raise DomainError(
            _(
                "An outgoing call is recorded on one of the customer's cases: choose the case. "
                "It is not a contact, so it does not open a case."
            ),
            field="case",
            code="required",
        )
    notes, started_at = _call_input(
        direction=direction,
        duration_seconds=duration_seconds,
        outcome=outcome,
        notes=notes,
        started_at=started_at,
    )
    summary = _call_summary(
        direction=direction,
        number=number,
        duration_seconds=duration_seconds,
        outcome=outcome,
        notes=notes,
    )
    result = contact_ingest(
        channel=Channel.PHONE,
        phone=number,
        name=name,
        subject=(subject or "").strip() or _("Phone call from %(number)s") % {"number": number},
        body=summary,
        received_at=started_at,
        actor=agent,
    )
    contact = Contact.objects.select_related("case").get(pk=result.contact_id)
    return _call_record(
        case=contact.case,
        contact=contact,
        agent=agent,
        direction=direction,
        number=number,
        started_at=started_at,
        duration_seconds=duration_seconds,
        outcome=outcome,
        notes=notes,
    )


@transaction.atomic
def call_wrap_up(*, call: Call, agent: User, outcome: str, notes: str = "") -> Call:
    """After a call reported by the telephony system ends, its agent records the outcome and
    notes; they go on the case as an internal note."""
    notes = (notes or "").strip()
    if outcome not in Call.Outcome.values:
        raise DomainError(_("Choose the outcome of the call."), field="outcome", code="required")
    if len(notes) > MAX_NOTES:
        raise DomainError(_("The notes are too long."), field="notes")
    call = Call.objects.select_for_update(of=("self",)).select_related("case").get(pk=call.pk)
    if call.state != Call.State.ENDED:
        raise DomainError(_("The call has not ended yet."), code="conflict")
    if call.outcome and call.outcome != Call.Outcome.NO_ANSWER:
        raise DomainError(_("This call was already wrapped up."), code="conflict")
    call.outcome = outcome
    call.notes = notes
    if call.agent_id is None:
        call.agent = agent
    call.save(update_fields=["outcome", "notes", "agent"])
    if not call.case.merged_into_id:
        case_add_note(
            case=call.case,
            author=agent,
            body=_call_summary(
                direction=call.direction,
                number=call.customer_number,
                duration_seconds=call.duration_seconds,
                outcome=outcome,
                notes=notes,
            ),
        )
    return call


# ---------------------------------------------------------------------------- callbacks


def _window_text(start: dt.datetime, end: dt.datetime) -> str:
    zone = company_timezone()
    start, end = start.astimezone(zone), end.astimezone(zone)
    return _("%(day)s between %(start)s and %(end)s") % {
        "day": formats.date_format(start, "SHORT_DATE_FORMAT"),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
    }


@transaction.atomic
def callback_phone_add(*, customer: Customer, phone: str) -> Identity:
    """The customer gives the number to call them on (portal, API): it becomes one of their
    phone identities."""
    number = _phone_or_blank(phone)
    if not number:
        raise DomainError(_("Give the phone number."), field="phone", code="required")
    return customer_add_identity(customer=customer, kind=Identity.Kind.PHONE, value=number)


@transaction.atomic
def callback_request(
    *,
    customer: Customer,
    case: Case | None = None,
    note: str = "",
    source: str = "portal",
    actor: User | None = None,
) -> CallbackRequest:
    """The customer asks to be called back inside their callback window.

    The window is the next occurrence of the customer's window in the company time zone
    (today's if it is not over yet, else tomorrow's). The request is a contact: on `case`
    when given (through `case_customer_message`), else on a new case opened through
    `contact_ingest(channel="phone")`. A customer who already waits for a callback (on the
    same case, when one is given) gets that request back: nothing new is written."""
    if source not in CallbackRequest.Source.values:
        raise DomainError(_("Unknown source."), field="source")
    # Current preferences, and the customer's requests one at a time: of two submitted at
    # once, the second sees the first's callback and answers with it.
    customer = Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
    if not customer.callback_allowed:
        raise DomainError(
            _(
                "Calls are switched off for this customer: allow callbacks, and the hours "
                "between which we may call, in the preferences first."
            ),
            field="callback_allowed",
            code="callbacks_off",
        )
    now = timezone.now()
    window = callback_window_for(customer=customer, at=now)
    if window is None:
        raise DomainError(
            _("Set the hours between which we may call in the preferences first."),
            field="callback_from",
            code="no_window",
        )
    phone = customer_phone(customer=customer)
    if not phone:
        raise DomainError(
            _("There is no phone number to call: add one first."), field="phone", code="no_phone"
        )
    if case is not None:
        if case.customer_id != customer.pk:
            raise DomainError(_("Unknown case."), field="case", code="not_found")
        _open_case(case)
    if existing := callback_waiting(customer=customer, case=case):
        return existing
    note = (note or "").strip()
    if len(note) > MAX_CALLBACK_NOTE:
        raise DomainError(_("The note is too long."), field="note")
    start, end = window
    with translation.override(customer.language):
        body = _("Please call me back on %(phone)s, %(window)s.") % {
            "phone": phone,
            "window": _window_text(start, end),
        }
        if note:
            body = f"{body}\n\n{note}"
        subject = _("Callback request")
    contact: Contact | None
    if case is None:
        result = contact_ingest(
            channel=Channel.PHONE,
            phone=phone,
            subject=subject,
            body=body,
            actor=actor,
            language=customer.language,
        )
        contact = Contact.objects.select_related("case").get(pk=result.contact_id)
        case = contact.case
    else:
        message = case_customer_message(case=case, channel=Channel.PHONE, body=body, actor=actor)
        contact = message.contact if message.contact_id else None
    callback = CallbackRequest.objects.create(
        customer=customer,
        case=case,
        contact=contact,
        phone=phone,
        note=note,
        source=source,
        requested_by=actor,
        window_start=start,
        window_end=end,
    )
    events.callback_requested_event(
        case=case, actor=actor, callback_id=callback.pk, window_start=start, window_end=end
    )
    return callback


def callback_claim(
    *, callback: CallbackRequest, agent: User, now: dt.datetime | None = None
) -> CallbackRequest:
    """An agent takes a waiting callback to call now. One conditional UPDATE: of two agents
    taking the same callback at once, exactly one gets it. Refused outside the customer's
    window (the queue never offers those)."""
    if not agent.is_staff_member:
        raise DomainError(_("Only staff can take callbacks."), code="forbidden")
    now = now or timezone.now()
    fresh = CallbackRequest.objects.select_related("customer").get(pk=callback.pk)
    if fresh.status != CallbackRequest.Status.PENDING:
        raise DomainError(
            _("Another agent has already taken this callback."), field="callback", code="conflict"
        )
    window = callback_effective_window(callback=fresh, now=now)
    if window is None:
        raise DomainError(
            _("The customer no longer accepts calls."), field="callback", code="callbacks_off"
        )
    start, end = window
    if not start <= now < end:
        raise DomainError(
            _("The customer's window has not opened yet: do not call before %(time)s.")
            % {"time": start.astimezone(company_timezone()).strftime("%H:%M")},
            field="callback",
            code="window_closed",
        )
    with transaction.atomic():
        taken = CallbackRequest.objects.filter(
            pk=fresh.pk, status=CallbackRequest.Status.PENDING
        ).update(
            status=CallbackRequest.Status.CLAIMED,
            claimed_by=agent,
            claimed_at=now,
            window_start=start,
            window_end=end,
        )
    if not taken:
        raise DomainError(
            _("Another agent has already taken this callback."), field="callback", code="conflict"
        )
    fresh.refresh_from_db()
    return fresh


@transaction.atomic
def callback_release(*, callback: CallbackRequest, agent: User) -> CallbackRequest:
    """Give a taken callback back to the queue without calling."""
    callback = CallbackRequest.objects.select_for_update().get(pk=callback.pk)
    if callback.status != CallbackRequest.Status.CLAIMED:
        raise DomainError(_("This callback is not taken."), code="conflict")
    if callback.claimed_by_id != agent.pk and not agent.is_manager:
        raise DomainError(_("Another agent has taken this callback."), code="conflict")
    callback.status = CallbackRequest.Status.PENDING
    callback.claimed_by = None
    callback.claimed_at = None
    callback.save(update_fields=["status", "claimed_by", "claimed_at"])
    return callback


@transaction.atomic
def callback_call_log(
    *,
    callback: CallbackRequest,
    agent: User,
    result: str,
    duration_seconds: int = 0,
    outcome: str = "",
    notes: str = "",
    started_at: dt.datetime | None = None,
) -> Call:
    """The agent who took a callback logs the call made and what became of the request:
    done, retry (back in the queue, at the customer's next window occurrence from now) or
    failed (given up)."""
    if result not in CallbackResult.values:
        raise DomainError(
            _("Say whether the callback is done, to retry or failed."), field="result"
        )
    callback = (
        CallbackRequest.objects.select_for_update(of=("self",))
        .select_related("case", "case__customer", "customer", "contact")
        .get(pk=callback.pk)
    )
    if callback.status != CallbackRequest.Status.CLAIMED or callback.claimed_by_id != agent.pk:
        raise DomainError(_("Take the callback from the queue first."), code="conflict")
    call = call_log(
        case=callback.case,
        agent=agent,
        direction=Call.Direction.OUT,
        duration_seconds=duration_seconds,
        outcome=outcome,
        notes=notes,
        number=callback.phone,
        started_at=started_at,
        callback=callback if result == CallbackResult.DONE else None,
    )
    if result != CallbackResult.DONE:
        call.callback = callback
        call.save(update_fields=["callback"])
    now = timezone.now()
    callback.attempts += 1
    if result == CallbackResult.RETRY:
        callback.status = CallbackRequest.Status.PENDING
        callback.claimed_by = None
        callback.claimed_at = None
        window = callback_window_for(customer=callback.customer, at=now)
        if window is not None:
            callback.window_start, callback.window_end = window
    else:
        callback.status = (
            CallbackRequest.Status.DONE
            if result == CallbackResult.DONE
            else CallbackRequest.Status.FAILED
        )
        callback.completed_at = now
    callback.save()
    return call


# ---------------------------------------------------------------------------- telephony


class TelephonyEvent(models.TextChoices):
    """The events of a call the telephony webhook reports."""

    STARTED = "started"
    ANSWERED = "answered"
    ENDED = "ended"


def telephony_agent(value: str) -> User:
    """The active member of staff named in a telephony event, by email or username."""
    value = (value or "").strip()
    staff = User.objects.filter(is_active=True, role__in=STAFF_ROLES)
    found = list(staff.filter(username=value)[:1]) or list(
        staff.filter(Q(email__iexact=value) & ~Q(email=""))[:2]
    )
    if len(found) != 1:
        raise DomainError(
            _("No single member of staff has that email or username."),
            field="agent",
            code="unknown",
        )
    return found[0]


def _telephony_start(
    *, call_id: str, from_number: str, to_number: str, at: dt.datetime
) -> tuple[Call, bool]:
    """The Call and the contact of a new incoming call; an id seen before returns its call."""
    found = Call.objects.filter(external_call_id=call_id).first()
    if found is not None:
        return found, False
    number = _phone_or_blank(from_number, field="from")
    if not number:
        raise DomainError(_("Give the caller's number."), field="from", code="required")
    try:
        with transaction.atomic():
            result = contact_ingest(
                channel=Channel.PHONE,
                phone=number,
                subject=_("Call from %(number)s") % {"number": number},
                body=_("Incoming call from %(number)s.") % {"number": number},
                external_id=f"telephony:{call_id}"[:200],
                received_at=at,
            )
            call = Call.objects.create(
                contact_id=result.contact_id,
                case_id=result.case_id,
                customer_id=result.customer_id,
                direction=Call.Direction.IN,
                state=Call.State.RINGING,
                from_number=number,
                to_number=(to_number or "").strip()[:40],
                started_at=at,
                external_call_id=call_id,
            )
    except IntegrityError:
        # The same call delivered twice at once: the other delivery stored it.
        return Call.objects.get(external_call_id=call_id), False
    return call, True


def _notify_answered(call: Call, agent: User) -> None:
    Notification.objects.create(
        user=agent, case_id=call.case_id, kind=Notification.Kind.CALL_ANSWERED
    )


@transaction.atomic
def telephony_event(
    *,
    event: str,
    call_id: str,
    from_number: str,
    to_number: str = "",
    at: dt.datetime | None = None,
    agent: str | None = None,
) -> tuple[Call, bool]:
    """Apply one event of the telephony system to the call `call_id` and return (call,
    created). Idempotent: a delivery repeated changes nothing. Any event of a call not seen
    yet first records it as started (deliveries can arrive out of order).

    - started: the Call (ringing) and its contact (a new phone case for the caller's number,
      the customer found by that identity or created);
    - answered: the answering agent and time; the agent gets a notification for the case;
    - ended: end time and duration (answered → ended; 0 if never answered, outcome
      "no answer"), and the `call_logged` event."""
    if event not in TelephonyEvent.values:
        raise DomainError(_("Unknown event."), field="event")
    call_id = (call_id or "").strip()
    if not call_id:
        raise DomainError(_("Give the call's id."), field="call_id", code="required")
    if len(call_id) > 200:
        raise DomainError(_("The call id is too long."), field="call_id")
    at = at or timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    staff = telephony_agent(agent) if agent else None
    call, created = _telephony_start(
        call_id=call_id, from_number=from_number, to_number=to_number, at=at
    )
    call = Call.objects.select_for_update().get(pk=call.pk)
    if event == TelephonyEvent.STARTED:
        if staff is not None and call.agent_id is None:
            call.agent = staff
            call.save(update_fields=["agent"])
        return call, created
    if event == TelephonyEvent.ANSWERED:
        if call.state == Call.State.ENDED:
            return call, created
        if call.answered_at is None or (staff is not None and call.agent_id != staff.pk):
            if call.answered_at is None:
                call.answered_at = max(at, call.started_at)
            call.state = Call.State.ACTIVE
            if staff is not None and call.agent_id != staff.pk:
                call.agent = staff
                _notify_answered(call, staff)
            elif staff is None and call.agent_id is not None:
                _notify_answered(call, call.agent)
            call.save(update_fields=["answered_at", "state", "agent"])
            case_answered_by_call(case=call.case, at=call.answered_at)
        return call, created
    # ended
    if call.state == Call.State.ENDED:
        return call, created
    call.ended_at = max(at, call.started_at)
    if call.answered_at is not None:
        call.duration_seconds = int((call.ended_at - call.answered_at).total_seconds())
    else:
        call.duration_seconds = 0
        call.outcome = call.outcome or Call.Outcome.NO_ANSWER
    if staff is not None and call.agent_id is None:
        call.agent = staff
    call.state = Call.State.ENDED
    call.save()
    call_seconds_sync(call=call)  # cost of the contact's reason (costs app)
    if call.case_id:
        events.call_logged_event(
            case=call.case,
            contact=call.contact,
            actor=call.agent,
            direction=call.direction,
            duration_seconds=call.duration_seconds,
            outcome=call.outcome,
        )
    return call, created
