"""The search page: cases by subject or message words, customers by name or address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motivo.cases.models import Case
from motivo.cases.services import case_add_note, case_reply
from motivo.search.services import search_index_pending

URL = reverse("search:search")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def test_case_is_found_by_a_word_of_a_message_body(agent_client, agent, ingest):
    wanted = Case.objects.get(pk=ingest(subject="Delivery question").case_id)
    case_reply(case=wanted, author=agent, body="The courier reported a puncture on the van.")
    other = Case.objects.get(pk=ingest(subject="Invoice question").case_id)
    response = agent_client.get(URL, {"q": "puncture"})
    assert response.status_code == 200
    assert [case.pk for case in response.context["results"].cases] == [wanted.pk]
    html = response.content.decode()
    assert reverse("cases:detail", args=[wanted.pk]) in html
    assert "Delivery question" in html
    assert reverse("cases:detail", args=[other.pk]) not in html


def test_case_is_found_by_an_internal_note_and_by_a_prefix(agent_client, agent, ingest):
    case = Case.objects.get(pk=ingest(subject="Strange noise").case_id)
    case_add_note(case=case, author=agent, body="Manufacturer batch ZX81 recalled")
    assert agent_client.get(URL, {"q": "zx8"}).context["results"].cases == [case]


def test_customer_is_found_by_email_and_links_to_their_page(agent_client, ingest):
    result = ingest(email="lucia.fernandez@example.test", name="Lucía Fernández")
    ingest(email="someone.else@example.test", name="Someone Else")
    response = agent_client.get(URL, {"q": "lucia.fernandez@example.test"})
    customers = response.context["results"].customers
    assert [c.pk for c in customers] == [result.customer_id]
    html = response.content.decode()
    assert reverse("cases:customer", args=[result.customer_id]) in html
    assert "lucia.fernandez@example.test" in html
    assert "Someone Else" not in html


def test_no_match_and_empty_query_are_said_plainly(agent_client, ingest):
    ingest(subject="Anything")
    assert "Nothing found for" in agent_client.get(URL, {"q": "xylophone"}).content.decode()
    assert "Type a word to search." in agent_client.get(URL).content.decode()


def test_htmx_request_gets_only_the_results(agent_client, ingest):
    ingest(subject="Broken zipper")
    response = agent_client.get(URL, {"q": "zipper"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.startswith('<div id="results">') and "<html" not in html
    assert "Broken zipper" in html


def test_search_page_uses_a_fixed_number_of_queries(
    agent_client, ingest, django_assert_max_num_queries
):
    for n in range(15):
        ingest(email=f"refund{n}@example.test", name=f"Refund customer {n}", subject="Refund")
    search_index_pending()  # a fixed cost, paid once by the first search after new writes
    with django_assert_max_num_queries(9):
        response = agent_client.get(URL, {"q": "refund"})
    results = response.context["results"]
    assert len(results.cases) == 15 and len(results.customers) == 15


def test_staff_only(client, customer_user):
    assert client.get(URL, {"q": "x"}).status_code == 302
    user, _customer = customer_user
    client.force_login(user)
    assert client.get(URL, {"q": "maria"}).status_code == 403
