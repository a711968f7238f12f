"""The taxonomy pages: who may use them, what they show, and every write through a form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.cases.services import contact_set_reason
from motivo.reasons.models import Action, Department, Reason, ReasonCategory

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def classify(ingest, agent, reason, *, when=None, channel="email") -> Contact:
    result = ingest(received_at=when or timezone.now(), channel=channel)
    contact = Contact.objects.get(pk=result.contact_id)
    return contact_set_reason(contact=contact, actor=agent, reason=reason)


def reason_data(reason_category, owner=None, **overrides) -> dict:
    data = {
        "name": "Quiero cambiar la dirección de entrega",
        "category": reason_category.pk,
        "owner": owner.pk if owner else "",
        "action": Action.SELF_SERVE,
        "description": "Antes de que salga el pedido.",
        "active": "on",
    }
    return {**data, **overrides}


# --- who may see and change the taxonomy -------------------------------------------------


@pytest.mark.parametrize(
    "name,args",
    [
        ("reasons:taxonomy", []),
        ("reasons:reason_create", []),
        ("reasons:category_create", []),
        ("reasons:department_create", []),
    ],
)
def test_agents_are_forbidden_and_anonymous_users_sent_to_sign_in(client, agent_client, name, args):
    url = reverse(name, args=args)
    assert agent_client.get(url).status_code == 403
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_agents_cannot_post_changes(agent_client, reason):
    posts = [
        (reverse("reasons:category_create"), {"name": "Nueva", "position": 1}),
        (reverse("reasons:department_create"), {"name": "Compras"}),
        (reverse("reasons:reason_edit", args=[reason.pk]), reason_data(reason.category)),
        (reverse("reasons:reason_set_active", args=[reason.pk]), {"active": "0"}),
        (reverse("reasons:reason_delete", args=[reason.pk]), {}),
        (reverse("reasons:category_delete", args=[reason.category_id]), {}),
        (reverse("reasons:department_delete", args=[reason.owner_id]), {}),
    ]
    for url, data in posts:
        assert agent_client.post(url, data).status_code == 403, url
    reason.refresh_from_db()
    assert reason.active and ReasonCategory.objects.count() == 1
    assert Department.objects.count() == 1


def test_admins_may_use_the_pages(admin_user):
    assert signed_in(admin_user).get(reverse("reasons:taxonomy")).status_code == 200


def test_unknown_ids_are_404(manager_client):
    assert manager_client.get(reverse("reasons:reason_edit", args=[999])).status_code == 404
    assert manager_client.post(reverse("reasons:reason_delete", args=[999])).status_code == 404
    assert manager_client.get(reverse("reasons:category_edit", args=[999])).status_code == 404
    assert manager_client.get(reverse("reasons:department_edit", args=[999])).status_code == 404


def test_state_changing_endpoints_refuse_get(manager_client, reason):
    for name in ("reasons:reason_set_active", "reasons:reason_delete"):
        assert manager_client.get(reverse(name, args=[reason.pk])).status_code == 405
    reason.refresh_from_db()
    assert reason.active


def test_csrf_is_enforced_on_post(supervisor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    url = reverse("reasons:category_create")
    assert client.post(url, {"name": "Sin token", "position": 0}).status_code == 403
    assert not ReasonCategory.objects.exists()
    page = client.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(url, {"name": "Con token", "position": 0, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert ReasonCategory.objects.filter(name="Con token").exists()


# --- the taxonomy page --------------------------------------------------------------------


def test_taxonomy_shows_categories_reasons_owner_action_and_30_day_counts(
    manager_client, ingest, agent, reason, other_reason
):
    now = timezone.now()
    for _ in range(3):
        classify(ingest, agent, reason, when=now - dt.timedelta(days=2))
    classify(ingest, agent, other_reason, when=now - dt.timedelta(days=29))
    classify(ingest, agent, other_reason, when=now - dt.timedelta(days=45))  # too old
    other_reason.active = False
    other_reason.save()

    response = manager_client.get(reverse("reasons:taxonomy"))

    assert response.status_code == 200
    categories = response.context["categories"]
    assert [c.name for c in categories] == ["Envíos"]
    counts = {r.name: r.recent_count for r in categories[0].reasons.all()}
    assert counts == {"¿Dónde está mi pedido?": 3, "Pedido dañado": 1}
    assert categories[0].recent_count == 4 and response.context["total"] == 4
    html = response.content.decode()
    row = html[html.index(f'id="reason-{other_reason.pk}"') :]
    row = row[: row.index("</tr>")]
    assert f'id="reason-{other_reason.pk}" class="inactive"' in html
    assert "Logística" in row and "action-simplify" in row and "Inactive" in row
    assert f'data-testid="count-{reason.pk}">3<' in html
    # the value–irritant matrix is explained, one line per action
    for action in Action.values:
        assert f"action-{action}" in html
    assert "fix the root cause" in html


def test_taxonomy_query_count_does_not_grow_with_reasons(
    manager_client, department, django_assert_max_num_queries
):
    category = ReasonCategory.objects.create(name="Pagos")
    for n in range(3):
        Reason.objects.create(category=category, name=f"Motivo {n}", owner=department)
    with django_assert_max_num_queries(12) as few:
        manager_client.get(reverse("reasons:taxonomy"))
    for n in range(3, 40):
        Reason.objects.create(category=category, name=f"Motivo {n}", owner=department)
    other = ReasonCategory.objects.create(name="Cuenta")
    Reason.objects.create(category=other, name="Acceso", owner=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager_client.get(reverse("reasons:taxonomy"))
    assert response.content.decode().count('class="name"') == 41


def test_empty_taxonomy_invites_to_create_a_category(manager_client):
    response = manager_client.get(reverse("reasons:taxonomy"))
    assert response.status_code == 200
    assert reverse("reasons:category_create") in response.content.decode()
    assert response.context["categories"] == []


# --- categories ---------------------------------------------------------------------------


def test_create_and_edit_a_category(manager_client):
    response = manager_client.post(
        reverse("reasons:category_create"), {"name": "  Facturación ", "position": 2}
    )
    category = ReasonCategory.objects.get()
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("reasons:taxonomy")
    )
    assert (category.name, category.position) == ("Facturación", 2)
    response = manager_client.post(
        reverse("reasons:category_edit", args=[category.pk]), {"name": "Pagos", "position": 3}
    )
    category.refresh_from_db()
    assert response.status_code == 302 and (category.name, category.position) == ("Pagos", 3)


def test_category_validation_errors_are_shown_at_the_field(manager_client, reason):
    url = reverse("reasons:category_create")
    response = manager_client.post(url, {"name": "", "position": 0})
    assert response.status_code == 200 and "name" in response.context["form"].errors

    response = manager_client.post(url, {"name": "Envíos", "position": "x"})
    assert response.context["form"].errors["position"]

    response = manager_client.post(url, {"name": "Envíos", "position": 0})  # duplicate
    message = "There is already a category with that name."
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [message]
    assert message in response.content.decode()
    assert ReasonCategory.objects.count() == 1


def test_category_delete_only_when_empty(manager_client, reason):
    category = reason.category
    response = manager_client.post(reverse("reasons:category_delete", args=[category.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("reasons:category_edit", args=[category.pk])
    assert ReasonCategory.objects.filter(pk=category.pk).exists()
    empty = ReasonCategory.objects.create(name="Vacía")
    response = manager_client.post(reverse("reasons:category_delete", args=[empty.pk]))
    assert response.status_code == 302 and not ReasonCategory.objects.filter(pk=empty.pk).exists()


# --- departments --------------------------------------------------------------------------


def test_create_edit_and_validate_departments(manager_client, department):
    url = reverse("reasons:department_create")
    response = manager_client.post(url, {"name": "Facturación", "email": "fact@tienda.test"})
    assert response.status_code == 302
    created = Department.objects.get(name="Facturación")
    assert created.email == "fact@tienda.test"

    response = manager_client.post(url, {"name": "Logística", "email": ""})
    assert response.context["form"].errors["name"] == [
        "There is already a department with that name."
    ]
    response = manager_client.post(url, {"name": "Compras", "email": "no-es-un-correo"})
    assert response.context["form"].errors["email"]
    assert not Department.objects.filter(name="Compras").exists()

    edit = reverse("reasons:department_edit", args=[created.pk])
    assert manager_client.get(edit).context["form"].initial["email"] == "fact@tienda.test"
    manager_client.post(edit, {"name": "Cobros", "email": ""})
    created.refresh_from_db()
    assert (created.name, created.email) == ("Cobros", "")


def test_department_delete_only_when_it_owns_no_reason(manager_client, reason):
    owner = reason.owner
    manager_client.post(reverse("reasons:department_delete", args=[owner.pk]))
    assert Department.objects.filter(pk=owner.pk).exists()
    spare = Department.objects.create(name="Marketing")
    manager_client.post(reverse("reasons:department_delete", args=[spare.pk]))
    assert not Department.objects.filter(pk=spare.pk).exists()


# --- reasons ------------------------------------------------------------------------------


def test_create_a_reason(manager_client, department):
    category = ReasonCategory.objects.create(name="Pedidos")
    form_page = manager_client.get(reverse("reasons:reason_create") + f"?category={category.pk}")
    assert form_page.context["form"].initial["category"] == str(category.pk)
    response = manager_client.post(
        reverse("reasons:reason_create"), reason_data(category, department)
    )
    reason = Reason.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#reason-{reason.pk}")
    assert (reason.category, reason.owner, reason.action, reason.active) == (
        category,
        department,
        Action.SELF_SERVE,
        True,
    )
    assert reason.description == "Antes de que salga el pedido."


def test_reason_validation_and_duplicate_names(manager_client, reason):
    url = reverse("reasons:reason_create")
    response = manager_client.post(url, reason_data(reason.category, name="", action="nope"))
    errors = response.context["form"].errors
    assert response.status_code == 200 and "name" in errors and "action" in errors

    response = manager_client.post(url, reason_data(reason.category, name=reason.name))
    message = "This category already has a reason with that name."
    assert response.context["form"].errors["name"] == [message]
    assert message in response.content.decode()
    assert Reason.objects.count() == 1

    elsewhere = ReasonCategory.objects.create(name="Devoluciones")
    response = manager_client.post(url, reason_data(elsewhere, name=reason.name))
    assert response.status_code == 302 and Reason.objects.count() == 2


def test_edit_a_reason_and_deactivate_it_from_the_form(manager_client, reason):
    other_owner = Department.objects.create(name="Producto")
    url = reverse("reasons:reason_edit", args=[reason.pk])
    form = manager_client.get(url).context["form"]
    assert form.initial["owner"] == reason.owner_id and form.initial["active"] is True
    data = reason_data(reason.category, other_owner, name="¿Dónde está mi paquete?")
    del data["active"]  # unchecked box
    data["action"] = Action.LEVERAGE
    assert manager_client.post(url, data).status_code == 302
    reason.refresh_from_db()
    assert (reason.name, reason.owner, reason.action, reason.active) == (
        "¿Dónde está mi paquete?",
        other_owner,
        Action.LEVERAGE,
        False,
    )


def test_a_used_reason_is_deactivated_not_deleted(manager_client, ingest, agent, reason):
    classify(ingest, agent, reason)
    edit = manager_client.get(reverse("reasons:reason_edit", args=[reason.pk]))
    assert edit.context["in_use"] is True
    assert reverse("reasons:reason_delete", args=[reason.pk]) not in edit.content.decode()

    response = manager_client.post(reverse("reasons:reason_delete", args=[reason.pk]), follow=True)
    assert Reason.objects.filter(pk=reason.pk).exists()
    assert "deactivate it instead" in response.content.decode()

    response = manager_client.post(
        reverse("reasons:reason_set_active", args=[reason.pk]), {"active": "0"}
    )
    assert response.status_code == 302
    reason.refresh_from_db()
    assert reason.active is False
    assert Contact.objects.get().reason_id == reason.pk  # history kept

    manager_client.post(reverse("reasons:reason_set_active", args=[reason.pk]), {"active": "1"})
    reason.refresh_from_db()
    assert reason.active is True


def test_an_unused_reason_can_be_deleted(manager_client, reason, other_reason):
    edit = manager_client.get(reverse("reasons:reason_edit", args=[other_reason.pk]))
    assert edit.context["in_use"] is False
    assert reverse("reasons:reason_delete", args=[other_reason.pk]) in edit.content.decode()
    response = manager_client.post(reverse("reasons:reason_delete", args=[other_reason.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("reasons:taxonomy")
    assert list(Reason.objects.all()) == [reason]


def test_reason_form_without_categories_asks_for_one_first(manager_client):
    response = manager_client.get(reverse("reasons:reason_create"))
    assert response.status_code == 200
    assert reverse("reasons:category_create") in response.content.decode()
    assert '<form method="post" class="card form-card"' not in response.content.decode()


def test_example_phrases_are_edited_one_per_line(manager_client, reason):
    url = reverse("reasons:reason_edit", args=[reason.pk])
    data = reason_data(reason.category, reason.owner, name=reason.name)
    data["examples"] = "mi paquete no llega\r\n\r\n  where is my parcel  \nMI PAQUETE NO LLEGA\n"
    assert manager_client.post(url, data).status_code == 302
    reason.refresh_from_db()
    assert reason.examples == ["mi paquete no llega", "where is my parcel"]

    page = manager_client.get(url)
    assert page.context["form"].initial["examples"] == "mi paquete no llega\nwhere is my parcel"
    html = page.content.decode()
    assert 'name="examples"' in html
    assert "Example phrases added: “mi paquete no llega”, “where is my parcel”." in html
