from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "motivo.api"
    label = "api"
