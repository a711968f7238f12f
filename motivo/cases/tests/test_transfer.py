"""Transfer of a case with a hand-off note: the service's rules, the event, who is notified
and mailed in which language, the note shown first to the receiver only, acknowledging it,
the inbox flag (without N+1) and the page's access rules."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from motivo.accounts.models import Notification, Role, Team, User
from motivo.accounts.services import user_create
from motivo.cases.models import Case, CaseEvent, Handoff
from motivo.cases.selectors import CaseFilters, case_rows_for_inbox
from motivo.cases.services import (
    case_assign,
    case_customer_message,
    case_merge,
    case_transfer,
    handoff_acknowledge,
)
from motivo.core.errors import DomainError

pytestmark = pytest.mark.django_db

NOTE = "Refund of order 4471 approved; she waits for the courier label, promised today."


@pytest.fixture
def luis(db) -> User:
    return user_create(
        username="luis",
        role=Role.AGENT,
        password=PASSWORD,
        email="luis@x.test",
        first_name="Luis",
    )


@pytest.fixture
def ana(db) -> User:
    return user_create(
        username="ana", role=Role.AGENT, email="ana@x.test", first_name="Ana", language="en"
    )


@pytest.fixture
def billing(luis, ana) -> Team:
    team = Team.objects.create(name="Billing")
    inactive = user_create(username="gone", role=Role.AGENT, email="gone@x.test")
    inactive.is_active = False
    inactive.save()
    customer = user_create(username="cust", role=Role.CUSTOMER, email="cust@x.test")
    team.members.add(luis, ana, inactive, customer)
    return team


@pytest.fixture
def case(ingest, agent) -> Case:
    result = ingest(
        email="lucia@example.test",
        name="Lucía",
        subject="Refund for a broken lamp",
        body="The lamp arrived broken, I want my money back.",
    )
    case = Case.objects.get(pk=result.case_id)
    case_assign(case=case, actor=agent, assignee=agent)
    mail.outbox.clear()
    return case


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _detail(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def _ack_url(handoff: Handoff) -> str:
    return reverse("cases:handoff_acknowledge", args=[handoff.case_id, handoff.pk])


def _state() -> tuple:
    return (
        list(Case.objects.order_by("pk").values("pk", "assignee_id", "team_id")),
        list(Handoff.objects.order_by("pk").values()),
        CaseEvent.objects.count(),
        Notification.objects.count(),
    )


# --------------------------------------------------------------------------- the service


def test_transfer_to_an_agent_writes_event_handoff_notification_and_mail(
    case, agent, luis, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case_transfer(case=case, actor=agent, assignee=luis, team=None, note=f"  {NOTE}  ")

    case.refresh_from_db()
    assert (case.assignee_id, case.team_id) == (luis.pk, None)
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.TRANSFERRED)
    assert event.actor == agent
    assert event.data == {
        "from_assignee_id": agent.pk,
        "from_team_id": None,
        "assignee_id": luis.pk,
        "team_id": None,
        "note": NOTE,
    }
    handoff = Handoff.objects.get(case=case)
    assert (handoff.event, handoff.by, handoff.assignee, handoff.team) == (event, agent, luis, None)
    assert handoff.is_open
    notification = Notification.objects.get(user=luis)
    assert (notification.case_id, notification.kind) == (case.pk, Notification.Kind.CASE_ASSIGNED)
    assert [m.to for m in mail.outbox] == [["luis@x.test"]]


def test_the_receivers_mail_is_in_their_language_and_carries_the_note(
    case, agent, luis, ana, django_capture_on_commit_callbacks
):
    luis.language = "es"
    luis.save()
    with django_capture_on_commit_callbacks(execute=True):
        case_transfer(case=case, actor=agent, assignee=luis, team=None, note=NOTE)
    with django_capture_on_commit_callbacks(execute=True):
        case_transfer(case=case, actor=luis, assignee=ana, team=None, note=NOTE + " Ana, yours.")

    spanish, english = mail.outbox
    assert spanish.to == ["luis@x.test"] and english.to == ["ana@x.test"]
    assert spanish.body.startswith("Hola, Luis:")  # Luis reads Spanish
    assert english.body.startswith("Hello Ana,")
    assert NOTE in spanish.body and "Ana, yours." in english.body
    assert f"/cases/{case.pk}/" in english.body
    assert f"#{case.pk}" in english.subject and case.subject in english.subject
    assert "Luis handed case" in english.body  # who handed it over


def test_a_team_transfer_notifies_every_active_staff_member_but_the_sender(
    case, luis, ana, billing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case_transfer(case=case, actor=luis, assignee=None, team=billing, note=NOTE)

    case.refresh_from_db()
    assert (case.assignee_id, case.team_id) == (None, billing.pk)  # the agent left out: cleared
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["ana"]
    assert [m.to for m in mail.outbox] == [["ana@x.test"]]
    assert "Billing" in mail.outbox[0].subject
    # The body says it too: Ana is told the team has it, not that it is hers alone.
    assert "Luis handed case" in mail.outbox[0].body
    assert "over to your team Billing with this note" in mail.outbox[0].body


def test_a_transfer_to_an_agent_of_a_team_notifies_the_agent_only(
    case, agent, luis, billing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case_transfer(case=case, actor=agent, assignee=luis, team=billing, note=NOTE)

    case.refresh_from_db()
    assert (case.assignee_id, case.team_id) == (luis.pk, billing.pk)
    assert list(Notification.objects.values_list("user_id", flat=True)) == [luis.pk]
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("note", "code"),
    [("", "required"), ("   \n ", "required"), ("ok thx", "too_short"), ("x" * 4001, "too_long")],
)
def test_the_note_is_required_and_must_be_useful(case, agent, luis, note, code):
    before = _state()
    with pytest.raises(DomainError) as error:
        case_transfer(case=case, actor=agent, assignee=luis, team=None, note=note)
    assert (error.value.field, error.value.code) == ("note", code)
    assert error.value.message
    assert _state() == before
    assert mail.outbox == []


def test_refused_targets(case, agent, luis, customer_user):
    before = _state()
    refusals = [
        (dict(assignee=None, team=None), "assignee", "required"),
        (dict(assignee=customer_user[0], team=None), "assignee", "invalid"),
        (dict(assignee=agent, team=None), "assignee", "unchanged"),
    ]
    for target, field, code in refusals:
        with pytest.raises(DomainError) as error:
            case_transfer(case=case, actor=luis, note=NOTE, **target)
        assert (error.value.field, error.value.code) == (field, code), target
    with pytest.raises(DomainError, match="yourself"):
        case_transfer(case=case, actor=agent, assignee=agent, team=Team.objects.create(name="X"),
                      note=NOTE)  # fmt: skip
    luis.is_active = False
    luis.save()
    with pytest.raises(DomainError, match="staff"):
        case_transfer(case=case, actor=agent, assignee=luis, team=None, note=NOTE)
    assert _state()[0] == before[0] and Handoff.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_transfer_hands_the_case_over_once(case, agent, luis):
    """Two posts of the same transfer form at once: one transfer, one hand-off, one
    notification; the other is told the case is already there."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def hand_over() -> None:
        try:
            fresh = Case.objects.get(pk=case.pk)
            barrier.wait()
            case_transfer(case=fresh, actor=agent, assignee=luis, team=None, note=NOTE)
            outcomes.append("done")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=hand_over) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "unchanged"]
    assert Handoff.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.TRANSFERRED).count() == 1
    assert Notification.objects.filter(user=luis).count() == 1


