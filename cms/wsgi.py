"""WSGI entry point (gunicorn cms.wsgi): the request log, around local page copies, around Django."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
application = get_wsgi_application()

from ops.logs import RequestLogMiddleware  # noqa: E402 - needs the settings loaded above
from publishing.localcopy import LocalCopies  # noqa: E402

# A warm public page is replayed from this process's memory before Django
# (publishing/localcopy.py); every request is still logged with its id.
application = RequestLogMiddleware(LocalCopies(application))
