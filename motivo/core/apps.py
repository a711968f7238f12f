from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "motivo.core"
    label = "core"
