"""Race many payments for one invoice through a real ``remit serve`` and print what happened.

    .venv/bin/python tools/contention.py --requests 2000 --clients 8 --workers 4
    .venv/bin/python tools/contention.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/remit_race

Every request applies 10.00 to one invoice worth half of them, so exactly
half must succeed, the rest must be refused with a problem response, and
none may be a 5xx. The test suite runs 200 requests from 4 clients against
2 workers (tests/processes/test_races.py); this finds the ceiling.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.processes.harness import Call, Server, business_by_cli, fire, remit_cli, remit_env  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="payments of 10.00 to send at once")
    parser.add_argument("--clients", type=int, default=8, help="client processes sending them")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--database-url", help="a database to use (default: a new SQLite file)")
    options = parser.parse_args()

    where = Path(tempfile.mkdtemp(prefix="remit-contention-"))
    env = remit_env(options.database_url or f"sqlite:///{where / 'remit.db'}", where / "data")
    try:
        business = business_by_cli(env, "Contention Traders", f"contention-{int(time.time())}")
    except RuntimeError as error:
        print(error)
        return 2
    headers = {"Authorization": f"Bearer {business['api_key']}"}
    successes_expected = options.requests // 2
    with Server(env, where / "server.log", workers=options.workers) as server:
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            customer = client.post("/v1/customers", json={"name": "Meera Textiles"}).json()["id"]
            invoice = client.post("/v1/documents", json={
                "customer_id": customer, "kind": "invoice", "date": "2026-11-01",
                "lines": [{"description": "Cotton", "quantity": str(successes_expected), "unit_price": "10.00"}]}
            ).json()["id"]
            body = {"customer_id": customer, "amount": "10.00", "method": "bank_transfer",
                    "allocations": [{"document_id": invoice, "amount": "10.00"}]}
            started = time.monotonic()
            answers = fire(server.url, [Call("POST", "/v1/payments", body, headers)] * options.requests,
                           processes=options.clients, timeout=600)
            elapsed = time.monotonic() - started
            final = client.get(f"/v1/documents/{invoice}").json()
    checked = remit_cli(env, "check", "--business", business["url_key"])

    seen = Counter(a.status if a.failure is None else "no answer" for a in answers)
    codes = Counter(a.body.get("code") for a in answers if a.status >= 400 and isinstance(a.body, dict))
    server_errors = sum(1 for a in answers if a.failure or a.status >= 500)
    print(f"{options.requests} payments of 10.00 from {options.clients} client processes against "
          f"{options.workers} worker(s) on {env['REMIT_DATABASE_URL'].split(':')[0]}, in {elapsed:.1f} s")
    print(f"  answers: {dict(seen)}; refusal codes: {dict(codes)}")
    print(f"  succeeded {seen[201]} (expected {successes_expected}); 5xx or no answer: {server_errors}")
    print(f"  invoice {final['status']}, balance due {final['balance_due']}")
    print(f"  {checked.stdout.strip() or checked.stderr.strip()}")
    ok = seen[201] == successes_expected and server_errors == 0 and final["balance_due"] == "0.00"
    return 0 if ok and checked.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
