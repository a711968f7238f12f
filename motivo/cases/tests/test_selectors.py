"""Case selectors: who sees what, inbox filters, the lacking-reason marker, timeline words."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import translation

from motivo.accounts.models import Role, Team
from motivo.accounts.services import user_create
from motivo.cases.models import CannedReply, Case, Status
from motivo.cases.selectors import (
    ACTIVE,
    CaseFilters,
    attachment_get_for_user,
    canned_reply_list,
    case_detail_for_user,
    case_get_for_user,
    case_list_for_user,
    case_rows_for_inbox,
    case_timeline,
    customer_get_for_user,
    customer_history,
)
from motivo.cases.services import (
    case_add_note,
    case_assign,
    case_merge,
    case_reply,
    case_set_status,
    contact_set_reason,
)


def _case(ingest, **kwargs) -> Case:
    return Case.objects.get(pk=ingest(**kwargs).case_id)


def _ids(page) -> list[int]:
    return [case.pk for case in page.items]


# --------------------------------------------------------------------------- visibility


def test_customer_sees_only_their_own_cases(customer_user, ingest):
    user, customer = customer_user
    own = customer.cases.get()
    other = _case(ingest, email="someone@example.test")
    assert case_get_for_user(user=user, case_id=own.pk) == own
    with pytest.raises(Http404):
        case_get_for_user(user=user, case_id=other.pk)
    with pytest.raises(Http404):
        case_detail_for_user(user=user, case_id=other.pk)
    with pytest.raises(Http404):
        case_get_for_user(user=user, case_id=999_999)
    assert _ids(case_list_for_user(user=user, filters=CaseFilters())) == [own.pk]
    assert [c.pk for c in customer_history(user=user, customer_id=other.customer_id)] == []


def test_customer_detail_hides_internal_notes_and_their_attachments(customer_user, agent):
    user, customer = customer_user
    case = customer.cases.get()
    upload = SimpleUploadedFile("internal.txt", b"secret")
    note = case_add_note(case=case, author=agent, body="Internal", attachments=[upload])
    case_reply(case=case, author=agent, body="Public answer")
    detail = case_detail_for_user(user=user, case_id=case.pk)
    assert [m.body for m in detail.conversation][-1] == "Public answer"
    assert "Internal" not in [m.body for m in detail.conversation]
    assert detail.timeline == []
    with pytest.raises(Http404):
        attachment_get_for_user(user=user, attachment_id=note.attachments.get().pk)
    staff_view = case_detail_for_user(user=agent, case_id=case.pk)
    assert "Internal" in [m.body for m in staff_view.conversation]
    assert attachment_get_for_user(user=agent, attachment_id=note.attachments.get().pk)


def test_attachment_of_another_customers_case_is_404(customer_user, ingest, agent):
    user, _customer = customer_user
    other = _case(ingest, email="someone@example.test")
    message = case_reply(
        case=other, author=agent, body="Here", attachments=[SimpleUploadedFile("a.txt", b"a")]
    )
    with pytest.raises(Http404):
        attachment_get_for_user(user=user, attachment_id=message.attachments.get().pk)


def test_customer_get_for_user(customer_user, agent, ingest):
    user, customer = customer_user
    stranger = _case(ingest, email="someone@example.test").customer
    assert customer_get_for_user(user=agent, customer_id=stranger.pk) == stranger
    assert customer_get_for_user(user=user, customer_id=customer.pk) == customer
    with pytest.raises(Http404):
        customer_get_for_user(user=user, customer_id=stranger.pk)


# --------------------------------------------------------------------------- inbox filters


@pytest.fixture
def inbox_cases(ingest, agent, supervisor, reason):
    """new (no reason), open+assigned to agent, waiting+team, resolved, a chat case."""
    team = Team.objects.create(name="Billing")
    new = _case(ingest)
    mine = _case(ingest, reason=reason)
    case_assign(case=mine, actor=supervisor, assignee=agent)
    case_reply(case=mine, author=agent, body="On it")
    waiting = _case(ingest)
    case_assign(case=waiting, actor=supervisor, assignee=None, team=team)
    case_reply(case=waiting, author=agent, body="Which order?", status=Status.WAITING)
    resolved = _case(ingest, reason=reason)
    case_set_status(case=resolved, actor=agent, status=Status.RESOLVED)
    chat = _case(ingest, channel="chat", chat="handle-1")
    return {
        "new": new,
        "mine": mine,
        "waiting": waiting,
        "resolved": resolved,
        "chat": chat,
        "team": team,
    }


def test_active_filter_excludes_resolved_and_orders_by_last_activity(agent, inbox_cases):
    page = case_list_for_user(user=agent, filters=CaseFilters(status=ACTIVE))
    ids = _ids(page)
    assert inbox_cases["resolved"].pk not in ids
    assert set(ids) == {inbox_cases[k].pk for k in ("new", "mine", "waiting", "chat")}
    activity = [c.last_activity_at for c in page.items]
    assert activity == sorted(activity, reverse=True)
    assert inbox_cases["resolved"].pk in _ids(case_list_for_user(user=agent, filters=CaseFilters()))


def test_filters_by_assignee_team_reason_channel_and_status(agent, inbox_cases, reason):
    def ids(**kwargs) -> set[int]:
        return set(_ids(case_list_for_user(user=agent, filters=CaseFilters(**kwargs))))

    assert ids(assignee_id=agent.pk) == {inbox_cases["mine"].pk}
    assert inbox_cases["mine"].pk not in ids(assignee_id=0)  # 0 = unassigned
    assert inbox_cases["new"].pk in ids(assignee_id=0)
    assert ids(team_id=inbox_cases["team"].pk) == {inbox_cases["waiting"].pk}
    assert ids(reason_id=reason.pk) == {inbox_cases["mine"].pk, inbox_cases["resolved"].pk}
    assert ids(channel="chat") == {inbox_cases["chat"].pk}
    assert ids(status=Status.WAITING) == {inbox_cases["waiting"].pk}


def test_lacks_reason_marker_is_computed_in_the_list_query(
    agent, inbox_cases, django_assert_num_queries
):
    with django_assert_num_queries(1):
        page = case_list_for_user(user=agent, filters=CaseFilters(status=ACTIVE))
        flags = {case.pk: case.lacks_reason for case in page.items}
        names = [case.customer.name for case in page.items]
    assert len(names) == 4
    assert flags[inbox_cases["new"].pk] is True
    assert flags[inbox_cases["mine"].pk] is False


def test_paging_reads_one_extra_row_instead_of_counting(agent, ingest):
    for _ in range(5):
        ingest()
    first = case_list_for_user(user=agent, filters=CaseFilters(), page=1, page_size=2)
    last = case_list_for_user(user=agent, filters=CaseFilters(), page=3, page_size=2)
    assert first.has_next and not first.has_previous
    assert len(last.items) == 1 and not last.has_next and last.has_previous


def test_a_deep_page_is_the_same_slice_of_the_same_order(agent, ingest):
    for _ in range(7):
        ingest()
    everything = _ids(case_list_for_user(user=agent, filters=CaseFilters(), page_size=100))
    pages = [
        _ids(case_list_for_user(user=agent, filters=CaseFilters(), page=n, page_size=3))
        for n in (1, 2, 3, 4)
    ]
    assert pages == [everything[0:3], everything[3:6], everything[6:7], []]


def test_inbox_rows_are_the_list_as_light_rows_in_one_query(
    agent, supervisor, inbox_cases, django_assert_num_queries
):
    supervisor.first_name, supervisor.last_name = "Ana", "García"
    supervisor.save()
    case_assign(case=inbox_cases["new"], actor=agent, assignee=supervisor, team=inbox_cases["team"])
    for filters in (CaseFilters(), CaseFilters(status=ACTIVE), CaseFilters(assignee_id=0)):
        cases = case_list_for_user(user=agent, filters=filters, page_size=2)
        with django_assert_num_queries(1):
            rows = case_rows_for_inbox(user=agent, filters=filters, page_size=2)
        assert [row.pk for row in rows.items] == _ids(cases)
        assert (rows.number, rows.has_next) == (cases.number, cases.has_next)
        for row, case in zip(rows.items, cases.items, strict=True):
            assert row.number == case.number
            assert (row.subject, row.status, row.channel, row.lacks_reason) == (
                case.subject,
                case.status,
                case.channel,
                case.lacks_reason,
            )
            assert row.last_activity_at == case.last_activity_at
            assert (row.customer_id, row.customer_name) == (case.customer_id, case.customer.name)
            assert row.assignee_id == case.assignee_id
            assert row.assignee_name == (case.assignee.display_name if case.assignee else "")
            assert row.team_name == (case.team.name if case.team else "")
    rows = {
        row.pk: row
        for row in case_rows_for_inbox(user=agent, filters=CaseFilters(status=ACTIVE)).items
    }
    assert rows[inbox_cases["new"].pk].assignee_name == "Ana García"
    assert rows[inbox_cases["new"].pk].team_name == "Billing"
    assert rows[inbox_cases["mine"].pk].assignee_name == "agent"  # no full name: username
    assert rows[inbox_cases["chat"].pk].assignee_name == ""


def test_inbox_rows_show_a_customer_only_their_cases(ingest, customer_user):
    user, customer = customer_user
    ingest(email="someone@example.test")
    rows = case_rows_for_inbox(user=user, filters=CaseFilters()).items
    assert [row.customer_id for row in rows] == [customer.pk]


# --------------------------------------------------------------------------- history, canned


def test_customer_history_spans_channels_and_lists_contacts(agent, ingest):
    first = _case(ingest, email="x@example.test")
    second = _case(ingest, email="x@example.test", channel="web")
    _case(ingest, email="other@example.test")
    history = customer_history(user=agent, customer_id=first.customer_id)
    assert [c.pk for c in history] == [second.pk, first.pk]
    assert [len(c.contacts.all()) for c in history] == [1, 1]


def test_canned_replies_in_the_customers_language_come_first(db):
    for title, language in [("A", "en"), ("B", "es"), ("C", "en")]:
        CannedReply.objects.create(title=title, language=language, body="x")
    assert [c.title for c in canned_reply_list(language="es")] == ["B", "A", "C"]
    assert [c.title for c in canned_reply_list()] == ["A", "B", "C"]


# --------------------------------------------------------------------------- timeline


def test_timeline_tells_who_did_what_in_words(ingest, agent, supervisor, reason, other_reason):
    agent.first_name = "Ana"
    agent.save()
    team = Team.objects.create(name="Front line")
    case = _case(ingest, email="same@example.test")
    other = _case(ingest, email="same@example.test")
    case_assign(case=case, actor=supervisor, assignee=agent, team=team)
    case_reply(case=case, author=agent, body="Hi")
    contact = case.contacts.get()
    contact_set_reason(contact=contact, actor=agent, reason=reason)
    contact_set_reason(contact=contact, actor=agent, reason=other_reason)
    case_merge(source=other, target=case, actor=agent)
    detail = case_detail_for_user(user=agent, case_id=case.pk)
    with translation.override("en"):
        texts = [entry.text for entry in case_timeline(events=detail.timeline)]
    assert texts[:2] == ["Case opened (Email)", "The customer contacted us by Email"]
    assert "boss assigned the case to Ana (team Front line)" in texts
    assert "Ana replied to the customer" in texts
    assert "Ana changed the status from New to Open" in texts
    assert f"Ana set a contact's reason to “{reason.name}”" in texts
    assert (
        f"Ana corrected a contact's reason from “{reason.name}” to “{other_reason.name}”" in texts
    )
    assert f"Ana merged case #{other.pk} into this one" in texts


def test_timeline_names_are_read_in_a_fixed_number_of_queries(
    ingest, supervisor, django_assert_max_num_queries
):
    case = _case(ingest)
    for n in range(6):
        person = user_create(username=f"agent{n}", role=Role.AGENT)
        case_assign(case=case, actor=supervisor, assignee=person)
    detail = case_detail_for_user(user=supervisor, case_id=case.pk)
    with django_assert_max_num_queries(3):
        entries = case_timeline(events=detail.timeline)
    assert "agent5" in entries[-1].text
