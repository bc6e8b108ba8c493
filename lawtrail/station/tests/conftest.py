"""Fixtures of the live station tests: a prepared data folder per module (copied for each
test), the real server, a dock folder and the agents a test starts (killed if left running)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lawtrail.evidence.tests.live import Server, free_port
from lawtrail.station.tests.harness import Agent, Prepared, prepare_station_home


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    return prepare_station_home(tmp_path_factory.mktemp("station-live") / "home")


@pytest.fixture
def server(prepared: Prepared, tmp_path: Path) -> Iterator[Server]:
    home = tmp_path / "served"
    shutil.copytree(prepared.home, home)
    running = Server(
        home=home, port=free_port(), token=prepared.officer_token, log=tmp_path / "serve.log"
    )
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def dock(tmp_path: Path) -> Path:
    folder = tmp_path / "dock"
    folder.mkdir()
    return folder


@pytest.fixture
def agents() -> Iterator[list[Agent]]:
    started: list[Agent] = []
    yield started
    for agent in started:
        agent.ensure_stopped()
