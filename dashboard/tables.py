"""The published tables: what every page, CSV download and the JSON export show.

A table has columns, rows (one per breakdown member, then the whole region) and, usually, a
chart of some of its columns. Every value goes through ``publication`` first, and ``finish``
guards all tables of a view together against differencing, so the page, the CSV and the JSON
show exactly the same, small cells hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from casusregie.models import CloseReason, Region
from flags.rules import RULES_BY_CODE
from referrals.codes import decline_reasons

from .models import Dimension
from .periods import Period
from .publication import (
    Published,
    Sum,
    is_shown,
    one_in,
    percent,
    protect,
    publish_count,
    publish_days,
)
from .selectors import FigureSet
from .topics import MEASURES, Kind
from .topics.base import ALL_DIMENSIONS, CARE_DIMENSIONS, CASE_DIMENSIONS

AMBITION_ONE_IN = 12  # "1 op 6 → 1 op 12" (seed 001, Toekomstbeeld 2030)
COUNT, DAYS, PUBLIC, DERIVED = "count", "days", "public", "derived"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    unit: str = ""
    kind: str = COUNT
    # DERIVED: computed after the guard from the row's shown values (a share, "1 op N")
    derive: Callable[[dict], Published] | None = None


@dataclass
class Row:
    member: str
    label: str
    values: dict[str, Published]
    total: bool = False


@dataclass(frozen=True)
class Chart:
    kind: str  # "bar" or "line"
    series: tuple[str, ...]  # column keys
    stacked: bool = False
    unit: str = ""
    lines: tuple[tuple[str, float], ...] = ()  # (label, value): a norm drawn across


#: How the norm lines of one chart are drawn, the first line with the first style: each differs
#: from the others in colour *and* in dash (readable without colour, and in grey print), and
#: each is labelled on the chart itself beside the legend. None of the colours is a series'.
LINE_STYLES = (
    {"colour": "#a4161a", "dash": [8, 4]},  # dark red, long dashes
    {"colour": "#1a1a1a", "dash": [2, 3]},  # black, dotted
    {"colour": "#6b4e00", "dash": [12, 3, 2, 3]},  # dark brown, dash-dot
)


@dataclass
class Table:
    name: str
    title: str
    note: str
    label_title: str
    columns: list[Column]
    rows: list[Row]
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)
    # counts in a row that add up: (total column, part columns)
    sums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # the member rows add up to the region's row (exact), or cover it (a youth in several)
    members_add_up: bool | None = None

    @property
    def chart_id(self) -> str:
        return f"grafiek-{self.name}"

    def body(self) -> list[tuple[Row, list[tuple[Published, str]]]]:
        """The rows with their cells in column order, each with its unit (for the page)."""
        return [(r, [(r.values[c.key], c.unit) for c in self.columns]) for r in self.rows]

    @property
    def chart_is_empty(self) -> bool:
        """A chart none of whose values may be shown (every count "<5" or withheld, every
        median on fewer than five): the page says "te weinig gegevens" instead of an axis."""
        return self.chart is not None and not any(
            is_shown(r.values[key]) for key in self.chart.series for r in self.rows
        )

    def chart_data(self) -> dict | None:
        if self.chart is None or self.chart_is_empty:
            return None
        titles = {c.key: c.title for c in self.columns}
        return {
            "type": self.chart.kind,
            "stacked": self.chart.stacked,
            "unit": self.chart.unit,
            "labels": [r.label for r in self.rows],
            "datasets": [
                {
                    "label": titles[key],
                    "data": [r.values[key] if is_shown(r.values[key]) else None for r in self.rows],
                }
                for key in self.chart.series
            ],
            "lines": [
                {"label": label, "value": value, **LINE_STYLES[i % len(LINE_STYLES)]}
                for i, (label, value) in enumerate(self.chart.lines)
            ],
        }

    def norm_legend(self) -> list[dict]:
        """The norm lines as the page describes them in words under the chart."""
        data = self.chart_data()
        return data["lines"] if data else []

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "note": self.note,
            "columns": [{"key": c.key, "title": c.title, "unit": c.unit} for c in self.columns],
            "rows": [
                {
                    "member": r.member,
                    "label": r.label,
                    "total": r.total,
                    "values": {c.key: r.values[c.key] for c in self.columns},
                }
                for r in self.rows
            ],
        }


@dataclass
class Context:
    region: Region
    period: Period
    dimension: str
    figures: FigureSet
    months: list[Period] = field(default_factory=list)
    monthly: dict = field(default_factory=dict)


DIMENSION_TITLES = {
    Dimension.REGION: _("Regio"),
    Dimension.MUNICIPALITY: _("Gemeente"),
    Dimension.LOCAL_TEAM: _("Lokaal team"),
    Dimension.SEGMENT: _("Segment"),
    Dimension.PRODUCT: _("Product"),
    Dimension.PROVIDER: _("Aanbieder"),
}


def finish(tables: list[Table]) -> None:
    """Guard every table of one view together, then compute the shares from what is shown.

    Cells are keyed by (row member, column): the same figure shown in two tables is one cell.
    First the region's rows alone (so the region's row is the same in every breakdown), then
    everything with the region's rows fixed.
    """
    cells: dict[tuple[str, str], Published] = {}
    region_sums: list[Sum] = []
    sums: list[Sum] = []
    region_cells = set()
    for table in tables:
        counts = [c.key for c in table.columns if c.kind == COUNT]
        for row in table.rows:
            for key in counts:
                cells[(row.member, key)] = row.values[key]
                if row.total:
                    region_cells.add((row.member, key))
            for total, parts in table.sums:
                s = Sum((row.member, total), tuple((row.member, p) for p in parts))
                (region_sums if row.total else sums).append(s)
        members = [r for r in table.rows if not r.total]
        region = next((r for r in table.rows if r.total), None)
        if table.members_add_up is not None and members and region:
            for key in counts:
                parts = tuple((r.member, key) for r in members)
                sums.append(Sum((region.member, key), parts, exact=table.members_add_up))
    region_only = {k: v for k, v in cells.items() if k in region_cells}
    protect(region_only, region_sums)
    cells.update(region_only)
    protect(cells, region_sums + sums, fixed=region_cells)
    for table in tables:
        for row in table.rows:
            for column in table.columns:
                if column.kind == COUNT:
                    row.values[column.key] = cells[(row.member, column.key)]
            for column in table.columns:
                if column.kind == DERIVED:
                    row.values[column.key] = column.derive(row.values)


def rule_title(code: str) -> str:
    """A rule's title as people read it ("Thuiszitter langer dan drie maanden"), not its code."""
    return str(RULES_BY_CODE[code].title)


