"""
WSGI config for config project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# What a web process loads once and keeps (Django, every app's models, the URL configuration
# and the views it imports: over 200,000 objects) is moved out of the garbage collector's
# reach. Otherwise every full collection walks all of it: about 150 ms of CPU, in one request
# in twenty of a page as busy as an admin's dashboard, which was its p95 (issue 24). Requests'
# own objects are collected as before. https://docs.python.org/3/library/gc.html#gc.freeze
# Start-up's own garbage is collected first, so that none of it is kept for the process's life.
import_module(settings.ROOT_URLCONF)
gc.collect()
gc.freeze()
