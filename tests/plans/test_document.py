"""The plan as the family sees it: the print view and the PDF of the plan and the established
analysis, in Dutch, for the case workers of the family only, every read in the access log."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from analyses import services as analyses
from casusregie.models import AccessAction, AccessLogEntry
from plans import services
from plans.models import EvaluationOutcome, GoalStatus
from tests.analyses.test_editor import draft_with
from tests.factories import EvaluationFactory, YouthFactory
from worker.pdf import FONT_DIR, RefusedURL, local_file

pytestmark = pytest.mark.django_db
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


def url(name: str, family) -> str:
    return reverse(name, kwargs={"ref": family.ref})


def today() -> dt.date:
    return timezone.localdate()


def dutch(day: dt.date) -> str:
    months = (
        "januari februari maart april mei juni juli augustus september oktober november december"
    )
    return f"{day.day} {months.split()[day.month - 1]} {day.year}"


@pytest.fixture
def plan(case, youth, carer, regisseur):
    """An established analysis, an agreed plan with a reached and an open goal, actions, a held
    evaluation (afschalen) and one overdue."""
    analysis = analyses.establish_analysis(analysis=draft_with(case, explanations=2, findings=2))
    first, second = analysis.explanations.all()
    plan = services.start_plan(case=case)
    school = services.add_goal(
        plan=plan, text="Noor gaat elke dag naar school", explanation_ids=[first.pk]
    )
    money = services.add_goal(
        plan=plan, text="De schulden zijn in beeld", explanation_ids=[first.pk, second.pk]
    )
    services.add_action(goal=school, description="Mentor bellen", owner="moeder", due_on=today())
    services.add_action(
        goal=money, description="Aanmelden schuldhulp", owner_worker=regisseur, due_on=today()
    )
    services.set_goal_status(goal=school, status=GoalStatus.REACHED, by=regisseur)
    services.agree_plan(plan=plan, agreed_on=today())
    evaluation = services.plan_evaluation(plan=plan, planned_on=today())
    services.record_evaluation(
        evaluation=evaluation,
        held_on=today(),
        notes="Noor gaat weer; minder hulp nodig",
        outcome=EvaluationOutcome.SCALE_DOWN,
        by=regisseur,
    )
    EvaluationFactory(plan=plan, planned_on=today() - dt.timedelta(days=3))
    return plan


def test_the_print_view_shows_the_plan_and_the_analysis_in_dutch(
    login, regisseur, case, youth, carer, plan
):
    response = login(regisseur).get(url("plan-print", case.family))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="nl">' in page
    assert f"Plan en verklarende analyse van gezin {case.family.ref}" in page
    assert "Noor de Jong" in page and dutch(youth.birth_date) in page
    assert "Anna de Jong" in page
    assert "Sanne Bakker" in page  # the regisseur
    # the analysis: domains with their findings, explanations, strengths
    assert "Onderwijs" in page and "Bevinding Onderwijs" in page
    assert "Jeugdhulp" in page and "Bevinding Jeugdhulp" in page
    assert page.count("stress over schulden speelt door in het verzuim") == 2
    assert "Betrokken oma in de buurt" in page
    assert f"vastgesteld op {dutch(today())}" in page
    # the plan: agreed, goals with status and actions, evaluations with outcome
    assert f"Met het gezin afgesproken op {dutch(today())}." in page
    assert "Noor gaat elke dag naar school" in page and "behaald" in page
    assert "De schulden zijn in beeld" in page and ">open<" in page
    assert "Komt voort uit verklaring 1, 2." in page
    assert "Mentor bellen" in page and "moeder" in page and "Aanmelden schuldhulp" in page
    assert "Afschalen" in page and "Noor gaat weer; minder hulp nodig" in page
    assert page.count("te laat") == 1
    assert "style=" not in page  # the Content-Security-Policy forbids inline styles
    assert "BSN" not in page and "bsn" not in page


def test_a_draft_analysis_is_not_printed(login, regisseur, case, plan):
    analyses.start_analysis(case=case)  # version 2, a draft beside the established version 1
    page = login(regisseur).get(url("plan-print", case.family)).content.decode()
    assert "Versie 1, vastgesteld op" in page and "Versie 2" not in page


def test_without_an_open_case_the_print_view_says_so(login, regisseur, case, plan):
    case.closed_on = today()
    case.save(update_fields=["closed_on"])
    client = login(regisseur)
    response = client.get(url("plan-print", case.family))
    assert response.status_code == 200
    assert "geen open casus" in response.content.decode()
    assert client.get(url("plan-pdf", case.family)).status_code == 404


def test_the_pdf_is_a_real_pdf_with_the_dutch_title(login, regisseur, case, plan):
    response = login(regisseur).get(url("plan-pdf", case.family))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="plan-{case.family.ref}.pdf"'
    data = response.content
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > 5_000
    objects = pdf_objects(data)
    pages = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", objects)]
    pages += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", objects)]
    assert pages and max(pages) >= 1
    titles = pdf_titles(objects)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "plan.pdf").write_bytes(data)  # to look at (pdftoppm), as the screenshots
    # the document's title (<title>) and the bookmark WeasyPrint made of the heading (<h1>)
    assert f"Plan en verklarende analyse – gezin {case.family.ref}" in titles
    assert f"Ons plan Plan en verklarende analyse van gezin {case.family.ref}" in titles
    assert b"+DejaVu-Sans/" in objects and b"Serif" not in objects  # the local font, embedded


def test_the_print_view_and_the_pdf_are_in_the_access_log(
    login, regisseur, case, youth, carer, plan
):
    client = login(regisseur)
    analysis = case.analyses.get()
    for name, action in (("plan-print", AccessAction.READ), ("plan-pdf", AccessAction.EXPORT)):
        before = AccessLogEntry.objects.count()
        assert client.get(url(name, case.family)).status_code == 200
        entries = list(AccessLogEntry.objects.order_by("id")[before:])
        assert {(e.object_type, e.object_ref) for e in entries} == {
            ("case", case.ref),
            ("plan", str(plan.pk)),
            ("analysis", str(analysis.pk)),
            ("youth", youth.ref),
            ("carer", carer.ref),
        }
        assert {e.action for e in entries} == {action}
        assert {e.family_ref for e in entries} == {case.family.ref}
        assert all(e.actor.startswith(regisseur.ref) for e in entries)
        assert {e.purpose for e in entries} == {
            "regie en hulpverlening: plan en analyse voor het gezinsgesprek"
        }


def test_a_stranger_gets_a_404_and_leaves_no_read(
    client, login, case, plan, other_team_worker, policy_worker
):
    before = AccessLogEntry.objects.count()
    for user in (other_team_worker, policy_worker):
        for name in ("plan-print", "plan-pdf"):
            assert login(user, on=client).get(url(name, case.family)).status_code == 404
    assert AccessLogEntry.objects.count() == before


# session, user, OTP device, roles; the family with its youths and cases; the permission; the
# established analysis with its findings, explanations and strengths; the plan with its goals,
# their explanations and actions, and its evaluations; the regisseur; the carers; the access log
# (the entries, the chain's seal); saving the session (in a savepoint: three statements)
PRINT_QUERIES = 24


def test_the_print_view_has_a_constant_number_of_queries(
    login, regisseur, case, plan, django_assert_num_queries
):
    client = login(regisseur)
    client.get(url("plan-print", case.family))  # warm up (session, content types)
    with django_assert_num_queries(PRINT_QUERIES):
        assert client.get(url("plan-print", case.family)).status_code == 200
    explanation = case.analyses.get().explanations.first()
    for n in range(4):
        goal = services.add_goal(plan=plan, text=f"Doel {n}", explanation_ids=[explanation.pk])
        services.add_action(goal=goal, description=f"Actie {n}", owner="vader", due_on=today())
        EvaluationFactory(plan=plan, planned_on=today() + dt.timedelta(days=n + 1))
    YouthFactory(family=case.family)
    with django_assert_num_queries(PRINT_QUERIES):
        assert client.get(url("plan-print", case.family)).status_code == 200


# --- the renderer reads nothing but the static files and the local fonts ------------------------


def test_the_renderer_reads_the_static_stylesheet_and_the_local_fonts():
    assert local_file("https://casusregie.invalid/static/plans/document.css").name == (
        "document.css"
    )
    font = FONT_DIR / "DejaVuSans.ttf"
    if font.exists():
        assert local_file(font.as_uri()) == font.resolve()


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:8000/static/plans/document.css",
        "https://example.org/font.ttf",
        "https://casusregie.invalid/gezinnen/",
        "https://casusregie.invalid/static/../config/settings.py",
        "https://casusregie.invalid/static/%2e%2e/config/settings.py",
        "file:///etc/passwd",
        f"file://{FONT_DIR}/../../../../etc/passwd",
        "file://otherhost/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "ftp://example.org/x",
        "data:text/css,body{}",
    ],
)
def test_the_renderer_refuses_every_other_address(address):
    with pytest.raises(RefusedURL):
        local_file(address)


# --- reading a PDF without a PDF library --------------------------------------------------------


def pdf_objects(data: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated (object streams hold the objects)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        start = match.end()
        end = data.find(b"endstream", start)
        try:
            parts.append(zlib.decompressobj().decompress(data[start:end]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def pdf_titles(objects: bytes) -> set[str]:
    """Every /Title in the PDF: the document's (its metadata) and its bookmarks'."""
    return {
        pdf_string(m.group(1))
        for m in re.finditer(rb"/Title\s*(<[0-9A-Fa-f\s]+>|\((?:[^()\\]|\\.)*\))", objects)
    }


def pdf_string(raw: bytes) -> str:
    value = bytes.fromhex(raw[1:-1].decode()) if raw.startswith(b"<") else raw[1:-1]
    return value.decode("utf-16") if value.startswith(b"\xfe\xff") else value.decode("latin-1")


def test_the_editor_and_the_family_page_link_to_the_print_view_and_the_pdf(
    login, regisseur, case, plan
):
    client = login(regisseur)
    for page in ("plan-editor", "family-detail"):
        content = client.get(url(page, case.family)).content.decode()
        assert f'href="{url("plan-print", case.family)}"' in content, page
        assert f'href="{url("plan-pdf", case.family)}"' in content, page
