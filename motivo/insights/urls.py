from django.urls import path

from motivo.insights import views

app_name = "insights"
urlpatterns = [
    path("pareto/", views.pareto, name="pareto"),
    path("pareto.csv", views.pareto_csv, name="pareto_csv"),
]
