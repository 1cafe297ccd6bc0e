"""A real OpenID Connect provider for the single sign-on tests (django-oauth-toolkit).

It runs as its own small Django project in a subprocess on a free localhost port, with its own
SQLite database: ``serve.py`` migrates it, creates the accounts and the client the test asks
for, and serves it. Casusregie's side talks to it over HTTP exactly as to a municipality's
identity provider (discovery, authorize, token, userinfo, JWKS); nothing is mocked.
"""
