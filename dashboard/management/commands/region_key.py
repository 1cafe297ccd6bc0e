"""``manage.py region_key create REGION_CODE [--name NAME]``: prints the new key once.

The key opens ``/api/v1/stats/`` (the region's figures, no names) for the region's own BI
tools. Only its hash is stored; ``region_key revoke PREFIX`` revokes a key, ``list`` lists them.
"""

from casusregie.models import Region
from dashboard.models import RegionAPIKey
from referrals.management.commands.provider_key import KeyCommand


class Command(KeyCommand):
    help = "Maak, toon of trek API-sleutels van regio's in (open export van de cijfers)."
    key_model = RegionAPIKey
    owner_model = Region
    owner_field = "region"
    lookup = "code"
    owner_metavar = "REGION_CODE"
    default_name = "BI"
