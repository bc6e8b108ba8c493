"""Plain lines for a service manager, progress bars on a terminal (issue 5 §3)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from lawtrail.station import display


@pytest.fixture(autouse=True)
def no_handlers_left() -> Iterator[None]:
    """``setup`` gives the agent's logger a handler on this test's stderr; take it away."""
    yield
    logging.getLogger("lawtrail.station").handlers.clear()


def test_without_a_terminal_the_agent_logs_plain_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(display, "on_terminal", lambda: False)
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    shown = display.setup()
    assert isinstance(shown, display.Quiet)
    display.log.info("CAM1: docked")
    line = capsys.readouterr().err
    assert line.endswith(" INFO CAM1: docked\n") and line[:4].isdigit()  # a time stamp first


def test_under_systemd_the_journal_adds_the_time(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(display, "on_terminal", lambda: False)
    monkeypatch.setenv("JOURNAL_STREAM", "8:1234")
    display.setup()
    display.log.warning("server unreachable")
    assert capsys.readouterr().err == "WARNING server unreachable\n"


def test_on_a_terminal_each_file_has_a_bar() -> None:
    bars = display.Bars()
    bars.console.file = io.StringIO()
    with bars:
        bars.begin("CAM1/a.MP4", "CAM1 sending DSJ0001_61010200001_20250301080000_0001.MP4", 100)
        bars.advance("CAM1/a.MP4", 40)
        [task] = bars.progress.tasks
        assert task.completed == 40
        assert "…" in task.description  # long names keep their start and end
        bars.end("CAM1/a.MP4")
        assert bars.progress.tasks == []
