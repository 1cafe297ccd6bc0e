"""The claims the test provider asserts: e-mail, name and how the account logged in (amr/acr).

An account in the group ``mfa`` logged in with a second factor: its ID token says
``amr: ["pwd", "mfa"]`` and ``acr: "urn:test:loa:substantial"``; any other account only
``amr: ["pwd"]``. An account's own ``claims`` from serve.py's configuration (``ACCOUNT_CLAIMS``)
come on top and win: a DigiD broker's ``bsn`` and ``acr``, say.
"""

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below, whatever the scopes

    def get_additional_claims(self, request):
        user = request.user
        mfa = user.groups.filter(name="mfa").exists()
        claims = {"email": user.email, "email_verified": True, "name": user.get_full_name()}
        claims["amr"] = ["pwd", "mfa"] if mfa else ["pwd"]
        if mfa:
            claims["acr"] = "urn:test:loa:substantial"
        claims.update(settings.ACCOUNT_CLAIMS.get(user.username, {}))
        return claims
