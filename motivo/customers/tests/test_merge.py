"""One customer, one history: second identities, duplicate suggestions and merging."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import PASSWORD
from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.cases.models import Case, CaseEvent, Contact
from motivo.cases.selectors import case_detail_for_user, case_timeline
from motivo.core.errors import DomainError
from motivo.customers.models import Customer, DuplicateSuggestion, Identity
from motivo.customers.services import (
    customer_add_identity,
    customer_merge,
    customer_remove_identity,
)
from motivo.insights.models import ReasonDayCount
from motivo.search.models import SearchDocument
from motivo.search.selectors import search_for_user

pytestmark = pytest.mark.django_db


def _customer(result) -> Customer:
    return Customer.objects.get(pk=result.customer_id)


def _values(customer: Customer) -> set[str]:
    return set(Identity.objects.filter(customer=customer).values_list("value", flat=True))


# ---------------------------------------------------------------------------- two identities


def test_second_identity_of_a_contact_is_attached_when_free(ingest):
    result = ingest(channel="web", email="ana@example.test", phone="+34 600 111 222")
    assert _values(_customer(result)) == {"ana@example.test", "+34600111222"}
    # A later call from that phone lands on the same customer.
    assert ingest(channel="phone", phone="+34600111222").customer_id == result.customer_id


def test_known_second_identity_decides_the_customer(ingest):
    by_phone = ingest(channel="phone", phone="600 111 222")
    result = ingest(channel="web", email="new@example.test", phone="600111222")
    assert result.customer_id == by_phone.customer_id
    assert _values(_customer(result)) == {"+34600111222", "new@example.test"}
    assert Customer.objects.count() == 1


def test_identity_of_another_customer_is_not_moved_but_suggested(ingest, agent):
    ana = ingest(email="ana@example.test")
    luis = ingest(phone="600 999 888")
    result = ingest(channel="web", email="ana@example.test", phone="600999888")
    assert result.customer_id == ana.customer_id
    assert Identity.objects.get(value="+34600999888").customer_id == luis.customer_id
    suggestion = DuplicateSuggestion.objects.get()
    assert (suggestion.customer_id, suggestion.other_id) == (ana.customer_id, luis.customer_id)
    # The same again records nothing new.
    ingest(channel="web", email="ana@example.test", phone="600999888")
    assert DuplicateSuggestion.objects.count() == 1

    client = Client()
    client.login(username=agent.username, password=PASSWORD)
    for customer_id in (ana.customer_id, luis.customer_id):  # shown on both pages
        page = client.get(reverse("cases:customer", args=[customer_id]))
        assert page.status_code == 200
        assert page.content.decode().count('data-testid="duplicate-suggestion"') == 1
    dismiss = reverse("customers:suggestion_dismiss", args=[luis.customer_id, suggestion.pk])
    assert client.post(dismiss).status_code == 302
    page = client.get(reverse("cases:customer", args=[ana.customer_id]))
    assert 'data-testid="duplicate-suggestion"' not in page.content.decode()


def test_invalid_second_identity_is_a_clear_error_and_writes_nothing(ingest):
    with pytest.raises(DomainError) as error:
        ingest(channel="web", email="ana@example.test", phone="12")
    assert error.value.field == "phone"
    assert not Customer.objects.exists() and not Case.objects.exists()


# ---------------------------------------------------------------------------- identities


def test_identities_add_and_remove(ingest):
    customer = _customer(ingest(email="ana@example.test"))
    identity = customer_add_identity(customer=customer, kind="chat", value="ana#42")
    assert _values(customer) == {"ana@example.test", "ana#42"}
    doc = SearchDocument.objects.get(kind="customer", object_id=customer.pk)
    assert "ana#42" in doc.text
    customer_remove_identity(customer=customer, identity_id=identity.pk)
    assert _values(customer) == {"ana@example.test"}
    with pytest.raises(DomainError) as error:
        customer_remove_identity(customer=customer, identity_id=customer.identities.get().pk)
    assert error.value.code == "last"


def test_identity_pages_for_agents(ingest, agent):
    customer = _customer(ingest(email="ana@example.test"))
    other = _customer(ingest(email="luis@example.test"))
    client = Client()
    client.login(username=agent.username, password=PASSWORD)
    url = reverse("customers:identity_add", args=[customer.pk])
    assert client.post(url, {"kind": "phone", "value": "600 111 222"}).status_code == 302
    refused = client.post(url, {"kind": "email", "value": "LUIS@example.test"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "That address belongs to another customer." in body
    assert 'value="LUIS@example.test"' in body  # the input is kept
    assert _values(customer) == {"ana@example.test", "+34600111222"}
    assert _values(other) == {"luis@example.test"}
    identity = customer.identities.get(kind="phone")
    remove = reverse("customers:identity_remove", args=[customer.pk, identity.pk])
    assert client.get(remove).status_code == 405
    assert client.post(remove).status_code == 302
    assert _values(customer) == {"ana@example.test"}


# ---------------------------------------------------------------------------- merging


@pytest.fixture
def pair(ingest, reason, other_reason, agent):
    """Two customers who are one person: Ana by email (2 cases, one classified) and
    'A. García' by phone (1 case), plus a bystander."""
    from motivo.cases.services import contact_set_reason

    first = ingest(email="ana@example.test", name="Ana", reason=reason)
    second = ingest(email="ana@example.test", name="Ana")
    contact_set_reason(
        contact=Contact.objects.get(pk=second.contact_id), actor=agent, reason=other_reason
    )
    phone = ingest(channel="phone", phone="600 111 222", name="A. García", reason=reason)
    ingest(email="bystander@example.test", reason=reason)
    return _customer(phone), _customer(first), [first.case_id, second.case_id, phone.case_id]


def _rollup_matches_contacts() -> None:
    direct = {
        (row["reason_id"], row["channel"]): row["n"]
        for row in Contact.objects.filter(reason__isnull=False)
        .values("reason_id", "channel")
        .annotate(n=Count("id"))
    }
    rolled = {
        (row["reason_id"], row["channel"]): row["n"]
        for row in ReasonDayCount.objects.values("reason_id", "channel").annotate(n=Sum("count"))
        if row["n"]
    }
    assert rolled == direct


def test_merge_moves_everything_and_keeps_rollups_exact(pair, supervisor):
    source, target, case_ids = pair
    source_user = user_create(username="garcia@example.test", role=Role.CUSTOMER)
    Customer.objects.filter(pk=source.pk).update(user=source_user)
    source.refresh_from_db()
    _rollup_matches_contacts()
    before = ReasonDayCount.objects.aggregate(total=Sum("count"))["total"]

    customer_merge(source=source, target=target, actor=supervisor)

    source.refresh_from_db()
    target.refresh_from_db()
    assert source.merged_into_id == target.pk and source.merged_at is not None
    assert set(Case.objects.filter(customer=target).values_list("pk", flat=True)) == set(case_ids)
    assert not Case.objects.filter(customer=source).exists()
    assert not Contact.objects.filter(customer=source).exists()
    assert _values(target) == {"ana@example.test", "+34600111222"}
    assert target.user_id == source_user.pk and source.user_id is None
    # Nothing anywhere still points at the source (apps found from the model metadata).
    for rel in Customer._meta.related_objects:
        if rel.related_model is Customer:
            continue
        assert not rel.related_model._base_manager.filter(**{rel.field.name: source}).exists()
    assert not SearchDocument.objects.filter(customer_id_ref=source.pk).exists()
    _rollup_matches_contacts()
    assert ReasonDayCount.objects.aggregate(total=Sum("count"))["total"] == before


def test_timeline_of_each_moved_case_shows_the_merge(pair, supervisor):
    source, target, case_ids = pair
    customer_merge(source=source, target=target, actor=supervisor)
    phone_case = case_ids[2]
    events = CaseEvent.objects.filter(kind=CaseEvent.Kind.CUSTOMER_MERGED)
    assert list(events.values_list("case_id", flat=True)) == [phone_case]
    case = case_detail_for_user(user=supervisor, case_id=phone_case)
    words = [entry.text for entry in case_timeline(events=case.timeline)]
    expected = f"merged customer #{source.pk} into customer #{target.pk}"
    assert any(expected in text for text in words), words


def test_merging_again_moves_what_arrived_in_between(pair, supervisor, ingest):
    source, target, _ = pair
    customer_merge(source=source, target=target, actor=supervisor)
    # A contact written to the source in the instant of the merge (customer looked up
    # before the merge committed).
    from motivo.cases.services import case_open

    late = case_open(customer=source, channel="phone", subject="Late", body="Hola")
    customer_merge(source=source, target=target, actor=supervisor)
    assert Case.objects.get(pk=late.case_id).customer_id == target.pk
    assert (
        CaseEvent.objects.filter(kind=CaseEvent.Kind.CUSTOMER_MERGED, case_id=late.case_id).count()
        == 1
    )


def test_ingest_after_merge_lands_on_target(pair, supervisor, ingest):
    source, target, _ = pair
    customer_merge(source=source, target=target, actor=supervisor)
    result = ingest(channel="phone", phone="600-111-222")
    assert result.customer_id == target.pk
    assert ingest(channel="web", email="new@example.test", phone="600111222").customer_id == (
        target.pk
    )


def test_merged_customer_page_redirects_and_search_finds_target(pair, supervisor):
    source, target, _ = pair
    customer_merge(source=source, target=target, actor=supervisor)
    client = Client()
    client.login(username=supervisor.username, password=PASSWORD)
    page = client.get(reverse("cases:customer", args=[source.pk]))
    assert page.status_code == 302
    assert page["Location"] == reverse("cases:customer", args=[target.pk])
    results = search_for_user(user=supervisor, query="García")
    assert [customer.pk for customer in results.customers] == [target.pk]


def test_merge_chains_are_flattened_and_refusals(pair, supervisor, ingest):
    source, target, _ = pair
    third = _customer(ingest(email="third@example.test"))
    customer_merge(source=source, target=target, actor=supervisor)
    customer_merge(source=target, target=third, actor=supervisor)
    source.refresh_from_db()
    assert source.merged_into_id == third.pk
    # The first customer's old name finds the one that stays, not the merged middle one.
    assert [found.pk for found in search_for_user(user=supervisor, query="García").customers] == [
        third.pk
    ]
    for src, dst in ((third, third), (source, target), (third, target)):
        with pytest.raises(DomainError):
            customer_merge(source=src, target=dst, actor=supervisor)


@pytest.mark.django_db(transaction=True)
def test_merge_while_the_customer_writes_on_a_case_does_not_deadlock(pair, supervisor):
    """A customer message locks its case, then (foreign key check, at the latest on commit)
    takes a key-share lock on the customer; the merge holds the customer and then updates
    that case. A FOR UPDATE lock on the customer would deadlock the two on PostgreSQL."""
    from motivo.cases.services import case_customer_message

    source, target, case_ids = pair
    case = Case.objects.get(pk=case_ids[2])
    holding = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        try:
            with transaction.atomic():
                Case.objects.select_for_update().get(pk=case.pk)
                holding.set()
                time.sleep(0.5)  # the merge now holds the customer and waits for this case
                case_customer_message(case=case, channel="phone", body="Hola otra vez")
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connection.close()

    def merge() -> None:
        try:
            holding.wait(5)
            customer_merge(source=source, target=target, actor=supervisor)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write), threading.Thread(target=merge)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert not Contact.objects.filter(customer=source).exists()
    assert Contact.objects.filter(case=case).count() == 2


def test_merge_query_count_is_bounded(ingest, supervisor):
    def merge_with(cases: int) -> int:
        source = _customer(ingest(phone=f"600{cases:06d}"))
        for _ in range(cases - 1):
            ingest(phone=f"600{cases:06d}")
        target = _customer(ingest(email=f"t{cases}@example.test"))
        with CaptureQueriesContext(connection) as queries:
            customer_merge(source=source, target=target, actor=supervisor)
        return len(queries)

    small, large = merge_with(2), merge_with(12)
    # A fixed number of statements, whatever the number of cases moved.
    assert large == small, (small, large)
    assert small <= 40, small


# ---------------------------------------------------------------------------- pages


@pytest.fixture
def two(ingest):
    return _customer(ingest(email="src@example.test")), _customer(ingest(email="dst@example.test"))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_merge_pages_for_supervisor(two, supervisor):
    source, target = two
    client = _client(supervisor)
    search = client.get(
        reverse("customers:merge_search", args=[source.pk]), {"q": "DST@example.test"}
    )
    assert search.status_code == 200
    confirm_url = reverse("customers:merge_confirm", args=[source.pk, target.pk])
    assert confirm_url in search.content.decode()
    confirm = client.get(confirm_url)
    assert confirm.status_code == 200
    assert "src@example.test" in confirm.content.decode()
    assert "dst@example.test" in confirm.content.decode()
    source.refresh_from_db()
    assert source.merged_into_id is None  # GET changed nothing
    done = client.post(confirm_url)
    assert done.status_code == 302
    assert done["Location"] == reverse("cases:customer", args=[target.pk])
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert client.post(confirm_url).status_code == 302  # again: nothing left to move
    other = Customer.objects.create(name="Other")
    refused = client.post(reverse("customers:merge_confirm", args=[source.pk, other.pk]))
    assert refused.status_code == 400
    assert "merged into another one" in refused.content.decode()
    source.refresh_from_db()
    assert source.merged_into_id == target.pk


def test_agents_cannot_merge_and_customers_get_404(two, agent, customer_user):
    source, target = two
    confirm_url = reverse("customers:merge_confirm", args=[source.pk, target.pk])
    agent_client = _client(agent)
    assert agent_client.get(confirm_url).status_code == 403
    assert agent_client.post(confirm_url).status_code == 403
    page = agent_client.get(reverse("cases:customer", args=[source.pk])).content.decode()
    assert "A supervisor can merge two customers into one." in page
    customer_client = _client(customer_user[0])
    for url in (
        confirm_url,
        reverse("customers:merge_search", args=[source.pk]),
    ):
        assert customer_client.get(url).status_code == 404
    for url in (
        confirm_url,
        reverse("customers:identity_add", args=[source.pk]),
        reverse("customers:identity_remove", args=[source.pk, source.identities.get().pk]),
    ):
        assert (
            customer_client.post(url, {"kind": "email", "value": "x@example.test"}).status_code
            == 404
        )
    assert Client().get(confirm_url).status_code == 302  # anonymous: to the sign-in page
    source.refresh_from_db()
    assert source.merged_into_id is None and _values(source) == {"src@example.test"}


def test_merge_needs_the_csrf_token(two, supervisor):
    source, target = two
    client = Client(enforce_csrf_checks=True)
    client.login(username=supervisor.username, password=PASSWORD)
    confirm_url = reverse("customers:merge_confirm", args=[source.pk, target.pk])
    assert client.post(confirm_url).status_code == 403
    add_url = reverse("customers:identity_add", args=[source.pk])
    assert client.post(add_url, {"kind": "chat", "value": "x"}).status_code == 403
    source.refresh_from_db()
    assert source.merged_into_id is None and _values(source) == {"src@example.test"}
    page = client.get(confirm_url)
    token = page.context["csrf_token"]
    assert client.post(confirm_url, {"csrfmiddlewaretoken": str(token)}).status_code == 302
    source.refresh_from_db()
    assert source.merged_into_id == target.pk


# ---------------------------------------------------------------------------- API


def _api(user) -> Client:
    return _client(user)


def test_api_merge_and_identities(two, supervisor, agent, customer_user):
    source, target = two
    merge_url = f"/api/v1/customers/{source.pk}/merge"
    body = {"into": target.pk}
    assert (
        _api(customer_user[0]).post(merge_url, body, content_type="application/json").status_code
        == 404
    )
    assert _api(agent).post(merge_url, body, content_type="application/json").status_code == 403
    itself = _api(supervisor).post(merge_url, {"into": source.pk}, content_type="application/json")
    assert itself.status_code == 422 and itself.json()["error"]["field"] == "into"
    response = _api(supervisor).post(merge_url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["id"] == target.pk
    assert {item["value"] for item in data["identities"]} == {
        "src@example.test",
        "dst@example.test",
    }
    assert (
        _api(supervisor).post(merge_url, body, content_type="application/json").status_code == 200
    )
    third = Customer.objects.create(name="Third")
    elsewhere = _api(supervisor).post(
        merge_url, {"into": third.pk}, content_type="application/json"
    )
    assert elsewhere.status_code == 409 and elsewhere.json()["error"]["code"] == "merged"
    assert _api(supervisor).get(f"/api/v1/customers/{source.pk}").json()["merged_into"] == target.pk

    ids_url = f"/api/v1/customers/{target.pk}/identities"
    added = _api(agent).post(
        ids_url, {"kind": "phone", "value": "600 222 333"}, content_type="application/json"
    )
    assert added.status_code == 201 and added.json()["value"] == "+34600222333"
    taken = _api(agent).post(
        ids_url, {"kind": "email", "value": "nobody"}, content_type="application/json"
    )
    assert taken.status_code == 422 and taken.json()["error"]["field"] == "email"
    gone = _api(agent).delete(f"{ids_url}/{added.json()['id']}")
    assert gone.status_code == 204
    assert "+34600222333" not in _values(target)
    assert (
        _api(customer_user[0]).delete(f"{ids_url}/{target.identities.first().pk}").status_code
        == 404
    )
