"""Benchmark: simple requests per second served by the Allegro emulator over loopback HTTP.

Starts ``python -m emulators.allegro.server`` in a separate process on a free loopback port, mints a
token through the admin API, then drives GET /me and GET /sale/product-offers/{id}/parts from a
concurrent keep-alive client (plain asyncio sockets, so the client costs as little CPU as possible).
Bounded by request count and wall time; loopback only.

    python bench/bench_allegro_emulator.py [--requests 20000] [--seconds 20] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

TARGET_RPS = 2000
HOST = "127.0.0.1"
USER_AGENT = "Magazynier-Bench/1.0.0 (+https://example.com/magazynier)"
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def admin(port: int, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body or {}).encode()
    request = urllib.request.Request(f"http://{HOST}:{port}/__admin__{path}", data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
        return json.loads(response.read())


def api(port: int, method: str, path: str, token: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Accept": "application/vnd.allegro.public.v1+json", "User-Agent": USER_AGENT,
               "Authorization": f"Bearer {token}", "Content-Type": "application/vnd.allegro.public.v1+json"}
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
        return json.loads(response.read())


def start_server(port: int, http: str, loop: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "emulators.allegro.server", "--host", HOST, "--port", str(port),
               "--log-level", "error", "--http", http, "--loop", loop]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, env={**os.environ})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the emulator did not start")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare(port: int) -> tuple[str, str]:
    """A token with a raised client limit (the benchmark measures speed, not throttling) and one offer."""
    admin(port, "/limits", {"client_requests_per_minute": 10_000_000, "product_offer_parts_per_minute": 10_000_000})
    token = admin(port, "/tokens", {"seller": "demo-seller"})["access_token"]
    products = api(port, "GET", "/sale/products?phrase=koszulka", token)["products"]
    offer = api(port, "POST", "/sale/product-offers", token, {
        "productSet": [{"product": {"id": products[0]["id"]}}], "stock": {"available": 10},
        "sellingMode": {"price": {"amount": "49.99", "currency": "PLN"}}, "publication": {"status": "ACTIVE"},
        "images": ["https://a.allegroimg.com/original/bench"]})
    return token, offer["id"]


async def worker(port: int, paths: list[bytes], token: str, budget: list[int], deadline: float,
                 latencies: list[float], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    head = (f"Host: {HOST}:{port}\r\nAccept: application/vnd.allegro.public.v1+json\r\n"
            f"User-Agent: {USER_AGENT}\r\nAuthorization: Bearer {token}\r\n\r\n").encode()
    index = 0
    try:
        while budget[0] > 0 and time.monotonic() < deadline:
            budget[0] -= 1
            path = paths[index % len(paths)]
            index += 1
            started = time.perf_counter()
            writer.write(b"GET " + path + b" HTTP/1.1\r\n" + head)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if b" 200 " not in status_line:
                errors.append(status_line.decode(errors="replace").strip())
    finally:
        writer.close()


async def drive(port: int, token: str, offer_id: str, total: int, seconds: float, connections: int) -> dict:
    paths = [b"/me", f"/sale/product-offers/{offer_id}/parts?include=stock&include=price".encode()]
    budget = [total]
    latencies: list[float] = []
    errors: list[str] = []
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(*(worker(port, paths, token, budget, deadline, latencies, errors)
                           for _ in range(connections)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"requests": len(latencies), "seconds": elapsed, "rps": len(latencies) / elapsed,
            "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)], "errors": errors[:5],
            "error_count": len(errors)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--http", default="auto", help="uvicorn HTTP implementation: auto, h11, httptools")
    parser.add_argument("--loop", default="auto", help="uvicorn event loop: auto, asyncio, uvloop")
    args = parser.parse_args(argv)
    port = free_port()
    server = start_server(port, args.http, args.loop)
    try:
        token, offer_id = prepare(port)
        asyncio.run(drive(port, token, offer_id, 500, 5, 4))  # warm-up
        cpu_before = process_cpu_seconds(server.pid)
        result = asyncio.run(drive(port, token, offer_id, args.requests, args.seconds, args.connections))
        cpu_after = process_cpu_seconds(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    verdict = "OK" if result["rps"] >= TARGET_RPS and not result["error_count"] else "BELOW TARGET"
    print(f"Allegro emulator (uvicorn http={args.http}, loop={args.loop}): {result['requests']} requests "
          f"in {result['seconds']:.2f} s over {args.connections} keep-alive connections")
    print(f"  {result['rps']:.0f} requests/s (target >= {TARGET_RPS}) -> {verdict}")
    print(f"  latency p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; "
          f"non-200 answers: {result['error_count']} {result['errors']}")
    if cpu_before is not None and cpu_after is not None and result["requests"]:
        per_request = (cpu_after - cpu_before) / result["requests"]
        print(f"  server CPU {1e6 * per_request:.0f} us/request -> about {1 / per_request:.0f} requests/s "
              f"per fully available core (independent of other load on the machine)")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