def _title(code: str) -> str:
    return str(MEASURES[code].title)


def _columns(*codes: str) -> list[Column]:
    columns = []
    for code in codes:
        kind = MEASURES[code].kind
        if kind == Kind.DAYS:
            columns.append(Column(code, _title(code), _("dagen"), DAYS))
        else:
            columns.append(Column(code, _title(code), "", PUBLIC if kind == Kind.PUBLIC else COUNT))
    return columns


def _share(title: str, part: str, whole: str) -> Column:
    return Column(f"{part}_share", title, "%", DERIVED, lambda v: percent(v[part], v[whole]))


class Values:
    """One member's published values."""

    def __init__(self, figures: FigureSet, member: str) -> None:
        self.figures, self.member = figures, member

    def count(self, measure: str, category: str = "", now: bool = False) -> int | str:
        return publish_count(self.figures.value(self.member, measure, category, now)[0])

    def days(self, measure: str, now: bool = False) -> float | None:
        return publish_days(*self.figures.value(self.member, measure, "", now))

    def public(self, measure: str, now: bool = False) -> int | None:
        value = self.figures.value(self.member, measure, "", now)[0]
        return None if value is None else round(value)

    def columns(self, columns: list[Column], now: bool = False) -> dict[str, Published]:
        """The counts, days and public figures of ``columns`` by their measure codes."""
        result: dict[str, Published] = {}
        for c in columns:
            if c.kind == COUNT:
                result[c.key] = self.count(c.key, now=now)
            elif c.kind == DAYS:
                result[c.key] = self.days(c.key, now=now)
            elif c.kind == PUBLIC:
                result[c.key] = self.public(c.key, now=now)
        return result


def _breakdown_table(
    ctx: Context,
    *,
    name: str,
    title: str,
    note: str,
    columns: list[Column],
    values: Callable[[Values], dict[str, Published]],
    dimensions: tuple[str, ...],
    chart: Chart | None = None,
    sums: tuple[tuple[str, tuple[str, ...]], ...] = (),
    covers: tuple[str, ...] = (),
) -> Table:
    """One row per member of the chosen breakdown (when this table has it), then the region.
    The members add up to the region, except in the ``covers`` dimensions (overlapping)."""
    dimension = ctx.dimension if ctx.dimension in dimensions else Dimension.REGION
    rows = []
    if dimension != Dimension.REGION:
        for member, label in ctx.figures.members.get(dimension, {}).items():
            rows.append(Row(member, str(label), values(Values(ctx.figures, member))))
    rows.append(
        Row(ctx.region.code, ctx.region.name, values(Values(ctx.figures, ctx.region.code)), True)
    )
    table = Table(
        name=name,
        title=title,
        note=note,
        label_title=str(DIMENSION_TITLES[dimension]),
        columns=columns,
        rows=rows,
        chart=chart,
        sums=sums,
        members_add_up=None if dimension == Dimension.REGION else dimension not in covers,
    )
    if ctx.dimension != dimension:
        table.notes.append(
            _("Deze cijfers zijn er niet per %(dimension)s; hier voor de hele regio.")
            % {"dimension": str(DIMENSION_TITLES[ctx.dimension]).lower()}
        )
    return table


