"""Searching for families by name (or a typed BSN) without the terms in a URL.

A search travels as a POST: its terms are in the request body, never in the address, the
browser's history, a Referer or the web server's access log. A GET that still carries ``?q=``
(an old bookmark) is not searched: it is sent back to the page without the terms.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

MAX_LENGTH = 100


def search_terms(request: HttpRequest) -> str:
    """The terms of a search POST; a GET never searches."""
    if request.method != "POST":
        return ""
    return request.POST.get("q", "").strip()[:MAX_LENGTH]


def without_search_terms(request: HttpRequest) -> HttpResponse:
    """The same page, asked for again without ``?q=`` (the other parameters kept)."""
    kept = request.GET.copy()
    kept.pop("q", None)
    return redirect(f"{request.path}?{kept.urlencode()}" if kept else request.path)
