from django.urls import path

from motivo.promises import views

app_name = "promises"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("rates.csv", views.dashboard_csv, name="dashboard_csv"),
    path("cases/", views.cases, name="cases"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/calendar/", views.calendar_save, name="calendar_save"),
    path("settings/closed-days/", views.closed_day_add, name="closed_day_add"),
    path(
        "settings/closed-days/<int:closed_id>/remove/",
        views.closed_day_remove,
        name="closed_day_remove",
    ),
    path("settings/tiers/", views.tier_add, name="tier_add"),
    path("settings/tiers/<int:tier_id>/delete/", views.tier_delete, name="tier_delete"),
    path("settings/promises/", views.promise_save, name="promise_add"),
    path("settings/promises/<int:promise_id>/", views.promise_save, name="promise_save"),
    path("settings/promises/<int:promise_id>/delete/", views.promise_delete, name="promise_delete"),
]
