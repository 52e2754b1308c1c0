"""Poster links of an office: list, create, revoke, re-issue; QR codes (PNG, SVG) and posters (PDF) to download.

Everyone who may see the office sees its links and downloads its codes; viewers change nothing. Downloads are
GETs that never write (a poster is only printed for a link that exists); the all-offices posters of an admin are
a POST because they create the links still missing. Link changes and poster batches are audited.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from ...db import db
from ...documents import posters, qr
from ...models import Audience, Cycle, LinkChannel, SurveyLink
from ...services.accounts.staff import audit
from ...services.outreach import links as link_service
from ...services.outreach.posters import cycle_posters, poster
from ...tokens import link_url, poster_short_code, poster_url, short_code_url
from .. import bp
from ..access import admin_required, staff_required, writer_required
from ..context import required_cycle, visible_office


def _download(data: bytes, mimetype: str, filename: str, inline: bool = False) -> Response:
    headers = {
        "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{filename}"',
        "Cache-Control": "private, no-store",
    }
    return Response(data, mimetype=mimetype, headers=headers)


def _office_link(code: str, link_id: int) -> SurveyLink:
    """The link ``link_id`` of office ``code`` (which the user may see); 404 for anything else."""
    visible_office(code)
    link = db.session.get(SurveyLink, link_id)
    if link is None or link.office_code != code:
        abort(404)
    return link


def _confirmed() -> bool:
    """Whether the box "printed posters stop working" was ticked (the browser requires it; this is for others)."""
    if request.form.get("confirm") == "1":
        return True
    flash(_("Tick the box to confirm: posters printed with this link will stop working."), "error")
    return False


def _back(code: str, cycle: Cycle, link: SurveyLink | None = None) -> BaseResponse:
    """To the posters page, or for a channel link to the share page."""
    if link is not None and link.channel != LinkChannel.POSTER:
        return redirect(url_for("staff.office_channels", code=code, cycle=cycle.code))
    return redirect(url_for("staff.office_links", code=code, cycle=cycle.code))


def _kind(link: SurveyLink) -> str:
    """What a link is for, in file names and the audit log: its audience (posters) or its channel."""
    return link.audience or link.channel


@bp.get("/offices/<code>/links")
@staff_required
def office_links(code: str) -> str:
    """The office's poster links in the chosen cycle, one row per audience."""
    office = visible_office(code)
    cycle = required_cycle()
    existing = {link.audience: link for link in link_service.list_links(db.session, cycle.id, office.code)}
    rows = [(audience, existing.get(audience.value)) for audience in Audience]
    urls = {link.id: poster_url(link) for link in existing.values() if link.active}
    codes = {link.id: poster_short_code(link) for link in existing.values() if link.active}
    return render_template(
        "staff/links.html", office=office, cycle=cycle, rows=rows, urls=urls, codes=codes,
        code_url=short_code_url(), can_write=current_user.can_write,
    )  # fmt: skip


@bp.post("/offices/<code>/links")
@writer_required
def office_links_create(code: str) -> BaseResponse:
    """Create the link of one audience (or find the existing one)."""
    office = visible_office(code)
    cycle = required_cycle()
    audience = request.form.get("audience", "")
    try:
        _link, created = link_service.create_poster_link(db.session, cycle, office.code, audience)
    except link_service.LinkError:
        abort(400)
    if created:
        audit(db.session, current_user, "link_created", office.code, cycle=cycle.code, audience=audience)
        flash(_("The link was created. Download its poster and put it up at the counter."), "info")
    db.session.commit()
    return _back(office.code, cycle)


@bp.post("/offices/<code>/links/<int:link_id>/revoke")
@writer_required
def office_links_revoke(code: str, link_id: int) -> BaseResponse:
    """Withdraw a link: its printed posters stop working at once and say so."""
    link = _office_link(code, link_id)
    cycle = db.session.get_one(Cycle, link.cycle_id)
    if link.active and not _confirmed():
        return _back(code, cycle, link)
    if link.active:
        link_service.revoke_link(db.session, link)
        audit(db.session, current_user, "link_revoked", code, cycle=cycle.code, audience=_kind(link),
              version=link.version)  # fmt: skip
        db.session.commit()
        flash(_("The link was revoked: posters printed with it no longer open the survey."), "info")
    return _back(code, cycle, link)


@bp.post("/offices/<code>/links/<int:link_id>/reissue")
@writer_required
def office_links_reissue(code: str, link_id: int) -> BaseResponse:
    """Give the link a new token: older posters stop working; print the new poster."""
    link = _office_link(code, link_id)
    cycle = db.session.get_one(Cycle, link.cycle_id)
    if link.active and not _confirmed():
        return _back(code, cycle, link)
    link_service.reissue_link(db.session, link)
    audit(db.session, current_user, "link_reissued", code, cycle=cycle.code, audience=_kind(link),
          version=link.version)  # fmt: skip
    db.session.commit()
    flash(
        _("A new link was issued. Print its poster and replace the old ones, which no longer work."), "info"
    )
    return _back(code, cycle, link)


@bp.get("/offices/<code>/links/<int:link_id>/qr.<kind>")
@staff_required
def office_links_qr(code: str, link_id: int, kind: str) -> Response:
    """The QR code of an active link as PNG or SVG (shown in the page with ``?inline=1``)."""
    link = _office_link(code, link_id)
    if not link.active or kind not in ("png", "svg"):
        abort(404)
    url = link_url(link)
    name = f"qr-{code}-{_kind(link)}-v{link.version}.{kind}"
    inline = request.args.get("inline") == "1"
    if kind == "png":
        return _download(qr.png(url), "image/png", name, inline)
    return _download(qr.svg(url), "image/svg+xml", name, inline)


@bp.get("/offices/<code>/links/<int:link_id>/poster.pdf")
@staff_required
def office_links_poster(code: str, link_id: int) -> Response:
    """The A4 poster of an active link."""
    link = _office_link(code, link_id)
    if not link.active or link.channel != LinkChannel.POSTER:
        abort(404)
    office = visible_office(code)
    cycle = db.session.get_one(Cycle, link.cycle_id)
    data = posters.render([poster(office, cycle, link)], title=f"{office.name_en} {cycle.code}")
    return _download(
        data, "application/pdf", f"poster-{cycle.code}-{code}-{link.audience}-v{link.version}.pdf"
    )


@bp.post("/posters/all.pdf")
@admin_required
def all_posters() -> Response:
    """Every office's posters (citizens and businesses) in one PDF, creating the links still missing."""
    cycle = required_cycle()
    pages = cycle_posters(db.session, cycle)
    if not pages:
        abort(404)
    audit(
        db.session,
        current_user,
        "posters_printed",
        cycle=cycle.code,
        offices=len({p.office_code for p in pages}),
    )
    db.session.commit()
    data = posters.render(pages, title=f"EIT posters {cycle.code}")
    return _download(data, "application/pdf", f"posters-{cycle.code}-all.pdf")
