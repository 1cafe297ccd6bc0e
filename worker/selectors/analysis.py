"""Reads for the analysis editor: a fixed number of queries, whatever the analysis holds.

The family comes through ``casusregie.policies.family_or_404`` (``worker.editing``): a family
outside the reader's scope is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, prefetch_related_objects

from analyses.models import Analysis, AnalysisStatus, Explanation
from casusregie.models import Case
from flags.rules import RULES_BY_CODE
from flags.selectors import open_flags_of_case

#: The rules of the rulebook whose open flags the analysis page shows.
ANALYSIS_RULES = ("REFERRAL_WITHOUT_ANALYSIS", "CRISIS_ANALYSIS_OVERDUE")


def _with_content(analysis: Analysis) -> Analysis:
    prefetch_related_objects(
        [analysis],
        "findings",
        Prefetch("explanations", queryset=Explanation.objects.prefetch_related("findings")),
        "strengths",
    )
    return analysis


@dataclass
class AnalysisPage:
    """What the editor shows: the version in force, the draft being written (may be the same
    object when version 1 is still a draft) and every version, newest first."""

    current: Analysis | None
    draft: Analysis | None
    versions: list[Analysis]
    flags: list = field(default_factory=list)

    @property
    def shown(self) -> Analysis | None:
        """The version whose content the page shows: the draft, else the current one."""
        return self.draft or self.current


def open_flags(case: Case, rules: tuple[str, ...]) -> list:
    """The case's open flags of these rules, each with its rule's Dutch title and explanation."""
    flags = list(open_flags_of_case(case).filter(rule__in=rules))
    for flag in flags:
        rule = RULES_BY_CODE.get(flag.rule)
        flag.rule_title = rule.title if rule else flag.rule
        flag.rule_explanation = rule.explanation if rule else ""
    return flags


def analysis_page(case: Case) -> AnalysisPage:
    versions = list(Analysis.objects.filter(case=case).order_by("-version"))
    current = next((a for a in versions if a.is_current), None)
    draft = next((a for a in versions if a.status == AnalysisStatus.DRAFT), None)
    page = AnalysisPage(current=current, draft=draft, versions=versions)
    if page.shown is not None:
        _with_content(page.shown)
    page.flags = open_flags(case, ANALYSIS_RULES)
    return page


def analysis_version(case: Case, version: int) -> Analysis:
    """One version of the case's analysis with its content (``Analysis.DoesNotExist``)."""
    return _with_content(Analysis.objects.get(case=case, version=version))
