"""WSGI entry point for gunicorn (`langso serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "langso.settings")
application = get_wsgi_application()
