from django.urls import path

from motivo.insights import views

app_name = "insights"
urlpatterns = [
    path("pareto/", views.pareto, name="pareto"),
    path("pareto.csv", views.pareto_csv, name="pareto_csv"),
    path("trend/", views.trend, name="trend"),
    path("trend.csv", views.trend_csv, name="trend_csv"),
    path("cpx/", views.cpx, name="cpx"),
    path("cpx.csv", views.cpx_csv, name="cpx_csv"),
    path("repeats/", views.repeats, name="repeats"),
    path("repeats.csv", views.repeats_csv, name="repeats_csv"),
    path("contacts/", views.contacts, name="contacts"),
    path("volumes/", views.volumes, name="volumes"),
]
