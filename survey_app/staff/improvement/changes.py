"""``/staff/changes[?region=R]``: each office's EIT and its change since the last cycle and since its first shown
month, nationally or for one region, for admins and viewers (linked from the national page's distribution)."""

from __future__ import annotations

from flask import render_template, request

from ...models import Role
from .. import bp
from ..access import roles_required
from ..context import k_threshold, required_cycle
from .sections import national_changes


@bp.get("/changes")
@roles_required(Role.ADMIN, Role.VIEWER)
def office_changes() -> str:
    """The change table (computing every office's first month costs about a second on a large cycle)."""
    cycle = required_cycle()
    region = (request.args.get("region") or "").strip()
    return render_template(
        "staff/changes.html", cycle=cycle, k=k_threshold(), **national_changes(cycle, region)
    )
