"""The improvement pages (issue 13): importing this module registers their routes on the staff blueprint.

``plans`` (improvement plans), ``official`` (official ITA results import) and ``downloads`` (XLSX, microdata,
reports); the office page's partials get their data from ``improvement_view``.
"""

from . import downloads, official, plans

__all__ = ["downloads", "official", "plans"]
