"""``survey-app reports``: every office's analysis-and-improvement report for a cycle, in one run.

The reports are the same documents as the office page's download (PDF, and DOCX for editing), with the same
suppression below K (``SURVEY_SUPPRESS_BELOW``). The run is written to the audit trail as done by ``cli``.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..clock import local_today
from ..models import Cycle, Office
from ..services.accounts.staff import audit
from .common import cycle_option, cycle_questionnaire, fail, get_cycle, unit_of_work


@click.command("reports")
@cycle_option()
@click.option(
    "--office", "office_codes", multiple=True, help="office code (repeat for several; default: all 76)"
)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="folder to write the reports into")  # fmt: skip
@click.option(
    "--format", "formats", type=click.Choice(["pdf", "docx", "both"]), default="pdf", show_default=True
)
@with_appcontext
def reports_command(
    cycle_code: str | None, office_codes: tuple[str, ...], out_dir: Path, formats: str
) -> None:
    """Write each office's report as eit-report-CYCLE-OFFICE.pdf (and/or .docx) into OUT."""
    from ..documents.report import render_docx, render_pdf
    from ..services.improvement.reports import office_report

    kinds = ("pdf", "docx") if formats == "both" else (formats,)
    k = int(current_app.config["SUPPRESS_BELOW"])
    out_dir.mkdir(parents=True, exist_ok=True)
    with unit_of_work() as session:
        cycle = get_cycle(session, cycle_code)
        offices = list(session.scalars(select(Office).order_by(Office.code)))
        if office_codes:
            unknown = sorted(set(office_codes) - {o.code for o in offices})
            if unknown:
                fail(f"unknown office code(s): {', '.join(unknown)}")
            offices = [o for o in offices if o.code in office_codes]
        earlier = list(session.scalars(select(Cycle).where(Cycle.opens_on < cycle.opens_on)))
        questionnaire = cycle_questionnaire(cycle)
        written = 0
        for office in offices:
            report = office_report(
                session, cycle, office, questionnaire, k, local_today(), earlier, cycle_questionnaire
            )
            for kind in kinds:
                body = render_pdf(report) if kind == "pdf" else render_docx(report)
                (out_dir / f"eit-report-{cycle.code}-{office.code}.{kind}").write_bytes(body)
                written += 1
        audit(
            session,
            None,
            "reports_written",
            email="cli",
            cycle=cycle.code,
            offices=len(offices),
            files=written,
        )
    click.echo(f"{written} report files ({len(offices)} offices, {cycle.code}) written to {out_dir}")


COMMANDS = (reports_command,)