# --- the pages ---------------------------------------------------------------------------------


def care_tables(ctx: Context) -> list[Table]:
    in_care = [
        *_columns("families_in_care", "youths_in_care", "youths_0_17_in_care", "youth_population"),
        Column(
            "one_in",
            _("1 op …"),
            kind=DERIVED,
            derive=lambda v: one_in(v["youths_0_17_in_care"], v["youth_population"]),
        ),
        *_columns("youths_local", "youths_regional"),
        _share(_("Aandeel regionaal"), "youths_regional", "youths_in_care"),
    ]
    tables = [
        _breakdown_table(
            ctx,
            name="in-zorg",
            title=_("Gezinnen en jeugdigen in zorg"),
            note=_(
                "In zorg: het gezin had in de periode een open casus. Regionaal: de jeugdige "
                "kreeg in de periode specialistische jeugdhulp (door de regio ingekocht); "
                "lokaal: alleen het lokale team, eventueel met basishulp. Ambitie 2030: 1 op "
                "%(n)s jeugdigen 0–17 in zorg (nu 1 op 6)."
            )
            % {"n": AMBITION_ONE_IN},
            columns=in_care,
            values=lambda v: v.columns(in_care),
            dimensions=CASE_DIMENSIONS,
            chart=Chart("bar", ("youths_local", "youths_regional"), stacked=True),
            sums=(("youths_in_care", ("youths_local", "youths_regional")),),
        )
    ]
    if ctx.dimension in CARE_DIMENSIONS:
        receiving = _columns("families_receiving_care", "youths_receiving_care")
        tables.append(
            _breakdown_table(
                ctx,
                name="zorg-van-aanbieders",
                title=_("Gezinnen en jeugdigen met zorg van een aanbieder"),
                note=_(
                    "Zorg liep op een dag in de periode: gestart en nog niet beëindigd. Wie zorg "
                    "van twee soorten krijgt, telt bij beide."
                ),
                columns=receiving,
                values=lambda v: v.columns(receiving),
                dimensions=CARE_DIMENSIONS,
                chart=Chart("bar", ("youths_receiving_care",)),
                covers=CARE_DIMENSIONS,
            )
        )
    flow = [
        Column("started_local", _("Gestart, lokaal (basis)")),
        Column("started_regional", _("Gestart, regionaal")),
        Column("ended_local", _("Beëindigd, lokaal (basis)")),
        Column("ended_back_to_local", _("Regionaal beëindigd, terug naar lokaal")),
        Column("ended_case_closed", _("Regionaal beëindigd, casus gesloten")),
    ]
    tables.append(
        _breakdown_table(
            ctx,
            name="doorstroom",
            title=_("Doorstroom tussen lokale en regionale zorg"),
            note=_(
                "Zorg gestart en beëindigd in de periode. Terug naar lokaal: de specialistische "
                "zorg eindigde terwijl de casus open bleef."
            ),
            columns=flow,
            values=lambda v: {
                "started_local": v.count("care_started", "local"),
                "started_regional": v.count("care_started", "regional"),
                "ended_local": v.count("care_ended", "local"),
                "ended_back_to_local": v.count("care_ended", "back_to_local"),
                "ended_case_closed": v.count("care_ended", "case_closed"),
            },
            dimensions=ALL_DIMENSIONS,
            chart=Chart("bar", tuple(c.key for c in flow)),
        )
    )
    tables += _outflow_tables(ctx)
    tables += _outcome_tables(ctx)
    return tables


