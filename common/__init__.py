"""Pieces every app shares, kept once: look here before writing a helper a second time.

- ``dates.long_date``: a date (or an aware datetime, in London) in words, "1 March 2027".
- ``workdays``: UK working days and bank holidays, and counting them.
- ``history``: telling django-simple-history who made a save and why, and one history entry.
- ``views``: the permission mixin, a service's errors on a form, and the form view that calls a service.

Not a Django app: no models, no migrations. Term arithmetic stays in ``contracts/terms.py`` and
what follows a change in ``commissioning/changes.py``.
"""
