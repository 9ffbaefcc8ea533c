"""kill -9 a real ``remit serve`` over and over while payments pour in; print what survived.

    .venv/bin/python tools/crashloop.py                      # 200 cycles on a fresh SQLite file
    .venv/bin/python tools/crashloop.py --cycles 50 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/remit_crash

Each cycle starts the server (2 workers), records payments from 6 client
threads, SIGKILLs the whole process group at a random moment, restarts it and
reads back every payment it acknowledged. Requests the kill cut off are
retried with their Idempotency-Key. At the end ``remit check`` must be clean.
Exit status 0 only if nothing acknowledged was lost and nothing was doubled.
The same cycles run 20 times per engine in ``make test``
(tests/processes/test_crash.py); this is the long campaign.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: E402

from tests.processes.crash import STALE_AFTER_S, Figures, crash_loop  # noqa: E402
from tests.processes.harness import Server, business_by_cli, remit_cli, remit_env  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=200, help="kill -9 cycles to run (default 200)")
    parser.add_argument("--database-url", help="a database to use (default: a new SQLite file in a temp folder)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=int(time.time()), help="random seed (default: the time)")
    options = parser.parse_args()

    console = Console()
    where = Path(tempfile.mkdtemp(prefix="remit-crashloop-"))
    url = options.database_url or f"sqlite:///{where / 'remit.db'}"
    env = remit_env(url, where / "data", REMIT_IDEMPOTENCY_STALE_AFTER_S=str(STALE_AFTER_S))
    try:
        business = business_by_cli(env, "Crash Loop Traders", f"crashloop-{options.seed}")
    except RuntimeError as error:
        console.print(f"[red]{error}[/red]", highlight=False)
        return 2
    server = Server(env, where / "server.log", workers=options.workers)
    console.print(f"database {url}; server log {where / 'server.log'}; seed {options.seed}", highlight=False)

    with Progress(TextColumn("kill -9 cycles"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[figures]}"), console=console) as progress:
        task = progress.add_task("cycles", total=options.cycles, figures="")

        def advance(done: int, figures: Figures) -> None:
            progress.update(task, completed=done, figures=f"{figures.acknowledged} acknowledged, "
                                                          f"{len(figures.lost)} lost")

        figures = crash_loop(server, business["api_key"], cycles=options.cycles, seed=options.seed,
                             progress=advance)

    checked = remit_cli(env, "check", "--business", business["url_key"])
    console.print(figures.summary(), highlight=False)
    console.print(checked.stdout.strip() or checked.stderr.strip(), highlight=False)
    for problem in sorted(figures.lost) + figures.duplicated + figures.unexpected:
        console.print(f"  [red]-[/red] {problem}", highlight=False)
    failed = figures.lost or figures.duplicated or figures.unexpected or figures.still_in_flight
    return 1 if failed or checked.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
