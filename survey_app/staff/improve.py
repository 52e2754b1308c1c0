"""The improvement pages (issue 13): importing this module registers their routes on the staff blueprint.

``plans`` (improvement plans), ``official`` (official ITA results import), ``themes`` (suggestion themes) and
``downloads`` (XLSX, microdata, reports). The office page's partials get their data from ``improvement_view``;
the national page's partial calls ``improvement_national(cycle)`` (registered here), so its view needs no change.
"""

from . import bp, downloads, official, plans, themes
from .improvement_view import national_peers

bp.add_app_template_global(national_peers, "improvement_national")

__all__ = ["downloads", "official", "plans", "themes"]
