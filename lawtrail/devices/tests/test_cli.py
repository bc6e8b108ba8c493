"""``lawtrail station register|revoke|list`` and ``lawtrail device register|assign|status|list``:
the acting login is named with --as; bad input exits 2 with a sentence and changes nothing."""

from __future__ import annotations

import json

import pytest

from lawtrail.cli import main
from lawtrail.devices.models import Device, Station
from lawtrail.devices.tests.helpers import Crew, bearer, counts, post


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_station_register_prints_the_token_alone_on_the_last_line(
    crew: Crew, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(
        capsys, "station", "register", "--agency", "610102", "--name", "新城区采集站01",
        "--location", "二楼设备室", "--latitude", "34.2686", "--longitude", "108.963",
        "--as", "equipment_a",
    )  # fmt: skip
    assert status == 0, err
    token = out.splitlines()[-1]
    station = Station.objects.get()
    assert f"station-{station.pk}" in out and str(station.latitude) == "34.268600"
    assert post(bearer(token), "/api/v1/stations/me/heartbeat", {}).status_code == 200
    status, out, err = run(capsys, "station", "list", "--json")
    assert status == 0 and json.loads(out)[0]["state"] == "online"
    status, out, err = run(capsys, "station", "revoke", str(station.pk), "--as", "equipment_a")
    assert status == 0, err
    assert post(bearer(token), "/api/v1/stations/me/heartbeat", {}).status_code == 401
    assert "revoked" in run(capsys, "station", "list")[1]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["station", "register", "--agency", "610102", "--name", "站"], "--as"),
        (["station", "register", "--agency", "610102", "--name", "站", "--as", "ghost"],
         "no user"),
        (["station", "register", "--agency", "610102", "--name", "站", "--as", "officer_a"],
         "equipment managers"),
        (["station", "register", "--agency", "999999", "--name", "站", "--as", "admin"],
         "No agency"),
        (["station", "register", "--agency", "610102", "--name", "站", "--latitude", "x",
          "--longitude", "1", "--as", "admin"], "latitude"),
        (["station", "revoke", "42", "--as", "admin"], "no station"),
        (["device", "register", "X 1", "--kind", "camera", "--agency", "610102", "--as",
          "equipment_a"], "serial number"),
        (["device", "register", "X-1", "--kind", "drone", "--agency", "610102", "--as",
          "equipment_a"], "Unknown kind"),
        (["device", "assign", "NOPE", "--officer", "officer_a", "--as", "equipment_a"],
         "No device"),
        (["device", "assign", "DSJ-XC-0001", "--as", "equipment_a"], "--nobody"),
        (["device", "assign", "DSJ-XC-0001", "--officer", "officer_a2", "--as", "equipment_a"],
         "Say why"),
        (["device", "status", "DSJ-XC-0001", "retired", "--reason", "x", "--as", "head_a"],
         "equipment managers"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_a_sentence_and_changes_nothing(
    crew: Crew, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    crew.device("DSJ-XC-0001", crew.p.officer_a)
    before = counts()
    status, out, err = run(capsys, *argv)
    assert status == 2, (out, err)
    assert err.startswith("lawtrail: ") and says in err
    assert counts() == before


def test_device_register_assign_status_and_list(
    crew: Crew, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(
        capsys, "device", "register", "DSJ-XC-0500", "--kind", "body_camera", "--agency",
        "610102", "--model", "V9", "--officer", "61010200001", "--as", "equipment_a",
    )[0] == 0  # fmt: skip
    assert Device.objects.get(serial="DSJ-XC-0500").holder == crew.p.officer_a
    status, _out, err = run(
        capsys, "device", "assign", "DSJ-XC-0500", "--officer", "officer_a2", "--reason", "调岗",
        "--as", "equipment_a",
    )  # fmt: skip
    assert status == 0, err
    status, _out, err = run(
        capsys, "device", "assign", "DSJ-XC-0500", "--nobody", "--reason", "收回",
        "--as", "equipment_a",
    )  # fmt: skip
    assert status == 0, err
    status, _out, err = run(
        capsys, "device", "status", "DSJ-XC-0500", "in_repair", "--reason", "送修",
        "--as", "equipment_a",
    )  # fmt: skip
    assert status == 0, err
    status, out, _err = run(capsys, "device", "list", "--json")
    [row] = json.loads(out)
    assert (row["serial"], row["status"], row["assigned_to"]) == ("DSJ-XC-0500", "in_repair", None)
    status, out, _err = run(capsys, "device", "list", "--agency", "610103")
    assert out == ""
