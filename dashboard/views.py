"""The region's dashboard for policy staff and the expert table: figures, no names.

Every page is a 404 for anyone without ``casusregie.view_statistics`` (policy and expert-table
roles) or without a region; every view of the figures (page or CSV) is in the access log, with
no family. The figures come from the summary tables (``services.refresh_statistics``), never
from the case data directly, so each page is a couple of small queries.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from casusregie.access_log import Access, record_worker_access
from casusregie.models import AccessAction, Region
from casusregie.views.accounts import worker_required

from . import selectors, tasks
from .pages import (
    BREAKDOWNS,
    PAGES,
    PAGES_BY_SLUG,
    BadChoice,
    breakdown_of,
    choose,
    context,
    offered_periods,
    published,
)
from .publication import HIDDEN
from .tables import Table, headline

PURPOSE = "beleidsinformatie (geaggregeerd, zonder namen)"


def statistics_region(request: HttpRequest) -> Region:
    """The region whose figures the user may see; a 404 for everyone else."""
    user = request.user
    if not user.has_perm("casusregie.view_statistics") or user.region_id is None:
        raise Http404
    return user.region


def _page(request: HttpRequest, slug: str) -> HttpResponse:
    page = PAGES_BY_SLUG[slug]
    region = statistics_region(request)
    refresh = selectors.latest_refresh(region)
    if refresh is None:
        record_worker_access(
            request, [Access("", "statistics", f"{page.slug} (nog geen cijfers)")], purpose=PURPOSE
        )
        return render(
            request, "dashboard/page.html", {"page": page, "pages": PAGES, "region": region}
        )
    try:
        period, dimension = choose(
            refresh,
            request.GET.get("periode"),
            request.GET.get("indeling") if page.breakdown else None,
        )
    except BadChoice:
        raise Http404 from None
    ctx = context(region, refresh, period, dimension)
    every = published(ctx)
    tables = every[page.slug]
    breakdown = breakdown_of(dimension)
    if "csv" in request.GET:
        table = next((t for t in tables if t.name == request.GET["csv"]), None)
        if table is None:
            raise Http404
        record_worker_access(
            request,
            [Access("", "statistics", f"{table.name} {period.code} {breakdown}"[:64])],
            purpose=PURPOSE,
            action=AccessAction.EXPORT,
        )
        dutch = request.GET.get("opmaak") == "nl"
        name = f"{region.code}-{table.name}-{period.code}-{breakdown}{'-nl' if dutch else ''}"
        return _csv(table, name, dutch=dutch)
    record_worker_access(
        request,
        [Access("", "statistics", f"{page.slug} {period.code} {breakdown}"[:64])],
        purpose=PURPOSE,
    )
    return render(
        request,
        "dashboard/page.html",
        {
            "page": page,
            "pages": PAGES,
            "region": region,
            "refresh": refresh,
            "period": period,
            "periods": offered_periods(refresh),
            "breakdown": breakdown,
            "breakdowns": [(k, v.label) for k, v in BREAKDOWNS.items()],
            "tables": tables,
            "tiles": headline(ctx, [t for ts in every.values() for t in ts])
            if page.slug == "overzicht"
            else None,
            "hidden": HIDDEN,
        },
    )


def _csv(table: Table, name: str, *, dutch: bool = False) -> HttpResponse:
    """The table as CSV: plain (comma, decimal point, UTF-8), or for a spreadsheet in a Dutch
    setting (``dutch``: semicolon, decimal comma, and a UTF-8 byte order mark so that Excel
    reads "ë" and "–" right). The cells are the page's: "<5" as it is, a withheld cell empty."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    if dutch:
        response.write("\ufeff")
    writer = csv.writer(response, delimiter=";" if dutch else ",")
    writer.writerow(["code", table.label_title, *(c.title for c in table.columns)])
    for row in table.rows:
        writer.writerow(
            [
                row.member,
                row.label,
                *(csv_cell(row.values[c.key], dutch=dutch) for c in table.columns),
            ]
        )
    return response


def csv_cell(value: object, *, dutch: bool = False) -> object:
    """One cell: empty for none; when ``dutch``, a fraction with a decimal comma (``1,5``) and
    a whole number without decimals or a thousands separator (``28``, ``12345``)."""
    if value is None:
        return ""
    if dutch and isinstance(value, float):
        return int(value) if value.is_integer() else str(round(value, 1)).replace(".", ",")
    return value


def _view(slug: str):
    @require_GET
    @worker_required
    def view(request: HttpRequest) -> HttpResponse:
        return _page(request, slug)

    view.__name__ = f"dashboard_{slug}"
    return view


overview = _view("overzicht")
care = _view("zorg")
waiting = _view("wachttijden")
referrals = _view("verwijzingen")
youth = _view("jeugdigen")
table = _view("experttafel")


@require_POST
@worker_required
def refresh(request: HttpRequest) -> HttpResponse:
    """Refresh the region's figures now (a Celery task; the page shows the new ones after)."""
    region = statistics_region(request)
    tasks.refresh_statistics.delay(region_id=region.pk)
    messages.success(request, _("De cijfers worden vernieuwd. Ververs de pagina over een minuut."))
    return redirect("dashboard")
