"""Real Remit servers and real clients for tests that need processes, not a TestClient.

``Server`` runs ``remit serve`` as its own process group on a free port, so a
test can ``kill -9`` the whole group (uvicorn's parent and its workers) the
way a power cut or the OOM killer would. ``fire`` sends a batch of requests
from several client processes released by one barrier, so the server sees
them at the same moment from separate connections.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def remit_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("REMIT_")}
    # The races send hundreds of requests a second with one key on purpose; the per-key limit
    # (tests/api/test_rate_limits.py) would turn them into 429s before they could race.
    return {**env, "REMIT_DATABASE_URL": database_url, "REMIT_DATA_DIR": str(data_dir),
            "REMIT_RATE_LIMIT": "off", **extra}


def remit_cli(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the ``remit`` command line in its own process, as an operator would."""
    return subprocess.run([sys.executable, "-m", "remit.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def business_by_cli(env: dict[str, str], name: str, url_key: str) -> dict[str, Any]:
    """``remit business create --json``: the new business's id, url_key and API key."""
    made = remit_cli(env, "business", "create", "--name", name, "--url-key", url_key, "--json")
    if made.returncode != 0:
        raise RuntimeError(f"could not create the business: {made.stderr.strip()}")
    return json.loads(made.stdout)


def check_clean(env: dict[str, str], url_key: str) -> dict[str, Any]:
    """``remit check --json`` for one business; fails the test with its problems unless it is clean."""
    ran = remit_cli(env, "check", "--business", url_key, "--json")
    report = json.loads(ran.stdout) if ran.stdout.strip().startswith("{") else {"ok": False, "stderr": ran.stderr}
    assert ran.returncode == 0 and report["ok"], report
    return report


@dataclass
class Server:
    """``remit serve --workers N`` on ``env``'s database; ``start`` waits until every worker is serving."""

    env: dict[str, str]
    log_path: Path
    workers: int = 2
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.port = free_port()
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- start {self.starts} on port {self.port} ---\n".encode())
            self.process = subprocess.Popen(
                [sys.executable, "-m", "remit.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_serving()
        return self

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"remit serve exited with {self.process.returncode}:\n{self.log_tail()}")
            if self._workers_ready() >= self.workers and self._healthy():
                return
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"remit serve did not start within {STARTUP_SECONDS} s:\n{self.log_tail()}")

    def _workers_ready(self) -> int:
        text = self.log_path.read_text(errors="replace")
        return text.rsplit(f"--- start {self.starts} ", 1)[-1].count("Application startup complete")

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown hook, no flush, nothing finishes."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self._reap_group()
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    def _reap_group(self) -> None:
        """Wait until every process of the group is dead, so the next start cannot meet a survivor.

        Dead is enough: the killed workers stay zombies until init reaps them,
        but a zombie holds no socket, lock or file.
        """
        assert self.process is not None
        deadline = time.monotonic() + 10
        while _living_in_group(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _living_in_group(pgid: int) -> bool:
    """Whether any process of the group is still running (a zombie is not)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may hold spaces or parentheses: the fields after its last ")" are fixed.
            state, _ppid, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError, ValueError):
            continue
        if int(group) == pgid and state != "Z":
            return True
    return False


# -- clients ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # A raw body (form, multipart) instead of ``json``.
    content: bytes | None = None


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any
    # Set when no HTTP answer came at all (refused or reset connection, timeout).
    failure: str | None = None

    @property
    def is_server_error(self) -> bool:
        return self.status >= 500


async def _send_all(base_url: str, calls: list[Call], timeout: float) -> list[Answer]:
    limits = httpx.Limits(max_connections=len(calls) or 1, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as client:
        async def send(call: Call) -> Answer:
            try:
                response = await client.request(call.method, call.path, json=call.json, content=call.content,
                                                headers=call.headers)
            except httpx.HTTPError as error:
                return Answer(0, {}, None, failure=f"{type(error).__name__}: {error}")
            try:
                body: Any = response.json()
            except ValueError:
                body = response.text
            return Answer(response.status_code, dict(response.headers), body)

        return await asyncio.gather(*(send(call) for call in calls))


def tally(answers: list[Answer]) -> Counter:
    """How many answers had each status (or each way of getting none)."""
    return Counter(a.status if a.failure is None else a.failure for a in answers)


def assert_no_server_errors(answers: list[Answer]) -> None:
    # The figures for the record (shown with -s): what each status and refusal code counted.
    print(dict(tally(answers)), dict(Counter(a.body.get("code") for a in answers
                                             if a.status >= 400 and isinstance(a.body, dict))))
    broken = [(a.status, a.failure, a.body) for a in answers if a.failure or a.is_server_error]
    assert broken == [], broken[:5]


def media_type(answer: Answer) -> str:
    return answer.headers.get("content-type", "").split(";")[0].strip()


def is_problem(answer: Answer, status: int, code: str) -> bool:
    """The native API's refusal: problem+json with this status and stable code."""
    return (answer.status == status and media_type(answer) == "application/problem+json"
            and answer.body["code"] == code)


def _client_process(base_url: str, calls: list[Call], barrier: Any, results: Any, index: int, timeout: float) -> None:
    barrier.wait()
    results.put((index, asyncio.run(_send_all(base_url, calls, timeout))))


def fire(base_url: str, calls: list[Call], *, processes: int = 4, timeout: float = 120) -> list[Answer]:
    """Send every call at once from ``processes`` client processes; answers come back in call order.

    Calls are dealt round-robin, each process opens one connection per call,
    and a barrier releases all processes together.
    """
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    results = context.Queue()
    shares = [calls[i::processes] for i in range(processes)]
    workers = [context.Process(target=_client_process, args=(base_url, share, barrier, results, i, timeout))
               for i, share in enumerate(shares)]
    for worker in workers:
        worker.start()
    answers: dict[int, list[Answer]] = {}
    try:
        for _ in workers:
            index, got = results.get(timeout=timeout + 60)
            answers[index] = got
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
    ordered: list[Answer] = [None] * len(calls)  # type: ignore[list-item]
    for i, got in answers.items():
        ordered[i::processes] = got
    return ordered
