from django.apps import AppConfig


class ReasonsConfig(AppConfig):
    name = "motivo.reasons"
    label = "reasons"
