"""The shop's REST keys chosen on the command line (`--consumer-key ck_… --consumer-secret cs_…`): the shop
started that way answers to them and no longer to the built-in demo key; a key that is not ck_/cs_ stops it."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from emulators.woocommerce.config import DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET

ROOT = Path(__file__).resolve().parents[3]
KEY, SECRET = "ck_x", "cs_y"
START_TIMEOUT = 30


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def emulator(*args: str) -> list[str]:
    return [sys.executable, "-m", "emulators.woocommerce", *args]


@pytest.fixture
def shop_with_own_keys():
    port = free_port()
    process = subprocess.Popen(emulator("--port", str(port), "--consumer-key", KEY, "--consumer-secret", SECRET),
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/wp-json/wc/v3"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                httpx.get(f"{base}/products", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    pytest.fail(f"the emulator stopped (exit {process.returncode}):\n{process.stdout.read()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"the emulator did not answer within {START_TIMEOUT} s")
                time.sleep(0.1)
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stdout.close()


def test_the_shop_answers_to_the_keys_it_was_started_with_and_not_to_the_demo_key(shop_with_own_keys):
    base = shop_with_own_keys
    own = httpx.get(f"{base}/products", auth=(KEY, SECRET), timeout=10)
    assert own.status_code == 200, own.text
    assert isinstance(own.json(), list)
    demo = httpx.get(f"{base}/products", auth=(DEMO_CONSUMER_KEY, DEMO_CONSUMER_SECRET), timeout=10)
    assert demo.status_code == 401
    assert demo.json()["code"] == "woocommerce_rest_authentication_error"
    wrong_secret = httpx.get(f"{base}/products", auth=(KEY, "cs_wrong"), timeout=10)
    assert wrong_secret.status_code == 401


@pytest.mark.parametrize("keys", [
    ("--consumer-key", "demo_key", "--consumer-secret", SECRET),
    ("--consumer-key", KEY, "--consumer-secret", "secret"),
    ("--consumer-key", KEY),
])
def test_keys_not_shaped_like_woocommerces_stop_the_shop_with_a_message(keys):
    done = subprocess.run(emulator("--port", str(free_port()), *keys), cwd=ROOT, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode != 0
    assert "--consumer-key ck_" in done.stderr and "--consumer-secret cs_" in done.stderr
    assert "WooCommerce emulator on" not in done.stdout, "nothing was started"
