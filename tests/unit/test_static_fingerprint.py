"""Static URLs carry a fingerprint of the file, so browsers may cache them for a year and still get a changed file."""

from __future__ import annotations

import os
import re
from pathlib import Path

from survey_app import create_app
from survey_app.templating import static_version


def test_a_changed_file_gets_a_new_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "site.css").write_text("body { color: black }")
    first = static_version(str(tmp_path), "site.css")
    (tmp_path / "site.css").write_text("body { color: navy }")
    os.utime(tmp_path / "site.css", ns=(1, 2_000_000_000))  # a new mtime even on a coarse clock
    second = static_version(str(tmp_path), "site.css")
    assert first and second and first != second and re.fullmatch("[0-9a-f]{10}", second)
    assert static_version(str(tmp_path), "missing.css") is None


def test_url_for_static_carries_the_fingerprint_of_the_shipped_file(tmp_path: Path) -> None:
    from flask import url_for

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "k"})
    with app.test_request_context():
        url = url_for("static", filename="site.css")
    assert app.static_folder
    assert url == f"/static/site.css?v={static_version(app.static_folder, 'site.css')}"
    assert app.test_client().get(url).status_code == 200
