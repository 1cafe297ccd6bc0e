"""WCAG 2.1 AA basics on every worker and portal page: lang=nl, landmarks, one h1, a label for every
field, text on every button, alt on every image; and the palette's contrast ratios."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from tests.casusregie.test_access_matrix import (  # noqa: F401 - the fixtures
    PAGES,
    _client,
    _request,
    world,
    world_of_the_module,
)

pytestmark = pytest.mark.django_db

FIELDS = {"input", "select", "textarea"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset"}


class PageAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang = None
        self.landmarks: list[str] = []
        self.h1 = 0
        self.labels: set[str] = set()
        self.fields: list[dict] = []
        self.images: list[dict] = []
        self.buttons: list[str] = []
        self._button: list[str] | None = None
        self._label_depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag in {"main", "nav", "header", "footer"}:
            self.landmarks.append(tag)
        if tag == "h1":
            self.h1 += 1
        if tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.labels.add(a["for"])
        if tag in FIELDS and a.get("type") not in UNLABELLED_INPUTS:
            self.fields.append({**a, "_in_label": self._label_depth > 0})
        if tag == "img":
            self.images.append(a)
        if tag == "button":
            self._button = [a.get("aria-label", "")]

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_depth -= 1
        if tag == "button" and self._button is not None:
            self.buttons.append("".join(self._button).strip())
            self._button = None

    def handle_data(self, data):
        if self._button is not None:
            self._button.append(data)


GET_PAGES = sorted(n for n, p in PAGES.items() if p.method == "get" and not n.endswith(".csv"))


def _role_for(name: str) -> str:
    allowed = PAGES[name].allowed
    for role in (
        "regisseur",
        "team_lead",
        "expert",
        "policy",
        "admin",
        "provider_staff",
        "provider_coordinator",
        "anonymous",
    ):
        if role in allowed:
            return role
    raise AssertionError(name)


@pytest.mark.parametrize("name", GET_PAGES)
def test_every_page_meets_the_basics(client, world, name):  # noqa: F811
    if name == "family-access-history":
        pytest.skip("a CSV download, not a page")
    if name in ("plan-pdf", "escalation-letter-pdf"):
        pytest.skip("a PDF download, not a page")
    if name == "dossier-family-export":
        pytest.skip("a JSON download, not a page")
    client = _client(client, world, _role_for(name))
    response = _request(client, world, name, PAGES[name], "own")
    if response.status_code == 302:
        response = client.get(response["Location"])
    assert response.status_code == 200
    audit = PageAudit()
    audit.feed(response.content.decode())
    assert audit.lang == "nl"
    assert {"main", "header", "footer"} <= set(audit.landmarks)
    assert audit.h1 == 1, f"{name}: {audit.h1} h1 elements"
    for field in audit.fields:
        labelled = field.get("id") in audit.labels or field.get("aria-label") or field["_in_label"]
        assert labelled, f"{name}: a field without a label: {field}"
    assert all(img.get("alt") for img in audit.images), f"{name}: an image without alt"
    assert all(audit.buttons), f"{name}: a button without text"


def _luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_have_aa_contrast_on_every_background():
    css = (Path(settings.BASE_DIR) / "static" / "casusregie" / "casusregie.css").read_text()
    palette = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{3,6})", css))
    for text in ("ink", "muted", "accent", "warn", "error", "ok"):
        for background in ("bg", "soft"):
            ratio = contrast(palette[text], palette[background])
            assert ratio >= 4.5, f"{text} on {background}: {ratio:.2f}"
    assert contrast("#ffffff", palette["accent"]) >= 4.5  # the header and the buttons
