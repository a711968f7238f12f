from django.urls import path

from motivo.customers import views

app_name = "customers"
urlpatterns = [
    path("<int:customer_id>/identities/", views.identity_add, name="identity_add"),
    path("<int:customer_id>/tier/", views.tier_set, name="tier_set"),
    path(
        "<int:customer_id>/identities/<int:identity_id>/remove/",
        views.identity_remove,
        name="identity_remove",
    ),
    path(
        "<int:customer_id>/suggestions/<int:suggestion_id>/dismiss/",
        views.suggestion_dismiss,
        name="suggestion_dismiss",
    ),
    path("<int:customer_id>/merge/", views.merge_search, name="merge_search"),
    path("<int:customer_id>/merge/<int:target_id>/", views.merge_confirm, name="merge_confirm"),
]