def _outcome_tables(ctx: Context) -> list[Table]:
    """Issue 19's outcome figures: placements out of home and repeat care among the starts of
    care, care ended as planned (iJw 31), and the doorlooptijden. The starts and the ends are
    the flow's (``doorstroom``): declared as the same sums, so the guard sees both tables."""
    starts = [
        *_columns("care_starts", "care_starts_out_of_home"),
        _share(_("Aandeel uithuisplaatsingen"), "care_starts_out_of_home", "care_starts"),
        *_columns("care_starts_repeat"),
        _share(_("Aandeel herhaald"), "care_starts_repeat", "care_starts"),
    ]
    end_parts = ("care_ended_as_planned", "care_ended_otherwise", "care_ended_unknown")
    ends = [
        *_columns("care_ends", *end_parts),
        _share(_("Aandeel volgens plan"), "care_ended_as_planned", "care_ends"),
    ]
    durations = _columns(
        "first_starts",
        "to_first_start_median",
        "to_first_start_p90",
        "cases_closed",
        "case_duration_median",
        "case_duration_p90",
    )
    flow_ends = ("ended_local", "ended_back_to_local", "ended_case_closed")
    return [
        _breakdown_table(
            ctx,
            name="uithuisplaatsingen",
            title=_("Uithuisplaatsingen en herhaalde zorg"),
            note=_(
                "Zorg gestart in de periode. Uithuisplaatsing: een product waarbij de jeugdige "
                "buiten huis verblijft (verblijf, pleegzorg, gezinshuis). Herhaald: eerdere zorg "
                "van dezelfde jeugdige eindigde hooguit 12 maanden voor deze start."
            ),
            columns=starts,
            values=lambda v: v.columns(starts),
            dimensions=CASE_DIMENSIONS,
            chart=Chart("bar", ("care_starts_out_of_home", "care_starts_repeat")),
            sums=(("care_starts", ("started_local", "started_regional")),),
        ),
        _breakdown_table(
            ctx,
            name="volgens-plan",
            title=_("Zorg beëindigd volgens plan"),
            note=_(
                "Zorg beëindigd in de periode, naar de iJw-reden van beëindiging die de "
                "aanbieder gaf: volgens plan (31), voortijdig of anders (32–99), of niet "
                "vastgelegd. Casussen die sloten omdat de doelen bereikt zijn: zie Uitstroom."
            ),
            columns=ends,
            values=lambda v: v.columns(ends),
            dimensions=CASE_DIMENSIONS,
            chart=Chart("bar", end_parts, stacked=True),
            sums=(("care_ends", end_parts), ("care_ends", flow_ends)),
        ),
        _breakdown_table(
            ctx,
            name="doorlooptijd",
            title=_("Doorlooptijd: van eerste verwijzing tot start, en van opening tot afsluiting"),
            note=_(
                "Van eerste verwijzing tot start: casussen waarvan de eerste zorg in de periode "
                "startte, dagen sinds de eerste verwijzing in de casus. Van opening tot "
                "afsluiting: casussen gesloten in de periode. Een mediaan staat er pas bij 5 "
                "casussen of meer."
            ),
            columns=durations,
            values=lambda v: v.columns(durations),
            dimensions=CASE_DIMENSIONS,
            chart=Chart(
                "bar",
                ("to_first_start_median", "case_duration_median"),
                unit=_("dagen"),
            ),
        ),
    ]


#: The closing reasons of the outflow, and ``unknown`` for closed cases from an import.
CLOSE_REASONS = (*CloseReason.values, "unknown")


def _outflow_tables(ctx: Context) -> list[Table]:
    labels = {**dict(CloseReason.choices), "unknown": _("Niet vastgelegd (import)")}
    reasons = tuple(f"closed_{r}" for r in CLOSE_REASONS)
    outflow = [
        *_columns("cases_closed"),
        *(Column(f"closed_{r}", str(labels[r])) for r in CLOSE_REASONS),
        _share(_("Aandeel doelen bereikt"), "closed_goals_reached", "cases_closed"),
    ]
    opened = [
        *_columns("cases_opened", "cases_opened_first", "cases_opened_repeat"),
        _share(_("Aandeel herhaalde zorg"), "cases_opened_repeat", "cases_opened"),
    ]
    return [
        _breakdown_table(
            ctx,
            name="uitstroom",
            title=_("Uitstroom: casussen gesloten, naar reden"),
            note=_(
                "Casussen gesloten in de periode, naar de reden van afsluiten. Doelen bereikt: "
                "afgeschaald naar de basis, met een warme overdracht."
            ),
            columns=outflow,
            values=lambda v: {
                "cases_closed": v.count("cases_closed"),
                **{f"closed_{r}": v.count("cases_closed_by_reason", r) for r in CLOSE_REASONS},
            },
            dimensions=CASE_DIMENSIONS,
            chart=Chart("bar", reasons, stacked=True),
            sums=(("cases_closed", reasons),),
        ),
        _breakdown_table(
            ctx,
            name="herhaalde-zorg",
            title=_("Herhaalde zorg: casussen geopend binnen 12 maanden na afsluiten"),
            note=_(
                "Casussen geopend in de periode; herhaalde zorg: geopend binnen 12 maanden nadat "
                "de vorige casus van het gezin sloot."
            ),
            columns=opened,
            values=lambda v: v.columns(opened),
            dimensions=CASE_DIMENSIONS,
            chart=Chart("bar", ("cases_opened_first", "cases_opened_repeat"), stacked=True),
            sums=(("cases_opened", ("cases_opened_first", "cases_opened_repeat")),),
        ),
    ]


