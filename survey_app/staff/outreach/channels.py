"""The share page of an office's channel links ``/staff/offices/<code>/channels``: for LINE, Facebook, the office
website, the counter kiosk and named events, a signed link with its short code and QR, a ready Thai message, a LINE
share link and the plain link to copy; create one per channel (events by name). Revoking and re-issuing use the
poster links' own endpoints (:mod:`survey_app.staff.links`), which come back here for a channel link.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from ...db import db
from ...models import LinkChannel, SurveyLink
from ...services.accounts.staff import audit
from ...services.outreach import channels
from ...services.outreach import links as link_service
from ...tokens import link_url, poster_short_code, short_code_url
from .. import bp
from ..access import staff_required, writer_required
from ..context import required_cycle, visible_office


def channel_labels() -> dict[str, str]:
    """Every channel's name in the page's language, in the order pages list them."""
    return {
        "poster": _("QR poster"),
        "email": _("Email invitation"),
        "line": _("LINE"),
        "facebook": _("Facebook page"),
        "website": _("Office website"),
        "kiosk": _("Counter kiosk"),
        "event": _("Event"),
    }


def _share(link: SurveyLink, office_name_th: str) -> channels.Share:
    return channels.share(
        link.channel, office_name_th, link_url(link), short_code_url(), poster_short_code(link), link.label
    )


@bp.get("/offices/<code>/channels")
@staff_required
def office_channels(code: str) -> str:
    """Every channel link of the office in the chosen cycle, with what to post where."""
    office = visible_office(code)
    cycle = required_cycle()
    found = link_service.list_channel_links(db.session, cycle.id, office.code)
    by_channel = {c.value: [link for link in found if link.channel == c] for c in channels.SHARE_CHANNELS}
    shares = {link.id: _share(link, office.name_th) for link in found if link.active}
    return render_template(
        "staff/channels.html", office=office, cycle=cycle, by_channel=by_channel, shares=shares,
        labels=channel_labels(), can_write=current_user.can_write,
    )  # fmt: skip


@bp.post("/offices/<code>/channels")
@writer_required
def office_channels_create(code: str) -> BaseResponse:
    """Create the link of one channel (an event's by its name), or find the existing one."""
    office = visible_office(code)
    cycle = required_cycle()
    channel = request.form.get("channel", "")
    try:
        link, created = link_service.create_channel_link(
            db.session, cycle, office.code, channel, request.form.get("label", "")
        )
    except link_service.LinkError:
        if channel == LinkChannel.EVENT:
            flash(_("Give the event a name (at most 80 characters) to create its link."), "error")
            return redirect(url_for("staff.office_channels", code=office.code, cycle=cycle.code))
        abort(400)
    if created:
        audit(db.session, current_user, "link_created", office.code, cycle=cycle.code, channel=channel)
        flash(_("The link was created. Share it with the message below."), "info")
    db.session.commit()
    return redirect(
        url_for("staff.office_channels", code=office.code, cycle=cycle.code, _anchor=f"link-{link.id}")
    )
