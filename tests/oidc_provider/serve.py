"""Start the test identity provider: ``python -m tests.oidc_provider.serve CONFIG.json``.

The JSON file holds ``port``, ``database``, ``clients`` (each ``client_id``, ``client_secret``,
``redirect_uri``) and ``accounts`` (``username``, ``password``, ``email``, ``mfa``, and
optionally ``claims``: more claims of that account, e.g. a ``bsn`` or its own ``acr``).
"""

import json
import os
import sys


def main(config_path: str) -> None:
    with open(config_path) as handle:
        config = json.load(handle)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    os.environ["OIDC_TEST_PROVIDER_DB"] = config["database"]
    os.environ["OIDC_TEST_PROVIDER_CLAIMS"] = json.dumps(
        {account["username"]: account.get("claims", {}) for account in config["accounts"]}
    )
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    mfa = Group.objects.get_or_create(name="mfa")[0]
    for account in config["accounts"]:
        user = User.objects.create_user(
            account["username"], email=account["email"], password=account["password"]
        )
        if account.get("mfa"):
            user.groups.add(mfa)
    for client in config["clients"]:
        Application.objects.create(
            name=client["client_id"],
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=client["redirect_uri"],
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )
    call_command("runserver", f"127.0.0.1:{config['port']}", use_reloader=False, verbosity=0)


if __name__ == "__main__":
    main(sys.argv[1])
