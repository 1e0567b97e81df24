"""WSGI entry point (gunicorn cms.wsgi), wrapped to log one line per request with its id."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
application = get_wsgi_application()

from ops.logs import RequestLogMiddleware  # noqa: E402 - needs the settings loaded above

application = RequestLogMiddleware(application)
