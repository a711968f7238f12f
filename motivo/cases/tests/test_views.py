"""Agent workspace pages: access, rendering, actions, htmx partials and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from motivo.accounts.models import Notification, Role, Team
from motivo.accounts.services import user_create
from motivo.cases.models import Attachment, CannedReply, Case, CaseEvent, Contact, Message, Status
from motivo.cases.services import (
    case_add_note,
    case_assign,
    case_customer_message,
    case_reply,
    contact_set_reason,
)
from motivo.cases.templatetags.cases_extras import ago


@pytest.fixture
def agent_client(client, agent) -> Client:
    client.force_login(agent)
    return client


def _case(ingest, **kwargs) -> Case:
    return Case.objects.get(pk=ingest(**kwargs).case_id)


def _detail(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def _snapshot() -> tuple:
    """Everything a GET must leave alone."""
    return (
        list(Case.objects.order_by("pk").values()),
        list(Contact.objects.order_by("pk").values_list("pk", "case_id", "reason_id")),
        Message.objects.count(),
        Attachment.objects.count(),
        CaseEvent.objects.count(),
        list(CannedReply.objects.order_by("pk").values()),
    )


# --------------------------------------------------------------------------- access


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("cases:inbox"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_customers_get_403_on_every_staff_page(client, customer_user):
    user, customer = customer_user
    client.force_login(user)
    case = customer.cases.get()
    for url in [
        reverse("cases:inbox"),
        _detail(case),
        reverse("cases:customer", args=[customer.pk]),
        reverse("cases:canned_list"),
        reverse("cases:canned_insert", args=[case.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("cases:reply", args=[case.pk]), {"body": "I am staff now"})
    assert response.status_code == 403
    assert not Message.objects.filter(kind=Message.Kind.REPLY).exists()


def test_unknown_case_is_404(agent_client):
    assert agent_client.get(reverse("cases:detail", args=[424242])).status_code == 404


def test_posts_without_csrf_token_are_rejected(agent, ingest):
    case = _case(ingest)
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    before = _snapshot()
    for name, data in [
        ("cases:reply", {"body": "Hello"}),
        ("cases:note", {"body": "Psst"}),
        ("cases:status", {"status": Status.OPEN}),
        ("cases:assign", {"assignee": agent.pk}),
    ]:
        assert client.post(reverse(name, args=[case.pk]), data).status_code == 403
    assert _snapshot() == before
    # the page itself carries the token every form needs
    page = client.get(_detail(case)).content.decode()
    assert page.count("csrfmiddlewaretoken") >= 5


def test_get_never_changes_state(agent_client, ingest, reason):
    case = _case(ingest)
    canned = CannedReply.objects.create(title="Hi", language="es", body="Hola {customer_name}")
    before = _snapshot()
    urls = [
        reverse("cases:inbox"),
        _detail(case),
        _detail(case) + f"?canned={canned.pk}",
        reverse("cases:canned_insert", args=[case.pk]) + f"?canned={canned.pk}",
        reverse("cases:customer", args=[case.customer_id]),
        reverse("cases:canned_list"),
        reverse("search:search") + "?q=pedido",
    ]
    for url in urls:
        assert agent_client.get(url).status_code in (200, 302), url
    for name in ["reply", "note", "assign", "status", "merge"]:
        url = reverse(f"cases:{name}", args=[case.pk])
        assert agent_client.get(url + "?status=resolved&body=x").status_code == 405
    url = reverse("cases:contact_reason", args=[case.pk, case.contacts.get().pk])
    assert agent_client.get(url + f"?reason={reason.pk}").status_code == 405
    assert _snapshot() == before


# --------------------------------------------------------------------------- inbox


@pytest.fixture
def sixty_cases(ingest, agent, supervisor, reason):
    """60 cases over 20 customers, spread over three assignees (one of them nobody),
    two teams and all channels; every third case has its reason set."""
    luis = user_create(username="luis", role=Role.AGENT)
    teams = [Team.objects.create(name="Front line"), Team.objects.create(name="Billing")]
    start = timezone.now() - dt.timedelta(days=10)
    channels = ["email", "web", "chat", "phone", "portal"]
    for n in range(60):
        result = ingest(
            email=f"customer{n % 20}@example.test",
            name=f"Customer {n % 20}",
            channel=channels[n % 5],
            subject=f"Question number {n}",
            received_at=start + dt.timedelta(hours=n),
            reason=reason if n % 3 == 0 else None,
        )
        assignee = [agent, luis, None][n % 3]
        if assignee is not None:
            case = Case.objects.get(pk=result.case_id)
            case_assign(case=case, actor=supervisor, assignee=assignee, team=teams[n % 2])
    return Case.objects.order_by("-last_activity_at", "-id")


def test_inbox_lists_a_page_of_50_in_a_fixed_number_of_queries(
    agent_client, sixty_cases, django_assert_max_num_queries
):
    # session, user, unread count, staff, teams, reasons (filters) and ONE for the cases
    # with customer, assignee, team and the lacking-reason marker: no COUNT, no per-row query.
    with django_assert_max_num_queries(7):
        response = agent_client.get(reverse("cases:inbox"))
    assert response.status_code == 200
    page = response.context["page"]
    assert len(page.items) == 50 and page.has_next
    newest = sixty_cases.first()
    html = response.content.decode()
    assert newest.subject in html and newest.customer.name in html
    assert 'class="pill status-new"' in html
    assert "Older" in html and "page=2" in html
    with django_assert_max_num_queries(7):
        second = agent_client.get(reverse("cases:inbox") + "?page=2")
    assert len(second.context["page"].items) == 10
    assert not second.context["page"].has_next


def test_inbox_flags_cases_whose_contacts_lack_a_reason(agent_client, ingest, reason):
    flagged = _case(ingest, subject="Needs classifying")
    fine = _case(ingest, subject="Already classified", reason=reason)
    html = agent_client.get(reverse("cases:inbox")).content.decode()
    rows = {
        case.pk: html.split(f'data-case="{case.pk}"')[1].split("</tr>")[0]
        for case in (flagged, fine)
    }
    assert 'data-testid="lacks-reason"' in rows[flagged.pk]
    assert 'data-testid="lacks-reason"' not in rows[fine.pk]


def test_inbox_defaults_to_active_cases_and_filters_by_get_params(
    agent_client, agent, ingest, reason
):
    done = _case(ingest, subject="Done and dusted", reason=reason)
    done.status = Status.RESOLVED
    done.save()
    mine = _case(ingest, subject="Assigned to me", channel="chat", chat="c-1")
    case_assign(case=mine, actor=None, assignee=agent)
    loose = _case(ingest, subject="Nobody has this")

    def subjects(query: str = "") -> set[str]:
        response = agent_client.get(reverse("cases:inbox") + query)
        return {case.subject for case in response.context["page"].items}

    assert subjects() == {mine.subject, loose.subject}
    assert subjects("?status=all") == {mine.subject, loose.subject, done.subject}
    assert subjects("?status=resolved") == {done.subject}
    assert subjects("?assignee=mine") == {mine.subject}
    assert subjects("?assignee=unassigned") == {loose.subject}
    assert subjects("?channel=chat") == {mine.subject}
    assert subjects(f"?status=all&reason={reason.pk}") == {done.subject}
    assert subjects("?status=bogus&assignee=nonsense") == {mine.subject, loose.subject}


def test_inbox_htmx_request_gets_only_the_table(agent_client, ingest):
    _case(ingest, subject="Partial please")
    response = agent_client.get(reverse("cases:inbox") + "?status=new", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="case-table">')
    assert "<html" not in html and "Partial please" in html
    assert "HX-Request" in response["Vary"]
    full = agent_client.get(
        reverse("cases:inbox"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in full.content.decode()


def _row(html: str, case: Case) -> str:
    return html.split(f'<tr data-case="{case.pk}">')[1].split("</tr>")[0]


def test_inbox_row_links_labels_and_times(agent_client, ingest, supervisor):
    case = _case(ingest, name="Lola <b>Flores</b>", subject="Where is <my> order & why?")
    supervisor.first_name = "Ana"
    supervisor.save()
    case_assign(case=case, actor=None, assignee=supervisor, team=Team.objects.create(name="A&B"))
    Case.objects.filter(pk=case.pk).update(
        last_activity_at=dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC),
        channel="chat",
    )
    html = agent_client.get(reverse("cases:inbox"), headers={"accept-language": "es"}).text
    row = _row(html, case)
    detail = reverse("cases:detail", args=[case.pk])
    assert f'<a href="{detail}">#{case.pk}</a>' in row
    assert f'<a href="{detail}">Where is &lt;my&gt; order &amp; why?</a>' in row
    customer = reverse("cases:customer", args=[case.customer_id])
    assert f'<a href="{customer}">Lola &lt;b&gt;Flores&lt;/b&gt;</a>' in row
    assert "<td>Chat</td>" in row
    assert '<span class="pill status-new">Nuevo</span>' in row
    assert 'Ana <span class="small muted">· A&amp;B</span>' in row
    # Madrid is UTC+1 in January; the date is in the tooltip, "ago" text in the cell
    assert '<time datetime="2026-01-05T10:30:00+01:00" title="2026-01-05 10:30">hace ' in row
    assert "<b>" not in html.split('<div id="case-table">')[1]


def test_inbox_shortens_long_subjects_and_marks_unassigned(agent_client, ingest):
    case = _case(ingest, subject="x" * 100)
    row = _row(agent_client.get(reverse("cases:inbox")).text, case)
    assert ">" + "x" * 89 + "…</a>" in row
    assert '<span class="muted">Unassigned</span>' in row


def test_inbox_says_so_when_nothing_matches(agent_client, ingest):
    _case(ingest)
    html = agent_client.get(reverse("cases:inbox") + "?status=closed").text
    assert "No cases here." in html and "data-case=" not in html


def test_inbox_filters_show_the_chosen_values(agent_client, agent, ingest, reason):
    team = Team.objects.create(name="Front & back")
    query = f"?status=all&assignee={agent.pk}&team={team.pk}&reason={reason.pk}&channel=bogus"
    html = agent_client.get(reverse("cases:inbox") + query).text
    form = html.split('data-testid="inbox-filters"')[1].split("</form>")[0]
    selects = {
        part.split('"')[0]: part.split("</select>")[0] for part in form.split('<select name="')[1:]
    }
    assert set(selects) == {"status", "assignee", "team", "reason", "channel"}
    assert '<label for="id_team">Team</label>' in form and 'id="id_team"' in form
    assert '<option value="all" selected>Any status</option>' in selects["status"]
    assert f'<option value="{agent.pk}" selected>agent</option>' in selects["assignee"]
    assert '<option value="mine">Mine</option>' in selects["assignee"]
    assert f'<option value="{team.pk}" selected>Front &amp; back</option>' in selects["team"]
    reasons = selects["reason"]
    assert f'<optgroup label="{reason.category.name}">' in reasons
    assert f'<option value="{reason.pk}" selected>{reason.name}</option>' in reasons
    assert " selected" not in selects["channel"].replace('value="" selected', "")
    assert '<option value="email">' in selects["channel"]


# --------------------------------------------------------------------------- "ago"


@pytest.mark.parametrize(
    ("seconds", "english", "spanish"),
    [
        (-30, "just now", "ahora mismo"),
        (59, "just now", "ahora mismo"),
        (60, "1\xa0minute ago", "hace 1\xa0minuto"),
        (3 * 3600 + 59 * 60, "3\xa0hours ago", "hace 3\xa0horas"),
        (86400, "1\xa0day ago", "hace 1\xa0día"),
        (15 * 86400, "2\xa0weeks ago", "hace 2\xa0semanas"),
        (61 * 86400, "2\xa0months ago", "hace 2\xa0meses"),
        (800 * 86400, "2\xa0years ago", "hace 2\xa0años"),
    ],
)
def test_ago_shows_the_largest_unit_in_the_active_language(seconds, english, spanish):
    value = timezone.now() - dt.timedelta(seconds=seconds)
    assert ago(value) == english
    with translation.override("es"):
        assert ago(value) == spanish
    assert ago(None) == ""


# --------------------------------------------------------------------------- case page


@pytest.fixture
def busy_case(ingest, agent, supervisor, reason):
    """A case with HTML and plain messages, a note and a reply with attachments, three
    contacts (one without reason), assignment events, and an earlier case of the customer."""
    earlier = _case(ingest, email="maria@example.test", name="María", subject="Old invoice")
    result = ingest(
        email="maria@example.test",
        name="María",
        subject="Broken kettle",
        body="plain fallback",
        body_html="<p>The kettle <b>leaks</b></p><script>alert('x')</script>",
        reason=reason,
    )
    case = Case.objects.get(pk=result.case_id)
    case_assign(case=case, actor=supervisor, assignee=agent, team=Team.objects.create(name="T"))
    case_add_note(
        case=case,
        author=agent,
        body="Checked the batch.",
        attachments=[SimpleUploadedFile("batch.txt", b"batch 42")],
    )
    case_reply(
        case=case,
        author=agent,
        body="Line one\nLine two",
        attachments=[SimpleUploadedFile("label.pdf", b"%PDF"), SimpleUploadedFile("b.txt", b"b")],
    )
    case_customer_message(case=case, channel="phone", body="Called again")
    case_customer_message(case=case, channel="chat", body="And again on chat")
    return case, earlier


def test_case_page_shows_conversation_contacts_timeline_and_history(agent_client, busy_case):
    case, earlier = busy_case
    response = agent_client.get(_detail(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<p>The kettle <b>leaks</b></p>" in html  # sanitised HTML rendered
    assert "alert('x')" not in html
    assert "<p>Line one<br>Line two</p>" in html  # plain body with line breaks
    assert 'class="msg note"' in html and 'class="msg reply"' in html
    assert 'class="msg inbound"' in html
    for attachment in Attachment.objects.filter(message__case=case):
        assert reverse("cases:attachment", args=[attachment.pk]) in html
        assert attachment.filename in html
    assert html.count('data-testid="contact"') == 3
    assert 'data-testid="reason-missing"' in html
    assert "No reason yet" in html
    assert "replied to the customer" in html and "added an internal note" in html
    assert reverse("cases:detail", args=[earlier.pk]) in html
    assert earlier.subject in html
    assert "maria@example.test" in html


def test_case_page_query_count_does_not_grow_with_its_content(
    agent_client, agent, busy_case, django_assert_max_num_queries
):
    case, _earlier = busy_case
    # session, user, read notifications, unread count; case, messages, attachments,
    # contacts, events; history cases + contacts; identities; staff, teams, reasons,
    # canned replies; timeline names (users, teams); e-mail deliveries of the replies, live
    # chat check (where the next reply goes); phone panel (latest calls, callbacks); the
    # e-mails inbound messages came in; goodwill panel (costs: the case's goodwill);
    # repeat-study panel (studies, texts, our replies, causes: the case holds repeats);
    # reason picker (the contacts' suggestions and confirmations; one more query for the
    # suggestions themselves when the suggester has reached a contact): 29, whatever the
    # case holds.
    with django_assert_max_num_queries(29) as small:
        agent_client.get(_detail(case))
    for n in range(4):
        case_reply(
            case=case,
            author=agent,
            body=f"More {n}",
            attachments=[SimpleUploadedFile(f"f{n}.txt", b"x")],
        )
        case_customer_message(case=case, channel="web", body=f"Again {n}")
        case_assign(case=case, actor=None, assignee=user_create(username=f"a{n}", role="agent"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        agent_client.get(_detail(case))


def test_opening_the_case_reads_the_agents_notifications_for_it(
    agent_client, agent, supervisor, ingest
):
    case, other = _case(ingest), _case(ingest)
    case_assign(case=case, actor=supervisor, assignee=agent)
    case_assign(case=other, actor=supervisor, assignee=agent)
    unread = Notification.objects.filter(user=agent, read_at__isnull=True)
    page = agent_client.get(_detail(case))
    assert unread.count() == 2  # the GET itself changes nothing
    assert reverse("cases:notifications_read", args=[case.pk]).encode() in page.content
    response = agent_client.post(reverse("cases:notifications_read", args=[case.pk]))
    assert response.status_code == 204
    assert list(unread.values_list("case_id", flat=True)) == [other.pk]


def test_reply_is_sent_and_status_set(agent_client, ingest):
    case = _case(ingest)
    response = agent_client.post(
        reverse("cases:reply", args=[case.pk]),
        {"body": "Could you send the order number?", "status": Status.WAITING},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(_detail(case))
    case.refresh_from_db()
    assert case.status == Status.WAITING
    assert case.messages.filter(kind=Message.Kind.REPLY).get().body.startswith("Could you")


def test_resolving_reply_without_reason_shows_the_error_and_writes_nothing(agent_client, ingest):
    case = _case(ingest)
    before = _snapshot()
    response = agent_client.post(
        reverse("cases:reply", args=[case.pk]), {"body": "All done", "status": Status.RESOLVED}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Set the reason of every contact before resolving the case." in html
    assert "All done</textarea>" in html  # the draft is kept
    assert _snapshot() == before


def test_oversized_attachment_shows_the_error_and_writes_nothing(agent_client, ingest, settings):
    settings.MOTIVO_MAX_ATTACHMENT_BYTES = 1024 * 1024
    case = _case(ingest)
    before = _snapshot()
    big = SimpleUploadedFile("scan.tiff", b"x" * (1024 * 1024 + 10))
    small = SimpleUploadedFile("note.txt", b"ok")
    response = agent_client.post(
        reverse("cases:reply", args=[case.pk]),
        {"body": "See attached", "attachments": [small, big]},
    )
    assert response.status_code == 400
    assert "scan.tiff is larger than the 1 MB limit." in response.content.decode()
    assert _snapshot() == before


def test_note_with_attachment_and_access_checked_download(
    agent_client, ingest, client, customer_user
):
    case = _case(ingest)
    response = agent_client.post(
        reverse("cases:note", args=[case.pk]),
        {"body": "Internal", "attachments": [SimpleUploadedFile("evidence.txt", b"proof")]},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(message__case=case, message__kind=Message.Kind.NOTE)
    url = reverse("cases:attachment", args=[attachment.pk])
    download = agent_client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"proof"
    assert 'attachment; filename="evidence.txt"' in download["Content-Disposition"]
    user, _customer = customer_user
    other = Client()
    other.force_login(user)
    assert other.get(url).status_code == 404


def test_assign_and_take_it(agent_client, agent, supervisor, ingest):
    case = _case(ingest)
    team = Team.objects.create(name="Billing")
    url = reverse("cases:assign", args=[case.pk])
    response = agent_client.post(url, {"assignee": supervisor.pk, "team": team.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.assignee, case.team) == (supervisor, team)
    assert Notification.objects.filter(user=supervisor, case=case).exists()
    customer_id = user_create(username="cust", role=Role.CUSTOMER).pk
    assert agent_client.post(url, {"assignee": customer_id}).status_code == 400
    case.refresh_from_db()
    assert case.assignee == supervisor


def test_status_change_refused_without_reason_then_allowed(agent_client, ingest, reason):
    case = _case(ingest)
    url = reverse("cases:status", args=[case.pk])
    response = agent_client.post(url, {"status": Status.RESOLVED})
    assert response.status_code == 400
    assert "Set the reason of every contact" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.NEW
    contact = case.contacts.get()
    reason_url = reverse("cases:contact_reason", args=[case.pk, contact.pk])
    assert agent_client.post(reason_url, {"reason": reason.pk}).status_code == 302
    contact.refresh_from_db()
    assert contact.reason == reason
    assert agent_client.post(url, {"status": Status.RESOLVED}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RESOLVED


def test_reason_of_a_contact_of_another_case_is_not_set(agent_client, ingest, reason):
    case, other = _case(ingest), _case(ingest)
    foreign = other.contacts.get()
    url = reverse("cases:contact_reason", args=[case.pk, foreign.pk])
    response = agent_client.post(url, {"reason": reason.pk}, follow=True)
    assert "Choose one of the reasons" in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.reason is None


def test_merge_into_a_case_of_the_same_customer(agent_client, ingest):
    target = _case(ingest, email="same@example.test")
    source = _case(ingest, email="same@example.test")
    stranger = _case(ingest, email="else@example.test")
    page = agent_client.get(_detail(source)).content.decode()
    assert f'<option value="{target.pk}">' in page  # offered as a merge candidate
    assert f'<option value="{stranger.pk}">' not in page
    url = reverse("cases:merge", args=[source.pk])
    refused = agent_client.post(url, {"number": f"#{stranger.pk}"})
    assert refused.status_code == 400
    assert "Only cases of the same customer can be merged." in refused.content.decode()
    unknown = agent_client.post(url, {"number": "999999"})
    assert "There is no case with that number." in unknown.content.decode()
    response = agent_client.post(url, {"target": target.pk})
    assert response.status_code == 302
    assert response["Location"].startswith(_detail(target))
    source.refresh_from_db()
    assert source.merged_into == target
    merged_page = agent_client.get(_detail(source)).content.decode()
    assert "This case was merged into" in merged_page
    assert 'data-testid="reply-form"' not in merged_page


# --------------------------------------------------------------------------- canned replies


def test_canned_reply_is_inserted_into_the_reply_box(agent_client, agent, ingest):
    agent.first_name = "Ana"
    agent.save()
    case = _case(ingest, name="María")
    canned = CannedReply.objects.create(
        title="Hello", language="es", body="Hola {customer_name}, caso {case_number}. {agent_name}"
    )
    url = reverse("cases:canned_insert", args=[case.pk])
    response = agent_client.get(
        url, {"canned": canned.pk, "body": "My draft"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.strip().startswith("<textarea")
    assert 'id="reply-body"' in html
    assert f"My draft\n\nHola María, caso #{case.pk}. Ana</textarea>" in html
    # without JavaScript: the case page fills the box itself
    fallback = agent_client.get(url, {"canned": canned.pk})
    assert fallback.status_code == 302
    page = agent_client.get(fallback["Location"]).content.decode()
    assert f"Hola María, caso #{case.pk}. Ana</textarea>" in page


def test_agents_read_canned_replies_but_cannot_change_them(agent_client):
    canned = CannedReply.objects.create(title="Thanks", language="en", body="Thank you!")
    html = agent_client.get(reverse("cases:canned_list")).content.decode()
    assert "Thanks" in html and "{customer_name}" in html  # placeholder help
    assert reverse("cases:canned_edit", args=[canned.pk]) not in html
    assert agent_client.get(reverse("cases:canned_create")).status_code == 403
    assert (
        agent_client.post(
            reverse("cases:canned_create"), {"title": "X", "language": "en", "body": "Y"}
        ).status_code
        == 403
    )
    assert agent_client.post(reverse("cases:canned_delete", args=[canned.pk])).status_code == 403
    assert CannedReply.objects.count() == 1


def test_supervisors_create_edit_and_delete_canned_replies(client, supervisor):
    client.force_login(supervisor)
    create = reverse("cases:canned_create")
    assert client.get(create).status_code == 200
    data = {"title": "Refund", "language": "en", "body": "Hi {customer_name}, refunded."}
    assert client.post(create, data).status_code == 302
    canned = CannedReply.objects.get()
    duplicate = client.post(create, data)
    assert duplicate.status_code == 400
    assert "already a canned reply with that title" in duplicate.content.decode()
    edit = reverse("cases:canned_edit", args=[canned.pk])
    assert "Hi {customer_name}, refunded." in client.get(edit).content.decode()
    client.post(edit, data | {"body": "Refunded, {customer_name}."})
    canned.refresh_from_db()
    assert canned.body == "Refunded, {customer_name}."
    delete = reverse("cases:canned_delete", args=[canned.pk])
    assert client.get(delete).status_code == 200  # a confirmation page
    assert CannedReply.objects.exists()
    assert client.post(delete).status_code == 302
    assert not CannedReply.objects.exists()


# --------------------------------------------------------------------------- customer page


def test_customer_page_shows_details_identities_and_history(
    agent_client, ingest, reason, django_assert_max_num_queries
):
    first = _case(ingest, email="pat@example.test", name="Pat")
    second = _case(ingest, phone="+34 600 111 222", name="Pat phone")
    more = [_case(ingest, email="pat@example.test", reason=reason) for _ in range(3)]
    contact_set_reason(contact=second.contacts.get(), actor=None, reason=reason)
    # session, user, customer, identities, cases, contacts, duplicate suggestions, unread count
    with django_assert_max_num_queries(8):
        response = agent_client.get(reverse("cases:customer", args=[first.customer_id]))
    html = response.content.decode()
    assert "pat@example.test" in html
    assert first.subject in html
    assert second.subject not in html  # a different customer (phone identity)
    for case in [first, *more]:
        assert reverse("cases:detail", args=[case.pk]) in html
    assert "no reason" in html  # the first case's contact
