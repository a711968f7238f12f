from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "motivo.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from motivo.accounts.middleware import remember_language

        def _language_on_login(sender, request, user, **kwargs) -> None:
            if request is not None and user.language:
                remember_language(request, user.language)

        # weak=False: the handler is a local function, which a weak reference would lose.
        user_logged_in.connect(
            _language_on_login, dispatch_uid="motivo_language_on_login", weak=False
        )
