"""The benchmark harness of django-2co-sso: ``make bench`` or ``python -m bench [--quick]``."""