def waiting_tables(ctx: Context) -> list[Table]:
    region = Values(ctx.figures, ctx.region.code)
    tables = []
    for leg, name, title, note in (
        (
            "accept",
            "wachttijd-aanmelding",
            _("Aanmeldwachttijd: van verzonden tot toegewezen"),
            _("Verwijzingen toegewezen in de periode; norm (treeknorm): %(days)s dagen."),
        ),
        (
            "start",
            "wachttijd-behandeling",
            _("Behandelwachttijd: van toegewezen tot start van de zorg"),
            _("Zorg gestart in de periode; norm (treeknorm): %(days)s dagen."),
        ),
    ):
        norm = region.public(f"treeknorm_{leg}_days", now=True)
        columns = [
            *_columns(f"{leg}_count", f"{leg}_wait_median", f"{leg}_wait_p90"),
            _share(_("Binnen de norm"), f"{leg}_within_norm", f"{leg}_count"),
        ]

        def values(v: Values, leg=leg, columns=columns) -> dict[str, Published]:
            # the count within the norm is shown only as a share
            return {**v.columns(columns), f"{leg}_within_norm": v.count(f"{leg}_within_norm")}

        tables.append(
            _breakdown_table(
                ctx,
                name=name,
                title=title,
                note=note % {"days": norm if norm is not None else "–"},
                columns=columns,
                values=values,
                dimensions=ALL_DIMENSIONS,
                chart=Chart(
                    "bar",
                    (f"{leg}_wait_median", f"{leg}_wait_p90"),
                    unit=_("dagen"),
                    lines=((_("norm"), norm),) if norm is not None else (),
                ),
            )
        )
    waiting = _columns(
        "waiting_for_answer",
        "waiting_for_answer_over_norm",
        "waiting_for_start",
        "waiting_for_start_over_norm",
    )
    tables.append(
        _breakdown_table(
            ctx,
            name="wachtend-nu",
            title=_("Nu wachtend"),
            note=_(
                "Op de peildatum: verzonden en nog niet beantwoord, en toegewezen en nog niet "
                "gestart; en hoeveel daarvan langer dan de norm."
            ),
            columns=waiting,
            values=lambda v: v.columns(waiting, now=True),
            dimensions=ALL_DIMENSIONS,
            chart=Chart("bar", tuple(c.key for c in waiting)),
        )
    )
    bridging_parts = ("waiting_youths_bridged", "waiting_youths_unbridged")
    bridging = [
        *_columns("waiting_youths", *bridging_parts),
        _share(_("Aandeel met overbrugging"), "waiting_youths_bridged", "waiting_youths"),
    ]
    tables.append(
        _breakdown_table(
            ctx,
            name="wachtend-overbrugging",
            title=_("Wachtende jeugdigen, met en zonder overbrugging"),
            note=_(
                "Op de peildatum: jeugdigen met een verwijzing die verzonden of toegewezen is en "
                "waarvan de zorg nog niet is gestart. Met overbrugging: bij een van die "
                "verwijzingen is overbruggingshulp vastgelegd die op de peildatum is begonnen. "
                "Per segment, product of aanbieder telt een jeugdige die op twee soorten zorg "
                "wacht bij beide."
            ),
            columns=bridging,
            values=lambda v: v.columns(bridging, now=True),
            dimensions=ALL_DIMENSIONS,
            chart=Chart("bar", bridging_parts, stacked=True),
            sums=(("waiting_youths", bridging_parts),),
            covers=CARE_DIMENSIONS,
        )
    )
    return tables


OUTCOMES = (
    "outcome_accepted",
    "outcome_declined",
    "outcome_expired",
    "outcome_withdrawn",
    "outcome_open",
)


