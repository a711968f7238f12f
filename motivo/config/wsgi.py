"""WSGI entry point used by the production server started by `motivo serve`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motivo.config.settings")
application = get_wsgi_application()
