from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "motivo.portal"
    label = "portal"