def referral_tables(ctx: Context) -> list[Table]:
    reasons = {**decline_reasons(), "other": decline_reasons().get("other", _("Anders"))}
    reason_columns = [
        *_columns("outcome_declined"),
        *(Column(f"reason_{code}", title) for code, title in reasons.items()),
    ]
    outcomes = [
        *_columns("referrals_sent", *OUTCOMES),
        _share(_("Aandeel toegewezen"), "outcome_accepted", "referrals_sent"),
    ]
    return [
        _breakdown_table(
            ctx,
            name="verwijzingen",
            title=_("Verwijzingen en hun uitkomst"),
            note=_("Verwijzingen verzonden in de periode, naar hun status nu."),
            columns=outcomes,
            values=lambda v: v.columns(outcomes),
            dimensions=ALL_DIMENSIONS,
            chart=Chart("bar", OUTCOMES, stacked=True),
            sums=(("referrals_sent", OUTCOMES),),
        ),
        _breakdown_table(
            ctx,
            name="afwijzingen",
            title=_("Afwijzingen naar reden"),
            note=_(
                "Verwijzingen verzonden in de periode en afgewezen, naar de reden die de "
                "aanbieder gaf."
            ),
            columns=reason_columns,
            values=lambda v: {
                "outcome_declined": v.count("outcome_declined"),
                **{f"reason_{code}": v.count("declined_by_reason", code) for code in reasons},
            },
            dimensions=ALL_DIMENSIONS,
            chart=Chart("bar", tuple(c.key for c in reason_columns[1:]), stacked=True),
            sums=(("outcome_declined", tuple(c.key for c in reason_columns[1:])),),
        ),
    ]


def youth_tables(ctx: Context) -> list[Table]:
    bands = ("thuiszitters_under_warning", "thuiszitters_warning", "thuiszitters_violation")
    thuis = _columns("thuiszitters", *bands, "days_at_home_median")
    ages = ("turning_18_not_yet", "turning_18_already")
    plans = ("transition_plan_agreed", "transition_plan_draft", "transition_plan_none")
    turning = _columns("turning_18", *ages, *plans)
    school = _columns("buitenregulier", "praktijkonderwijs", "to_buitenregulier")
    return [
        _breakdown_table(
            ctx,
            name="thuiszitters",
            title=_("Thuiszitters nu"),
            note=_(
                "Leerplichtige jeugdigen in een open casus die op de peildatum thuiszitten "
                "(niet ingeschreven, of ingeschreven en afwezig), naar de drempels van het "
                "signaal “%(rule)s”; dagen thuis: sinds de eerste dag thuis."
            )
            % {"rule": rule_title("THUISZITTER_3M")},
            columns=thuis,
            values=lambda v: v.columns(thuis, now=True),
            dimensions=CASE_DIMENSIONS,
            chart=Chart("bar", bands, stacked=True),
            sums=(("thuiszitters", bands),),
        ),
        _breakdown_table(
            ctx,
            name="buitenregulier",
            title=_("Buitenregulier onderwijs"),
            note=_(
                "Leerplichtige jeugdigen in een open casus die op de peildatum naar het speciaal "
                "(voortgezet) onderwijs gaan (buitenregulier), en naar het praktijkonderwijs "
                "(regulier); naar buitenregulier: in de periode van een andere school of van "
                "thuis naar het speciaal onderwijs."
            ),
            columns=school,
            values=lambda v: {
                **v.columns(school[:2], now=True),
                "to_buitenregulier": v.count("to_buitenregulier"),
            },
            dimensions=CASE_DIMENSIONS,
            chart=Chart("bar", ("buitenregulier", "praktijkonderwijs")),
        ),
        _breakdown_table(
            ctx,
            name="wordt-18",
            title=_("Wordt 18 in specialistische zorg: het plan voor 18-/18+"),
            note=_(
                "Op de peildatum: specialistische zorg loopt en de jeugdige wordt binnen een half "
                "jaar 18 of is al 18 (het venster van het signaal “%(rule)s”)."
            )
            % {"rule": rule_title("TRANSITION_18")},
            columns=turning,
            values=lambda v: v.columns(turning, now=True),
            dimensions=CASE_DIMENSIONS,
            chart=Chart("bar", plans, stacked=True),
            sums=(("turning_18", ages), ("turning_18", plans)),
        ),
    ]


