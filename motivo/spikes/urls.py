from django.urls import path

from motivo.spikes import views

app_name = "spikes"
urlpatterns = [
    path("", views.alert_list, name="list"),
    path("alerts.csv", views.alert_list_csv, name="list_csv"),
    path("<int:pk>/", views.alert_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.alert_acknowledge, name="acknowledge"),
    path("<int:pk>/close/", views.alert_close, name="close"),
]
