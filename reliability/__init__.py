"""Reliability scenarios (issue 9): each module is one ``make`` target that starts its own
servers, injects a fault or a load, checks the verdict and prints a JSON line last.

Shared parts: ``servers`` (PostgreSQL, Redis, gunicorn, Celery on ports of their own, in a
temporary folder, stopped on exit), ``receiver`` (a webhook receiver that counts event ids),
``providers`` (seed data, API keys and a provider client), ``report`` (the last line).
"""
