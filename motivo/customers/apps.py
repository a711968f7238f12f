from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "motivo.customers"
    label = "customers"
