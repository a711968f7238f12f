from django.urls import path

from motivo.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:case_id>/", views.detail, name="detail"),
    path("<int:case_id>/reply/", views.reply, name="reply"),
    path(
        "<int:case_id>/notifications/read/",
        views.notifications_read,
        name="notifications_read",
    ),
    path(
        "<int:case_id>/emails/<int:email_id>/resend/",
        views.email_resend,
        name="email_resend",
    ),
    path("<int:case_id>/note/", views.note, name="note"),
    path("<int:case_id>/assign/", views.assign, name="assign"),
    path("<int:case_id>/transfer/", views.transfer, name="transfer"),
    path(
        "<int:case_id>/handoffs/<int:handoff_id>/acknowledge/",
        views.handoff_acknowledge,
        name="handoff_acknowledge",
    ),
    path("<int:case_id>/status/", views.set_status, name="status"),
    path("<int:case_id>/merge/", views.merge, name="merge"),
    path(
        "<int:case_id>/contacts/<int:contact_id>/reason/",
        views.contact_reason,
        name="contact_reason",
    ),
    path("<int:case_id>/canned/", views.canned_insert, name="canned_insert"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("customers/<int:customer_id>/", views.customer, name="customer"),
    path("canned/", views.canned_list, name="canned_list"),
    path("canned/new/", views.canned_edit, name="canned_create"),
    path("canned/<int:canned_id>/edit/", views.canned_edit, name="canned_edit"),
    path("canned/<int:canned_id>/delete/", views.canned_delete, name="canned_delete"),
]
