"""The `llm` tier's fixtures: a real llama.cpp server with SmolLM2-135M, offline.

The server runs as a child process (`python -m demo.local_model`), not inside the
pytest process: a native crash or a hang then costs one fixture, not the whole run, and
llama.cpp's threads and log stay out of the way of Django's live server and the browser
tests. Starting it takes well under a second.
"""

from __future__ import annotations

import contextlib
import importlib.util
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from completions.models import Provider
from demo.local_model import (
    INSTALL_COMMAND,
    MODEL_ID,
    LocalModelUnavailable,
    model_path,
    wait_until_ready,
)
from tests.helpers import ROOT, skip_or_fail
from tests.served import free_port


@pytest.fixture(scope="session")
def llama_server():
    ok, reason = is_available()
    if not ok:
        skip_or_fail(f"the real-model tier: {reason}")
    with start_llama_server() as server:
        yield server


@pytest.fixture
def llama_provider(llama_server, db, settings):
    """llama.cpp added the way a site admin would: as an extra OpenAI-compatible provider.
    A CPU model on a busy 2-core machine can take tens of seconds per answer: this tier gets
    its own read timeout, not the fake upstream's 5 s (tests/conftest.py's `upstream`)."""
    settings.UPSTREAM_READ_TIMEOUT = 120
    return Provider.objects.create(
        slug="llama", name="llama.cpp (local)", base_url=llama_server.base_url
    )


def is_available() -> tuple[bool, str]:
    """(True, "") when xllamacpp and the model package are installed, else (False, why)."""
    if importlib.util.find_spec("xllamacpp") is None:
        return False, f"xllamacpp is not installed: {INSTALL_COMMAND}"
    try:
        model_path()
    except LocalModelUnavailable as exc:
        return False, str(exc)
    return True, ""


@dataclass
class LlamaServer:
    base_url: str  # "http://127.0.0.1:PORT/v1"
    model_id: str
    process: subprocess.Popen[bytes]
    log_path: Path  # the child's stdout and stderr

    @property
    def root_url(self) -> str:
        return self.base_url.removesuffix("/v1")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # the CLI turns SIGTERM into a clean shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def start_llama_server(
    *, ready_timeout: float = 60.0, extra_args: tuple[str, ...] = ()
) -> Iterator[LlamaServer]:
    """Run the local model server in a child process until the block exits.

    Raises LocalModelUnavailable (with the child's log) if it does not become ready.
    """
    with tempfile.TemporaryDirectory(prefix="llama-") as tmp:
        log_path = Path(tmp) / "server.log"
        # A port picked here may be taken before the child binds it; the child then
        # exits at once ("couldn't bind"), so just try again with another.
        for _attempt in range(3):
            port = free_port()
            with log_path.open("wb") as log:
                process = subprocess.Popen(  # noqa: S603
                    [sys.executable, "-m", "demo.local_model", "--port", str(port)]
                    + list(extra_args),
                    cwd=ROOT,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            root = f"http://127.0.0.1:{port}"
            try:
                wait_until_ready(root, ready_timeout, is_alive=lambda p=process: p.poll() is None)
                break
            except LocalModelUnavailable as exc:
                _stop(process)
                if "couldn't bind" in log_path.read_text(errors="replace"):
                    continue
                log = log_path.read_text(errors="replace")
                raise LocalModelUnavailable(f"{exc}\n--- server log ---\n{log}") from exc
        else:
            raise LocalModelUnavailable(f"no free port after 3 tries:\n{log_path.read_text()}")
        try:
            yield LlamaServer(f"{root}/v1", MODEL_ID, process, log_path)
        finally:
            _stop(process)
