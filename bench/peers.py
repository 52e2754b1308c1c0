"""Row-level raking by a peer library, run by bench/scoring.py inside that library's own virtual environment.

Usage: python peers.py LIBRARY DATA.csv MARGINS.json  (LIBRARY is weightipy, balance or samplics)

DATA.csv has one row per response (office, respondent_type, service); MARGINS.json has, per office, the
population total of each respondent type and of each service. Every office is raked on its own to its two
margins, with the library's default convergence settings, and the time of the raking alone (from the loaded
data frame to a weight per row for every office) is printed as JSON with the largest relative gap between a
weighted margin and its target (weights rescaled to the office's population first, since libraries normalise
weights differently).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import logging
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

Margins = dict[str, dict[str, float]]


def rake_weightipy(frame: pd.DataFrame, margins: Margins) -> np.ndarray:
    import weightipy as wp

    scheme = wp.scheme_from_dict(
        {"respondent_type": margins["respondent_type"], "service": margins["service"]}
    )
    return wp.weight(frame, scheme).to_numpy(dtype=float)


def rake_balance(frame: pd.DataFrame, margins: Margins) -> np.ndarray:
    from balance.weighting_methods.rake import rake

    result = rake(
        frame[["respondent_type", "service"]],
        pd.Series(np.ones(len(frame)), index=frame.index),
        None,
        None,
        transformations=None,
        target_margins=margins,
    )
    return result["weight"].to_numpy(dtype=float)


def rake_samplics(frame: pd.DataFrame, margins: Margins) -> np.ndarray:
    from samplics.weighting import SampleWeight

    domains = {name: frame[name].to_numpy() for name in ("respondent_type", "service")}
    return np.asarray(SampleWeight().rake(samp_weight=np.ones(len(frame)), margins=domains, control=margins))


# Imported before the clock starts: import time is not weighting time.
MODULES = {
    "weightipy": "weightipy",
    "balance": "balance.weighting_methods.rake",
    "samplics": "samplics.weighting",
}
RAKERS: dict[str, Callable[[pd.DataFrame, Margins], np.ndarray]] = {
    "weightipy": rake_weightipy,
    "balance": rake_balance,
    "samplics": rake_samplics,
}


def margin_gap(frame: pd.DataFrame, weights: np.ndarray, margins: Margins) -> float:
    """Largest relative gap between a weighted margin and its target, weights rescaled to the total."""
    total = sum(margins["service"].values())
    scaled = weights * total / weights.sum()
    worst = 0.0
    for name, targets in margins.items():
        sums = pd.Series(scaled).groupby(frame[name].to_numpy()).sum()
        worst = max(worst, max(abs(sums.get(k, 0.0) - v) / v for k, v in targets.items() if v > 0))
    return float(worst)


def main(library: str, data_path: str, margins_path: str) -> None:
    """Rake every office with ``library`` and print the timing and the worst margin gap as JSON."""
    logging.disable(logging.WARNING)  # balance logs every call at INFO and WARNING level
    warnings.simplefilter("ignore")
    data = pd.read_csv(data_path, dtype={"office": str, "respondent_type": str, "service": str})
    all_margins: dict[str, Margins] = json.loads(Path(margins_path).read_text(encoding="utf-8"))
    rake = RAKERS[library]
    importlib.import_module(MODULES[library])
    started = time.perf_counter()
    weights = {office: rake(rows, all_margins[office]) for office, rows in data.groupby("office", sort=True)}
    seconds = time.perf_counter() - started
    groups = dict(list(data.groupby("office", sort=True)))
    gap = max(margin_gap(groups[o], w, all_margins[o]) for o, w in weights.items())
    versions = {name: importlib.metadata.version(name) for name in (library, "numpy", "pandas")}
    print(json.dumps({"library": library, "seconds": seconds, "max_margin_gap": gap, "versions": versions}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
