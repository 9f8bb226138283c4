#!/usr/bin/env python3
"""The aiohttp side of `cargo xtask bench` case 1: bulk import with aiohttp and asyncio.

The same job as scripts/bench_httpx.py (same records, same token, same clock), with
the client a user would pick for speed: one aiohttp ClientSession whose connector
holds --concurrency connections, and that many worker tasks. Prints one JSON line:
{"records", "imported", "failed", "elapsed_s", "cpu_s", "aiohttp", "python"}.

Run it from its venv: .venv-bench/bin/python scripts/bench_aiohttp.py --help
"""

import argparse
import asyncio
import json
import platform
import sys
import time

import aiohttp

from bench_httpx import body


async def main(args: argparse.Namespace) -> dict:
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=30.0, connect=10.0)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        form = {
            "grant_type": "client_credentials",
            "client_id": args.client_id,
            "client_secret": args.client_secret,
        }
        async with session.post(args.token_url, data=form) as answer:
            answer.raise_for_status()
            token = (await answer.json())["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{args.imports}/records/"
        bodies = [body(args.configuration, args.run, i) for i in range(args.records)]
        pending = iter(bodies)
        counts = {"imported": 0, "failed": 0}

        async def worker() -> None:
            for item in pending:
                try:
                    async with session.put(url, json=item, headers=headers) as r:
                        await r.read()
                        ok = 200 <= r.status < 300
                except (aiohttp.ClientError, asyncio.TimeoutError):
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
        "aiohttp": aiohttp.__version__,
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