def table_tables(ctx: Context) -> list[Table]:
    from escalations.models import DecisionKind, EscalationSource

    sources = tuple(f"source_{s}" for s in EscalationSource.values)
    escalations = [
        *_columns("escalations_submitted"),
        *(Column(f"source_{s}", str(label)) for s, label in EscalationSource.choices),
        *_columns(
            "escalations_discussed",
            "escalation_days_median",
            "escalation_days_p90",
            "escalations_waiting",
        ),
    ]
    decisions = [Column(f"decision_{k}", str(label)) for k, label in DecisionKind.choices]
    flag_columns = _columns(
        "flags_opened", "flags_resolved", "flags_escalated", "flags_open", "flags_open_violation"
    )

    def flag_values(v: Values, rule: str = "") -> dict[str, Published]:
        return {
            c.key: v.count(c.key, rule, now=c.key.startswith("flags_open")) for c in flag_columns
        }

    region = Values(ctx.figures, ctx.region.code)
    per_rule = Table(
        name="signalen-per-regel",
        title=_("Signalen per regel (hele regio)"),
        note=_("Geopend, opgelost en geëscaleerd in de periode; open op de peildatum."),
        label_title=_("Regel"),
        columns=flag_columns,
        rows=[
            *(
                Row(code, str(rule.title), flag_values(region, code))
                for code, rule in sorted(RULES_BY_CODE.items(), key=lambda item: str(item[1].title))
            ),
            Row(ctx.region.code, _("Alle regels"), flag_values(region), total=True),
        ],
        chart=Chart("bar", ("flags_opened", "flags_resolved")),
        members_add_up=True,
    )
    return [
        _breakdown_table(
            ctx,
            name="aanmeldingen-experttafel",
            title=_("Aanmeldingen bij de Regionale Experttafel"),
            note=_(
                "Aangemeld en besproken in de periode (aangemeld naar bron); dagen van aanmelding "
                "tot bespreking; op de peildatum nog niet besproken (van open casussen)."
            ),
            columns=escalations,
            values=lambda v: {
                **v.columns(escalations),
                **{f"source_{s}": v.count("escalations_submitted", s) for s in EscalationSource},
                "escalations_waiting": v.count("escalations_waiting", now=True),
            },
            dimensions=CASE_DIMENSIONS,
            chart=Chart("bar", ("escalations_submitted", "escalations_discussed")),
            sums=(("escalations_submitted", sources),),
        ),
        _breakdown_table(
            ctx,
            name="besluiten-experttafel",
            title=_("Besluiten van de experttafel"),
            note=_("Besluiten genomen in een zitting in de periode, naar soort."),
            columns=decisions,
            values=lambda v: {f"decision_{k}": v.count("decisions", k) for k in DecisionKind},
            dimensions=CASE_DIMENSIONS,
            chart=Chart("bar", tuple(c.key for c in decisions), stacked=True),
        ),
        per_rule,
        _breakdown_table(
            ctx,
            name="signalen",
            title=_("Signalen, alle regels samen"),
            note=_("Geopend, opgelost en geëscaleerd in de periode; open op de peildatum."),
            columns=flag_columns,
            values=flag_values,
            dimensions=CASE_DIMENSIONS,
            chart=Chart("bar", ("flags_opened", "flags_resolved")),
        ),
    ]


# --- the overview: the region per month --------------------------------------------------------

TREND_MEASURES = [
    "youths_in_care",
    "youths_local",
    "youths_regional",
    "youths_0_17_in_care",
    "youth_population",
    "accept_wait_median",
    "start_wait_median",
    "referrals_sent",
    "outcome_accepted",
    "outcome_declined",
    "flags_opened",
    "flags_resolved",
]


