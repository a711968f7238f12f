from django.urls import path

from motivo.mail import views

app_name = "mail"
urlpatterns = [
    path("quarantine/", views.quarantine, name="quarantine"),
    path("inbound/<int:inbound_id>/", views.inbound_detail, name="inbound_detail"),
    path("inbound/<int:inbound_id>/raw/", views.inbound_raw, name="inbound_raw"),
    path("inbound/<int:inbound_id>/retry/", views.inbound_retry, name="inbound_retry"),
]