def test_a_merged_case_cannot_be_transferred(ingest, agent, luis):
    first = ingest(email="same@example.test")
    second = ingest(email="same@example.test")
    source = Case.objects.get(pk=first.case_id)
    case_merge(source=source, target=Case.objects.get(pk=second.case_id), actor=agent)
    with pytest.raises(DomainError) as error:
        case_transfer(case=source, actor=agent, assignee=luis, team=None, note=NOTE)
    assert error.value.code == "merged"


def test_a_new_transfer_supersedes_the_open_hand_off(case, agent, luis, ana):
    case_transfer(case=case, actor=agent, assignee=luis, team=None, note=NOTE)
    case_transfer(case=case, actor=agent, assignee=ana, team=None, note=NOTE + " Now Ana.")

    first, second = Handoff.objects.order_by("pk")
    assert first.superseded_at is not None and first.acknowledged_at is None
    assert second.is_open


def test_reassigning_away_from_the_receiver_supersedes_but_picking_up_a_team_one_does_not(
    case, agent, luis, ana, billing
):
    case_transfer(case=case, actor=agent, assignee=None, team=billing, note=NOTE)
    handoff = Handoff.objects.get()
    case_assign(case=case, actor=luis, assignee=luis, team=billing)  # Luis picks it up
    handoff.refresh_from_db()
    assert handoff.is_open  # still for him: he is in the team

    case_assign(case=case, actor=agent, assignee=agent, team=None)  # taken out of the team
    handoff.refresh_from_db()
    assert handoff.superseded_at is not None


