"""Listeners for 2Checkout's IPN (orders) and LCN (subscription changes) notifications.

Include :mod:`django_2co_sso.webhooks.urls` under a prefix of your choice and register the
two URLs in the 2Checkout control panel. Each POST is read (bounded), parsed in the order
received (:mod:`.parsing`), verified (:mod:`.signature`), stored, processed
(:mod:`.processing`) and answered with the read receipt 2Checkout waits for.
"""
