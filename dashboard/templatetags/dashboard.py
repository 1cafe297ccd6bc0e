from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def stat(value, unit: str = "") -> str:
    """A published figure in Dutch: ``12.345``, ``12,5``, ``<5`` as it is, ``–`` for none."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not value.is_integer():
        text = number_format(value, 1, use_l10n=True, force_grouping=True)
    else:
        text = number_format(int(value), 0, use_l10n=True, force_grouping=True)
    return f"{text}%" if unit == "%" else text