def test_acknowledge_only_by_the_receiver_once(case, agent, luis, ana, billing):
    case_transfer(case=case, actor=agent, assignee=None, team=billing, note=NOTE)
    handoff = Handoff.objects.get()
    with pytest.raises(DomainError) as error:
        handoff_acknowledge(handoff=handoff, user=agent)  # not in the team
    assert error.value.code == "forbidden"

    handoff = handoff_acknowledge(handoff=handoff, user=ana)  # any member of the team
    assert (handoff.acknowledged_by, handoff.is_open) == (ana, False)
    at = handoff.acknowledged_at
    again = handoff_acknowledge(handoff=handoff, user=luis)
    assert (again.acknowledged_by, again.acknowledged_at) == (ana, at)


def test_a_superseded_hand_off_cannot_be_acknowledged(case, agent, luis, ana):
    case_transfer(case=case, actor=agent, assignee=luis, team=None, note=NOTE)
    old = Handoff.objects.get()
    case_transfer(case=case, actor=agent, assignee=ana, team=None, note=NOTE)
    with pytest.raises(DomainError) as error:
        handoff_acknowledge(handoff=old, user=luis)
    assert error.value.code == "conflict"


# --------------------------------------------------------------------------- the case page


def test_the_receiver_sees_the_note_first_with_what_the_customer_told_us(case, agent, ana):
    case_customer_message(case=case, channel="web", body="Also: the box was soaked.")
    case_transfer(case=case, actor=agent, assignee=ana, team=None, note=NOTE)

    html = _client(ana).get(_detail(case)).content.decode()

    assert 'class="card handoff handoff-first"' in html
    top = html.index('data-testid="handoff"')
    assert top < html.index('id="conversation-title"')  # before the conversation
    section = html[top : html.index("</section>", top)]
    assert NOTE in section
    assert "handed this case over to you" in section and "agent" in section
    assert "it was with agent" in section  # from whom
    assert "What the customer already told us" in section
    assert "No reason yet" in section  # the contacts, with their reasons
    assert "Also: the box was soaked." in section  # the customer's latest messages, newest first
    assert section.index("Also: the box was soaked.") < section.index("The lamp arrived broken")
    assert 'name="csrfmiddlewaretoken"' in section and 'data-testid="handoff-ack"' in section


def test_others_see_a_collapsed_banner_and_the_timeline_entry(case, agent, luis, ana):
    case_transfer(case=case, actor=agent, assignee=luis, team=None, note=NOTE)

    for user in (ana, agent):  # a bystander, and the sender
        html = _client(user).get(_detail(case)).content.decode()
        assert "handoff-first" not in html and 'data-testid="handoff-ack"' not in html
        assert '<details class="handoff handoff-collapsed"' in html
        assert NOTE in html and "not acknowledged yet" in html
        assert "agent transferred the case to Luis with a hand-off note" in html


def test_a_team_hand_off_is_shown_first_to_every_member(case, agent, luis, ana, billing):
    case_transfer(case=case, actor=agent, assignee=None, team=billing, note=NOTE)
    for user in (luis, ana):
        html = _client(user).get(_detail(case)).content.decode()
        assert "handoff-first" in html and "your team <strong>Billing</strong>" in html
    assert "handoff-first" not in _client(agent).get(_detail(case)).content.decode()


def test_viewing_the_case_leaves_the_hand_off_open(case, agent, luis):
    case_transfer(case=case, actor=agent, assignee=luis, team=None, note=NOTE)
    client = _client(luis)
    before = _state()
    assert client.get(_detail(case)).status_code == 200
    assert client.get(_detail(case)).status_code == 200
    assert client.get(_ack_url(Handoff.objects.get())).status_code == 405  # GET does nothing
    assert _state() == before


def test_acknowledging_folds_the_note_away(case, agent, luis):
    case_transfer(case=case, actor=agent, assignee=luis, team=None, note=NOTE)
    handoff = Handoff.objects.get()
    client = _client(luis)

    response = client.post(_ack_url(handoff), follow=True)

    assert response.redirect_chain[-1][0] == _detail(case)
    handoff.refresh_from_db()
    assert handoff.acknowledged_by == luis
    html = response.content.decode()
    assert "Hand-off acknowledged." in html
    assert "handoff-first" not in html and "handoff-collapsed" in html
    assert "acknowledged by Luis on" in html


def test_acknowledging_someone_elses_hand_off_is_refused(case, agent, luis, ana):
    case_transfer(case=case, actor=agent, assignee=luis, team=None, note=NOTE)
    response = _client(ana).post(_ack_url(Handoff.objects.get()), follow=True)
    assert "Only the receiver" in response.content.decode()
    assert Handoff.objects.get().is_open


