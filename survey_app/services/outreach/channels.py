"""What an office hands out on each channel: a ready Thai message, a LINE share link, the plain survey link.

Channel links (:func:`survey_app.services.links.create_channel_link`) are signed like posters; this module only
writes the words that go with them. Messages are in Thai: they go to the office's own LINE groups, Facebook page,
website and events, whose audience reads Thai. They name the office, say the survey is anonymous and short, and end
with the link (and, where people may have to type it, the short code).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from ...models import LinkChannel

LINE_SHARE = "https://line.me/R/share?text="

# The channels a share page offers, in the order it shows them (posters have their own page).
SHARE_CHANNELS = (
    LinkChannel.LINE,
    LinkChannel.FACEBOOK,
    LinkChannel.WEBSITE,
    LinkChannel.KIOSK,
    LinkChannel.EVENT,
)

_INVITE = "ใช้เวลาประมาณ 2 นาที ไม่ต้องระบุชื่อ คำตอบของท่านช่วยให้สำนักงานปรับปรุงการให้บริการ"
_MESSAGES = {
    LinkChannel.LINE: "ขอเชิญร่วมประเมินการให้บริการของ{office} " + _INVITE + "\n{url}",
    LinkChannel.FACEBOOK: (
        "{office} ขอเชิญทุกท่านที่เคยมาติดต่อ ร่วมประเมินการให้บริการของเรา " + _INVITE + "\n👉 {url}"
    ),
    LinkChannel.WEBSITE: "แบบประเมินการให้บริการของ{office} (ไม่ระบุตัวตน ใช้เวลาประมาณ 2 นาที): {url}",
    LinkChannel.KIOSK: (
        "ร่วมประเมินการให้บริการของ{office} ได้ที่แท็บเล็ตหน้าเคาน์เตอร์นี้ ไม่ต้องระบุชื่อ ใช้เวลาประมาณ 2 นาที "
        "แท็บเล็ตจะลบคำตอบของท่านทันทีที่ส่ง"
    ),
    LinkChannel.EVENT: "ขอเชิญผู้ร่วมงาน{event} ร่วมประเมินการให้บริการของ{office} " + _INVITE + "\n{url}",
}


@dataclass(frozen=True)
class Share:
    """Everything a share page shows for one active channel link."""

    message: str
    line_url: str
    url: str
    short_code: str


def message(channel: str, office_name_th: str, url: str, code_url: str, code: str, event: str = "") -> str:
    """The ready Thai message for ``channel``, with the survey ``url`` and the typed fallback (``code_url`` and
    ``code``) on a line of its own; for the kiosk, the sign put up beside the tablet (no link: staff open it)."""
    text = _MESSAGES[LinkChannel(channel)].format(office=office_name_th, url=url, event=event)
    if channel == LinkChannel.KIOSK:
        return text
    return f"{text}\nหรือพิมพ์รหัส {code} ที่ {code_url}"


def line_share_url(text: str) -> str:
    """LINE's share link: opens LINE with ``text`` ready to send to a chat or group."""
    return LINE_SHARE + quote(text, safe="")


def share(channel: str, office_name_th: str, url: str, code_url: str, code: str, event: str = "") -> Share:
    """The share page's entry of one active channel link."""
    text = message(channel, office_name_th, url, code_url, code, event)
    return Share(text, line_share_url(text), url, code)
