"""The improvement pages (issue 13): importing this module registers their routes on the staff blueprint.

``plans`` (improvement plans), ``official`` (official ITA results import), ``themes`` (suggestion themes),
``peers`` (each office's change) and ``downloads`` (XLSX, microdata, reports). The office page's partials get
their data from ``improvement_view``; the national page's partial calls ``improvement_national(cycle)``
(registered here), so its view needs no change.
"""

from . import bp, downloads, official, peers, plans, themes
from .improvement_view import national_distribution

bp.add_app_template_global(national_distribution, "improvement_national")

__all__ = ["downloads", "official", "peers", "plans", "themes"]
