"""Settings for the web benchmark: the product's own, with a trivial page beside them.

Only what the benchmark needs differs from ``config.settings``: debug off (as in production),
database connections kept as production keeps them (60 seconds, unless DATABASE_CONN_MAX_AGE
says otherwise: the development default of 0 opened a connection per request, a third of a
register page), and a URL configuration that adds ``/bench/trivial/``, the baseline each page
is compared with.
"""

import os

from config.settings import *

DEBUG = False
ROOT_URLCONF = "bench.urls"
if "pool" not in DATABASES["default"].get("OPTIONS", {}):
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
