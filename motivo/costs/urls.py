"""Costs pages, under /costs/."""

from django.urls import path

from motivo.costs import views

app_name = "costs"
urlpatterns = [
    path("", views.channel_costs, name="channel_costs"),
    path("chargeback/", views.chargeback, name="chargeback"),
    path("chargeback.csv", views.chargeback_csv, name="chargeback_csv"),
    path("cases/<int:case_id>/goodwill/", views.case_goodwill, name="case_goodwill"),
]
