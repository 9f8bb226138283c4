#!/usr/bin/env python3
"""The Python side of `cargo xtask bench` case 1: bulk import with httpx and asyncio.

Imports --records fresh records through PUT /records/ on a sandbox with --concurrency
requests in flight (that many worker tasks sharing one AsyncClient whose pool holds
that many connections), after fetching one OAuth2 token. Prints one JSON line:
{"records", "imported", "failed", "elapsed_s", "cpu_s", "httpx", "python"}. The clock
runs from the first request to the last answer; the bodies are built before it starts.

Run it from its venv: .venv-bench/bin/python scripts/bench_httpx.py --help
"""

import argparse
import asyncio
import json
import platform
import sys
import time

import httpx


def email(run: str, i: int) -> str:
    """The same unique address as cg-bench's `workload::email`."""
    mixed = (i * 2654435761) & 0xFFFFFFFF
    return f"{mixed:08x}.{i}.{run}@bench.example"


def body(configuration: str, run: str, i: int) -> dict:
    return {
        "configuration": configuration,
        "record": {
            "Email": email(run, i),
            "First Name": "Bench",
            "Last Name": f"User {i}",
            "Account Name": "Bench Co",
        },
    }


async def main(args: argparse.Namespace) -> dict:
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    timeout = httpx.Timeout(30.0, connect=10.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        answer = await client.post(
            args.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": args.client_id,
                "client_secret": args.client_secret,
            },
        )
        answer.raise_for_status()
        headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        url = f"{args.imports}/records/"
        bodies = [body(args.configuration, args.run, i) for i in range(args.records)]
        pending = iter(bodies)
        counts = {"imported": 0, "failed": 0}

        async def worker() -> None:
            for item in pending:
                try:
                    r = await client.put(url, json=item, headers=headers)
                    ok = 200 <= r.status_code < 300
                except httpx.HTTPError:
                    ok = False
                counts["imported" if ok else "failed"] += 1

        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
    return {
        "records": args.records,
        "imported": counts["imported"],
        "failed": counts["failed"],
        "elapsed_s": elapsed,
        "cpu_s": cpu,
        "httpx": httpx.__version__,
        "python": platform.python_version(),
    }


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--imports", required=True, help="root of the imports host")
    p.add_argument("--token-url", required=True, help="the OAuth2 token endpoint")
    p.add_argument("--client-id", required=True)
    p.add_argument("--client-secret", required=True)
    p.add_argument("--configuration", required=True, help="Inbound Mapping reference")
    p.add_argument("--records", type=int, default=20000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--run", default="py", help="tag that makes the addresses unique")
    return p.parse_args()


if __name__ == "__main__":
    result = asyncio.run(main(parse()))
    print(json.dumps(result))
    sys.exit(0 if result["failed"] == 0 else 1)
