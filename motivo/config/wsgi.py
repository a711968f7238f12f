"""WSGI entry point used by the production server started by `motivo serve`."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motivo.config.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, URL maps, the API schema) lives as long as the
# process: move it out of the cyclic garbage collector's sight, so that its full collections
# (which otherwise walk all of it and stall a request for tens of milliseconds) only see
# what requests allocate.
gc.collect()
gc.freeze()
