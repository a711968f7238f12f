"""The realtime server: an ASGI application serving only the live chat's event streams
(motivo/chat/realtime_urls.py). `motivo serve` runs it in its own granian process beside
the WSGI workers, so long-lived streams never hold one of their request threads."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motivo.config.settings")
os.environ["MOTIVO_REALTIME"] = "1"

from django.core.asgi import get_asgi_application

application = get_asgi_application()