def test_acknowledge_needs_the_csrf_token(case, agent, luis):
    case_transfer(case=case, actor=agent, assignee=luis, team=None, note=NOTE)
    client = Client(enforce_csrf_checks=True)
    client.force_login(luis)
    assert client.post(_ack_url(Handoff.objects.get())).status_code == 403
    assert client.post(reverse("cases:transfer", args=[case.pk]), {"note": NOTE}).status_code == 403
    assert Handoff.objects.get().is_open and Handoff.objects.count() == 1


def test_customers_and_strangers_cannot_transfer_or_acknowledge(case, agent, luis, customer_user):
    case_transfer(case=case, actor=agent, assignee=luis, team=None, note=NOTE)
    handoff = Handoff.objects.get()
    before = _state()
    customer = _client(customer_user[0])
    data = {"assignee": agent.pk, "note": NOTE}
    assert customer.post(reverse("cases:transfer", args=[case.pk]), data).status_code == 403
    assert customer.post(_ack_url(handoff)).status_code == 403
    assert Client().post(_ack_url(handoff)).status_code == 302  # to sign in
    staff = _client(luis)
    elsewhere = reverse("cases:handoff_acknowledge", args=[case.pk + 1, handoff.pk])
    assert staff.post(elsewhere).status_code == 404  # a hand-off of another case
    assert staff.post(reverse("cases:transfer", args=[case.pk + 99]), data).status_code == 404
    assert _state() == before


def test_the_transfer_form_on_the_case_page(case, agent, luis, billing):
    client = _client(agent)
    page = client.get(_detail(case)).content.decode()
    assert 'data-testid="transfer-form"' in page and 'name="note"' in page
    assert 'data-testid="assign-form"' in page  # plain assignment stays

    refused = client.post(
        reverse("cases:transfer", args=[case.pk]), {"assignee": luis.pk, "note": " "}
    )
    assert refused.status_code == 400
    assert "Write a hand-off note" in refused.content.decode()
    assert Handoff.objects.count() == 0

    done = client.post(
        reverse("cases:transfer", args=[case.pk]),
        {"assignee": luis.pk, "team": billing.pk, "note": NOTE},
        follow=True,
    )
    assert "Case handed over." in done.content.decode()
    handoff = Handoff.objects.get()
    assert (handoff.assignee, handoff.team, handoff.event.data["note"]) == (luis, billing, NOTE)


def test_the_case_page_of_a_transferred_case_costs_a_few_queries_more_at_most(
    case, agent, luis, django_assert_max_num_queries
):
    client = _client(luis)
    with django_assert_max_num_queries(100) as plain:
        client.get(_detail(case))
    case_transfer(case=case, actor=agent, assignee=luis, team=None, note=NOTE)
    # the hand-off row, the previous holder's name (no team here)
    with django_assert_max_num_queries(len(plain.captured_queries) + 2):
        response = client.get(_detail(case))
    assert "handoff-first" in response.content.decode()


# --------------------------------------------------------------------------- the inbox


def test_the_inbox_flags_cases_handed_to_me_in_its_one_query(
    ingest, case, agent, luis, ana, billing, django_assert_num_queries
):
    other = Case.objects.get(pk=ingest().case_id)
    case_transfer(case=case, actor=agent, assignee=luis, team=None, note=NOTE)
    case_transfer(case=other, actor=agent, assignee=None, team=billing, note=NOTE)

    def flagged(user: User) -> set[int]:
        with django_assert_num_queries(1):
            rows = case_rows_for_inbox(user=user, filters=CaseFilters())
        return {row.pk for row in rows.items if row.handoff_for_me}

    assert flagged(luis) == {case.pk, other.pk}
    assert flagged(ana) == {other.pk}  # the team's, not Luis's own
    assert flagged(agent) == set()  # the sender
    handoff_acknowledge(handoff=Handoff.objects.get(case=other), user=ana)
    assert flagged(luis) == {case.pk}


def test_the_inbox_page_shows_the_flag_in_a_fixed_number_of_queries(
    ingest, case, agent, luis, django_assert_max_num_queries
):
    for _ in range(3):
        ingest()
    case_transfer(case=case, actor=agent, assignee=luis, team=None, note=NOTE)
    client = _client(luis)
    # session, user, unread count, staff, teams, reasons, and ONE for the cases: as before.
    with django_assert_max_num_queries(7):
        html = client.get(reverse("cases:inbox") + "?status=all").content.decode()
    row = html[html.index(f'<tr data-case="{case.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-testid="handoff-flag"' in row
    assert html.count('data-testid="handoff-flag"') == 1
    assert (
        'data-testid="handoff-flag"'
        not in _client(agent).get(reverse("cases:inbox")).content.decode()
    )
