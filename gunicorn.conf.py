"""Gunicorn reads this file from the working directory: its own log lines use the site's format.

With LOG_FORMAT=json (the default when DEBUG is off) gunicorn's messages
(booting, worker exits, timeouts) are JSON lines like the request and task
logs (ops/logs.py); with LOG_FORMAT=text gunicorn keeps its own format.
"""

import os

_debug = os.environ.get("DEBUG", "").lower() in {"1", "true", "yes", "on"}
if os.environ.get("LOG_FORMAT", "text" if _debug else "json") == "json":
    _handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "ops.logs.JsonFormatter"}},
        # gunicorn's defaults refer to these two handler names.
        "handlers": {"console": _handler, "error_console": _handler},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }
