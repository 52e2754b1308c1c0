"""The office page gives no hidden respondent type's count away through derived figures (issue 20, deliverable 4),
by the rule the results API follows (``disclosure.sizes_withheld``).

With a population frame, post-stratified weights are each cell's frame count over its response count, so the
effective sample size (Kish: (Σw)² / Σw² = (ΣN)² / Σ N_c²/n_c), the design effect and the margin of error made from
them are functions of the cells' response counts. An office's member of staff knows its own frame and the total
released; while the respondent types' counts are hidden, they try every split of the total and keep the splits whose
effective sample matches what the page shows (to the precision shown). One split left is the hidden count.

The office: 10 citizens (factory licensing, 500 served) and 1 business (mining, 300 served) released, K = 5: both
types hidden (the business is below K, the citizens are hidden with it so the total does not give it away). Before
the page followed the API's rule it showed "effective sample 5.6" (and "count as 6 answers"), which only the split
10 + 1 gives: the business's count.
"""

from __future__ import annotations

import html
import re
from fractions import Fraction

from survey_app.services.results import scores

from .staff_data import OWN, Spec, add_frame, add_responses, isolate_requests, sign_in

FRAME = {("individual", "factory_licensing"): 500, ("business", "mining"): 300}
FACT = re.compile(r"<dt>([^<]*)</dt><dd>(.*?)</dd>", re.S)
NUMBER = re.compile(r"(\d[\d,]*\.?\d*)")


def _effective(split: dict[str, int]) -> Fraction:
    """The attacker's own Kish effective sample of a post-stratified sample (one cell per type here)."""
    frame = {rtype: served for (rtype, _service), served in FRAME.items()}
    total = sum(frame.values())
    return Fraction(total**2) / sum(Fraction(frame[t] ** 2, n) for t, n in split.items())


def _splits(total: int) -> list[dict[str, int]]:
    return [{"individual": total - b, "business": b} for b in range(1, total)]


def _consistent(total: int, shown: str) -> list[dict[str, int]]:
    """The splits whose effective sample, rounded as shown, reads ``shown``."""
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    value = Fraction(shown.replace(",", ""))
    half = Fraction(1, 2 * 10**decimals)
    return [s for s in _splits(total) if abs(_effective(s) - value) <= half]


def _office(app, client, session, cycle, questionnaire):  # type: ignore[no-untyped-def]
    isolate_requests(app)
    specs = [Spec(level=3)] * 10 + [Spec(level=0, rtype="business", service="mining")]
    add_responses(session, cycle, questionnaire, OWN, specs)
    add_frame(session, cycle, OWN, FRAME)
    sign_in(client, session, "office", OWN)


def test_the_attack_finds_the_hidden_count_from_the_true_effective_sample(
    app, client, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    """So the page test can fail: the product's effective sample, shown as the page used to (one decimal), leaves
    one split, the true one."""
    _office(app, client, session, cycle, questionnaire)
    result = scores.cycle_results(session, cycle, [OWN], k=5).offices[0]
    assert result.weighting == "poststratify" and result.count == 11
    assert abs(Fraction(result.adequacy.effective_n) - Fraction(800**2, 500**2 // 10 + 300**2)) < Fraction(
        1, 10**9
    )
    assert _consistent(11, f"{result.adequacy.effective_n:.1f}") == [{"individual": 10, "business": 1}]


def test_office_page_withholds_effective_sample_margin_and_why_while_a_type_is_hidden(
    app, client, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    _office(app, client, session, cycle, questionnaire)
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    facts = {
        html.unescape(k).strip(): html.unescape(re.sub(r"<[^>]+>", "", v)) for k, v in FACT.findall(page)
    }
    effective = facts["Effective sample after weighting"]
    # The attack on what the page shows (before: "5.6 (weighting effect withheld: …)" left the one true split).
    assert [_consistent(11, n) for n in NUMBER.findall(effective.split("(")[0])] == []
    assert effective.startswith("–") and "withheld" in effective
    assert facts["Margin of error now"].strip() == "–"
    assert "margin of error ±" not in page
    assert "effective sample –" in page  # the progress chart's title
    assert "after weighting they count as" not in page  # the "why more answers" sentence
    # The API gives none of them either (the same rule).
    office = client.get(f"/staff/api/results?office={OWN}").json["offices"][0]
    assert (
        office["effective_n"] is None
        and office["margin_of_error"] is None
        and office["design_effect"] is None
    )


def test_two_splits_of_the_same_total_show_the_same_shortfall_forecast_and_progress(
    app, client, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    """Two offices with the same frame and 11 released answers, split 10 + 1 and 9 + 2 (the businesses hidden in
    both): the full shortfall, ⌈required × design effect⌉ − 11, differs between them (it gives the split), so
    what staff see of "answers still needed", its forecast, the progress and the required's rule must not."""
    from .staff_data import OTHER

    isolate_requests(app)
    for office, businesses in ((OWN, 1), (OTHER, 2)):
        specs = [Spec(level=3)] * (11 - businesses) + [
            Spec(level=0, rtype="business", service="mining")
        ] * businesses
        add_responses(session, cycle, questionnaire, office, specs)
        add_frame(session, cycle, office, FRAME)
    raw = scores.cycle_results(session, cycle, [OWN, OTHER], k=5).offices
    assert raw[0].adequacy.shortfall != raw[1].adequacy.shortfall  # so the test can fail
    sign_in(client, session, "admin")
    shown = [client.get(f"/staff/api/results?office={code}").json["offices"][0] for code in (OWN, OTHER)]
    for key in ("answers_needed", "forecast"):
        assert shown[0].get(key) == shown[1].get(key), key
    for key in ("shortfall", "binding", "adequate", "required"):
        assert shown[0]["adequacy"][key] == shown[1]["adequacy"][key], key
    assert shown[0]["answers_needed"]["count"] == raw[0].adequacy.required - 11
    pages = [client.get(f"/staff/offices/{code}?lang=en").text for code in (OWN, OTHER)]
    needed = [re.findall(r'data-needed="(\d+)"', page) for page in pages]
    assert needed[0] == needed[1] and needed[0]
    national = client.get("/staff/?lang=en").text
    rows = [
        re.search(rf'<tr class="is-\w+">\s*<td>{code}</td>(.*?)</tr>', national, re.S)
        for code in (OWN, OTHER)
    ]
    cells = [re.findall(r'data-needed="(\d+)"', row.group(1)) for row in rows if row]
    assert len(cells) == 2 and cells[0] == cells[1] == [str(raw[0].adequacy.required - 11)]