def _trend_table(
    ctx: Context,
    *,
    name: str,
    title: str,
    note: str,
    columns: list[Column],
    chart: Chart,
    sums: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> Table:
    rows = []
    for month in ctx.months:
        values: dict[str, Published] = {}
        for c in columns:
            value, observations = ctx.monthly.get((c.key, ""), {}).get(month.start, (None, None))
            if c.kind == COUNT:
                values[c.key] = publish_count(value)
            elif c.kind == DAYS:
                values[c.key] = publish_days(value, observations)
            elif c.kind == PUBLIC:
                values[c.key] = None if value is None else round(value)
        rows.append(Row(month.code, month.short_label, values))
    return Table(
        name=name,
        title=title,
        note=note,
        label_title=_("Maand"),
        columns=columns,
        rows=rows,
        chart=chart,
        sums=sums,
    )


def trend_tables(ctx: Context) -> list[Table]:
    region = Values(ctx.figures, ctx.region.code)
    norms = [
        (label, region.public(measure, now=True))
        for label, measure in (
            (_("norm aanmelding"), "treeknorm_accept_days"),
            (_("norm behandeling"), "treeknorm_start_days"),
        )
    ]
    share = Column(
        "share",
        _("Aandeel"),
        "%",
        DERIVED,
        lambda v: round(100 * v["youths_0_17_in_care"] / v["youth_population"], 1)
        if is_shown(v["youths_0_17_in_care"]) and v["youth_population"]
        else None,
    )
    return [
        _trend_table(
            ctx,
            name="trend-in-zorg",
            title=_("Jeugdigen in zorg per maand"),
            note=_("Jeugdigen in een gezin met een open casus, lokaal en regionaal."),
            columns=_columns("youths_in_care", "youths_local", "youths_regional"),
            chart=Chart("line", ("youths_in_care", "youths_local", "youths_regional")),
            sums=(("youths_in_care", ("youths_local", "youths_regional")),),
        ),
        _trend_table(
            ctx,
            name="trend-aandeel",
            title=_("Aandeel jeugdigen 0–17 in zorg per maand"),
            note=_(
                "Jeugdigen 0–17 in zorg gedeeld door de CBS-jeugdbevolking (0–17). Ambitie 2030: "
                "van 1 op 6 (16,7%) naar 1 op 12 (8,3%)."
            ),
            columns=[*_columns("youths_0_17_in_care", "youth_population"), share],
            chart=Chart(
                "line",
                ("share",),
                unit="%",
                lines=((_("1 op 6"), 16.7), (_("ambitie 1 op 12"), 8.3)),
            ),
        ),
        _trend_table(
            ctx,
            name="trend-wachttijden",
            title=_("Wachttijden per maand (mediaan)"),
            note=_(
                "Aanmeldwachttijd naar de maand van toewijzing, behandelwachttijd naar de maand "
                "van de start; tegen de treeknorm."
            ),
            columns=_columns("accept_wait_median", "start_wait_median"),
            chart=Chart(
                "line",
                ("accept_wait_median", "start_wait_median"),
                unit=_("dagen"),
                lines=tuple((label, n) for label, n in norms if n is not None),
            ),
        ),
        _trend_table(
            ctx,
            name="trend-verwijzingen",
            title=_("Verwijzingen per maand"),
            note=_("Verzonden in de maand, en hoeveel daarvan nu zijn toegewezen of afgewezen."),
            columns=_columns("referrals_sent", "outcome_accepted", "outcome_declined"),
            chart=Chart("bar", ("referrals_sent", "outcome_accepted", "outcome_declined")),
        ),
        _trend_table(
            ctx,
            name="trend-signalen",
            title=_("Signalen per maand"),
            note=_("Signalen van alle regels, geopend en opgelost in de maand."),
            columns=_columns("flags_opened", "flags_resolved"),
            chart=Chart("line", ("flags_opened", "flags_resolved")),
        ),
    ]


def headline(ctx: Context, tables: list[Table]) -> list[tuple[str, Published, str]]:
    """The overview's headline figures of the period for the whole region, as shown (guarded)
    in the tables of the same view."""
    shown = {
        (t.name, c.key): next(r for r in t.rows if r.total).values[c.key]
        for t in tables
        if any(r.total for r in t.rows)
        for c in t.columns
    }
    region = Values(ctx.figures, ctx.region.code)
    ratio = shown[("in-zorg", "one_in")]
    return [
        (_("Gezinnen in zorg"), shown[("in-zorg", "families_in_care")], ""),
        (_("Jeugdigen in zorg"), shown[("in-zorg", "youths_in_care")], ""),
        (
            _("Jeugdigen 0–17 in zorg"),
            f"1 op {ratio}" if ratio else None,
            _("ambitie 2030: 1 op %(n)s") % {"n": AMBITION_ONE_IN},
        ),
        (_("Thuiszitters nu"), shown[("thuiszitters", "thuiszitters")], ""),
        (
            _("Aanmeldwachttijd (mediaan)"),
            shown[("wachttijd-aanmelding", "accept_wait_median")],
            _("dagen; norm %(n)s") % {"n": region.public("treeknorm_accept_days", now=True)},
        ),
        (
            _("Behandelwachttijd (mediaan)"),
            shown[("wachttijd-behandeling", "start_wait_median")],
            _("dagen; norm %(n)s") % {"n": region.public("treeknorm_start_days", now=True)},
        ),
        (_("Verwijzingen verzonden"), shown[("verwijzingen", "referrals_sent")], ""),
        (
            _("Wachtend zonder overbrugging"),
            shown[("wachtend-overbrugging", "waiting_youths_unbridged")],
            _("jeugdigen, op de peildatum"),
        ),
        (
            _("Aanmeldingen experttafel"),
            shown[("aanmeldingen-experttafel", "escalations_submitted")],
            "",
        ),
    ]
