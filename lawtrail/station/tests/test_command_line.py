"""``lawtrail station run``: bad arguments exit 2 with one sentence; the agent loads no Django."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from lawtrail.cli import main


@pytest.fixture
def watch(tmp_path: Path) -> Path:
    folder = tmp_path / "dock"
    folder.mkdir()
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["station", "run", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--server", "ftp://x", "--token", "t"], "--server must be the server's address"),
        (["--server", "https://user:pw@x", "--token", "t"], "without a query"),
        (["--server", "http://x:99999", "--token", "t"], "bad port"),
        (["--server", "http://x", "--token", "t", "--parallel", "0"], "--parallel is a whole"),
        (["--server", "http://x", "--token", "t", "--parallel", "many"], "not 'many'"),
        (["--server", "http://x", "--token", "t", "--stable-seconds", "-1"], "number of seconds"),
        (["--server", "http://x", "--token", "t", "--stable-seconds", "nan"], "number of seconds"),
        (["--server", "http://x", "--token", "t", "--layout", "{who}.mp4"], "unknown placeholder"),
        (["--server", "http://x", "--token", "t", "--chunk-mib", "0"], "--chunk-mib"),
        (["--server", "http://x", "--token", "two words"], "spaces or odd characters"),
        (["--server", "http://x"], "Give the station's token"),
        (["--server", "http://x", "--token", "t", "--ca-file", "/x"], "need an https://"),
    ],
)
def test_a_bad_argument_exits_2_with_a_sentence(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    watch: Path,
    args: list[str],
    says: str,
) -> None:
    monkeypatch.delenv("LAWTRAIL_STATION_TOKEN", raising=False)
    code, err = run(capsys, *args, "--watch", str(watch), "--journal", str(tmp_path / "j"))
    assert code == 2
    assert says in err
    assert err.startswith("lawtrail: ") and err.count("\n") == 1


def test_the_watch_folder_and_the_journal_are_checked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, watch: Path
) -> None:
    base = ["--server", "http://127.0.0.1:9", "--token", "t"]
    code, err = run(capsys, *base, "--watch", str(tmp_path / "nowhere"))
    assert (code, "no such folder" in err) == (2, True)
    code, err = run(capsys, *base, "--watch", str(watch), "--journal", str(watch / "j.sqlite3"))
    assert (code, "inside the watch folder" in err) == (2, True)
    not_a_journal = tmp_path / "notes.txt"
    not_a_journal.write_text("my notes")
    code, err = run(capsys, *base, "--watch", str(watch), "--journal", str(not_a_journal))
    assert (code, "not a journal" in err) == (2, True)
    token_file = tmp_path / "token"
    token_file.write_text("t\n")
    code, err = run(capsys, *base, "--token-file", str(token_file), "--watch", str(watch))
    assert (code, "not both" in err) == (2, True)


def test_a_missing_required_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "--token", "t")
    assert code == 2
    assert "--server" in err


def test_the_agent_imports_no_django() -> None:
    """DESIGN.md: the station is a client on the dock PC; it speaks HTTP and imports no Django."""
    probe = (
        "import sys; from lawtrail.cli import build_parser; build_parser(); "
        "import lawtrail.station.agent, lawtrail.station.commands; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'tusclient')); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_python_dash_m_runs_the_agent_too() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lawtrail.station", "run", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "--stable-seconds" in done.stdout


def test_a_second_agent_on_the_same_journal_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, watch: Path
) -> None:
    from lawtrail.station.journal import Journal

    journal = Journal(tmp_path / "j.sqlite3")
    try:
        code, err = run(
            capsys, "--server", "http://127.0.0.1:9", "--token", "t", "--watch", str(watch),
            "--journal", str(tmp_path / "j.sqlite3"),
        )  # fmt: skip
    finally:
        journal.close()
        logging.getLogger("lawtrail.station").handlers.clear()
    assert code == 2
    assert "Another agent is running with the journal" in err
