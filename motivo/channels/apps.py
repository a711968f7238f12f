from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "motivo.channels"
    label = "channels"
