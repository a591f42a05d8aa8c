"""Settings for the web benchmark: the product's own, with a trivial page beside them.

Only what the benchmark needs differs from ``config.settings``: debug off (as in production)
and a URL configuration that adds ``/bench/trivial/``, the baseline each page is compared with.
"""

from config.settings import *

DEBUG = False
ROOT_URLCONF = "bench.urls"
