"""Server mode: ingest and answers through a real `chroma run` server on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import ingest as ingest_cli
from bot.config import Settings
from bot.engine.answerer import Answerer
from bot.kb.index import IndexUnreachableError

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ChromaServer:
    """A `chroma run` process that a test can stop and start again on the same port and path."""

    path: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("chroma run did not come up")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma-server", free_port())
    server.start()
    yield server
    server.stop()


def server_mode(
    settings: Settings, server: ChromaServer, monkeypatch: pytest.MonkeyPatch, name: str = "kb"
) -> Settings:
    """`settings` pointed at the server, for this process (env) and for Settings built here."""
    env = {
        "KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "DATA_DIR": str(settings.data_dir),
        "CHROMA_HOST": "127.0.0.1",
        "CHROMA_PORT": str(server.port),
        "KNOWLEDGE_COLLECTION": name,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_ingest_and_answers_go_through_the_server(
    small_kb: Settings, chroma_server: ChromaServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = server_mode(small_kb, chroma_server, monkeypatch)

    assert ingest_cli.main(["--quiet"]) == 0
    assert ingest_cli.main(["--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "12 added, 0 changed, 0 removed" in out[0]
    assert "0 added, 0 changed, 0 removed (0 embedded)" in out[1]

    answer = Answerer.load(settings).ask("Wie lange dauert ein Match im LIVE?")
    assert answer.in_scope and "5 Minuten" in answer.text
    assert not settings.chroma_path.exists()  # nothing went into the embedded store

    guide = settings.knowledge_dir / "de" / "live.md"
    guide.write_text(guide.read_text(encoding="utf-8").replace("5 Minuten", "7 Minuten"), encoding="utf-8")
    assert ingest_cli.main(["--quiet"]) == 0
    assert "1 added, 1 changed, 1 removed" in capsys.readouterr().out  # the section and its edited sentence
    assert "7 Minuten" in Answerer.load(settings).ask("Wie lange dauert ein Match im LIVE?").text


def test_one_server_serves_separate_knowledge_bases(
    small_kb: Settings, chroma_server: ChromaServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    live_only = tmp_path / "client-a"
    (live_only / "de").mkdir(parents=True)
    (small_kb.knowledge_dir / "de" / "live.md").rename(live_only / "de" / "live.md")
    history_only = small_kb.knowledge_dir  # what is left: the English history guide

    client_a = server_mode(small_kb.model_copy(update={"knowledge_dir": live_only}), chroma_server, monkeypatch, "a")
    assert ingest_cli.main(["--quiet"]) == 0
    client_b = server_mode(
        small_kb.model_copy(update={"knowledge_dir": history_only}), chroma_server, monkeypatch, "a-b"
    )
    assert ingest_cli.main(["--quiet"]) == 0
    assert ingest_cli.main(["--quiet", "--rebuild"]) == 0  # b's housekeeping must leave a alone

    bot_a, bot_b = Answerer.load(client_a), Answerer.load(client_b)
    assert bot_a.ask("Wie lange dauert ein Match im LIVE?").in_scope
    assert not bot_a.ask("When did Douyin launch?").in_scope
    assert bot_b.ask("When did Douyin launch?").in_scope
    assert {s.file for s in bot_b.ask("When did Douyin launch?").sources} == {"en/history.md"}


def test_a_stopped_server_does_not_stop_answers_and_a_new_index_is_followed_when_it_is_back(
    small_kb: Settings, chroma_server: ChromaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = server_mode(small_kb, chroma_server, monkeypatch)
    assert ingest_cli.main(["--quiet"]) == 0
    answerer = Answerer.load(settings)

    chroma_server.stop()
    down = answerer.ask("Wie lange dauert ein Match im LIVE?")
    assert down.in_scope and "5 Minuten" in down.text  # the live index is searched in memory
    with pytest.raises(IndexUnreachableError):  # the bot's periodic check logs it and tries again later
        answerer.refresh()

    chroma_server.start()
    guide = settings.knowledge_dir / "de" / "live.md"
    guide.write_text(guide.read_text(encoding="utf-8").replace("5 Minuten", "7 Minuten"), encoding="utf-8")
    assert ingest_cli.main(["--quiet"]) == 0
    assert answerer.refresh()
    assert "7 Minuten" in answerer.ask("Wie lange dauert ein Match im LIVE?").text


def test_ingest_without_a_server_fails_clearly(
    small_kb: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server_mode(small_kb, ChromaServer(small_kb.data_dir, free_port()), monkeypatch)
    assert ingest_cli.main(["--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Cannot reach the Chroma server 127.0.0.1:" in err and "Traceback" not in err
