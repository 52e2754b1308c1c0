"""Improvement plans through HTTP on both databases: office staff record measures for their own office only,
viewers read, admins see every office's progress, bad input changes nothing, and every change is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from survey_app.models import AuditEvent, CycleState, ImprovementMeasure
from tests.helpers import csrf_token

from .staff_data import OTHER, OWN, isolate_requests, sign_in


@pytest.fixture(autouse=True)
def _isolated(app) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)


def _add(client, office: str, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/staff/offices/{office}/plan?lang=en")
    data = {"item": "E4", "action": "ตั้งจุดรับเรื่องร้องเรียน", "owner": "หัวหน้าฝ่าย", "due_on": "31/03/2570"}
    data.update(fields)
    return client.post(
        f"/staff/offices/{office}/plan?lang=en", data={**data, "csrf_token": csrf_token(page.text)}
    )


def _measures(session) -> list[ImprovementMeasure]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(ImprovementMeasure)))


def test_office_staff_add_a_measure_and_change_its_status_each_audited(client, session, cycle) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "office", OWN)
    assert _add(client, OWN).status_code == 302
    [measure] = _measures(session)
    assert (measure.office_code, measure.item, measure.status) == (OWN, "E4", "planned")
    assert measure.due_on == dt.date(2027, 3, 31)
    page = client.get(f"/staff/offices/{OWN}/plan?lang=en")
    assert "ตั้งจุดรับเรื่องร้องเรียน" in page.text
    response = client.post(
        f"/staff/offices/{OWN}/plan/{measure.id}/status",
        data={"status": "done", "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302
    assert _measures(session)[0].status == "done"
    actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("plan_%"))))
    assert sorted(actions) == ["plan_add", "plan_status"]
    office_page = client.get(f"/staff/offices/{OWN}?lang=en").text
    assert "1 measures, 1 done." in office_page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"item": "E99"}, "Check the fields marked below"),
        ({"action": ""}, "Check the fields marked below"),
        ({"owner": "x" * 201}, "Check the fields marked below"),
        ({"due_on": "31/03/2027"}, "2027 is a year of the Christian era: type the Buddhist-era year 2570."),
        ({"due_on": "31/03/3113"}, "543 seems to have been added twice. Type 2570."),
        ({"due_on": "31/02/2570"}, "That day does not exist in that month."),
    ],
)
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the database plays no part
def test_a_bad_measure_is_refused_with_a_message_and_stores_nothing(
    client, session, cycle, fields, message, backend
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "office", OWN)
    response = _add(client, OWN, **fields)
    assert response.status_code == 400 and message in response.text
    assert _measures(session) == []
    thai = client.get(f"/staff/offices/{OWN}/plan?lang=th")
    assert "แผนการปรับปรุง" in thai.text


def test_another_offices_plan_is_404_and_viewers_cannot_write(client, session, cycle) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "office", OWN)
    assert client.get(f"/staff/offices/{OTHER}/plan").status_code == 404
    page = client.get(f"/staff/offices/{OWN}/plan")
    token = csrf_token(page.text)
    refused = client.post(
        f"/staff/offices/{OTHER}/plan", data={"item": "E1", "action": "x", "owner": "y", "due_on": "01/01/2570",
                                              "csrf_token": token},
    )  # fmt: skip
    assert refused.status_code == 404
    assert client.get("/staff/plans").status_code == 403
    assert _measures(session) == []
    viewer = client.application.test_client()
    sign_in(viewer, session, "viewer")
    assert viewer.get(f"/staff/offices/{OWN}/plan").status_code == 200
    page = viewer.get(f"/staff/offices/{OWN}/plan").text
    assert viewer.post(f"/staff/offices/{OWN}/plan", data={"csrf_token": csrf_token(page)}).status_code == 403


def test_admins_see_every_offices_progress(client, session, cycle) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    assert _add(client, OWN).status_code == 302
    assert _add(client, OWN, item="E13", due_on="01/01/2563").status_code == 302
    assert _add(client, OTHER).status_code == 302
    page = client.get("/staff/plans?lang=en").text
    row = page.split(f'id="plan-{OWN}"')[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
    # planned, in progress, done, dropped, overdue (due 2020), % done
    assert cells == ["2", "0", "0", "0", "1", "0"]
    assert (
        session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "plan_add"))
        == 3
    )


def test_a_closed_cycle_refuses_changes(client, session, cycle) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "office", OWN)
    assert _add(client, OWN).status_code == 302
    cycle.state = CycleState.CLOSED.value
    session.merge(cycle)
    session.commit()
    measure = _measures(session)[0]
    page = client.get(f"/staff/offices/{OWN}/plan?lang=en")
    assert "can no longer change" in page.text and "Add a measure" not in page.text
    response = client.post(
        f"/staff/offices/{OWN}/plan/{measure.id}/status?lang=en",
        data={"status": "done", "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 409
    assert _measures(session)[0].status == "planned"


def test_a_measure_is_overdue_by_the_bangkok_date_even_before_utc_midnight(session, cycle) -> None:  # type: ignore[no-untyped-def]
    from survey_app.clock import local_today
    from survey_app.services.improvement import plans

    due = dt.date(2026, 11, 30)
    session.add(ImprovementMeasure(cycle_id=cycle.id, office_code=OWN, item="E1", action="x", owner="y",
                                   due_on=due, status="in_progress"))  # fmt: skip
    session.commit()
    # 30 Nov 2026 23:30 UTC is already 1 Dec 06:30 in Bangkok: the measure due on 30 Nov is overdue there.
    bangkok = local_today(dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC))
    assert bangkok == dt.date(2026, 12, 1)
    assert plans.progress(session, cycle.id, bangkok)[OWN].overdue == 1
    assert (
        plans.progress(session, cycle.id, local_today(dt.datetime(2026, 11, 30, 16, 59, tzinfo=dt.UTC)))[
            OWN
        ].overdue
        == 0
    ), "16:59 UTC is 23:59 on 30 Nov in Bangkok: still due today"
