"""Repeat-contact studies pages, under /studies/."""

from django.urls import path

from motivo.studies import views

app_name = "studies"
urlpatterns = [
    path("", views.report, name="report"),
    path("report.csv", views.report_csv, name="report_csv"),
    path("list/", views.study_list, name="list"),
    path("list.csv", views.study_list_csv, name="list_csv"),
    path("mine/", views.mine, name="mine"),
    path("contacts/<int:contact_id>/", views.answer, name="answer"),
    path("causes/", views.causes, name="causes"),
    path("causes/<int:pk>/", views.cause_edit, name="cause_edit"),
]
