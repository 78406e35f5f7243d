"""No acknowledged write is lost when the service process is killed at any moment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx

from service.errors import NotFound
from service.store.embedded import EmbeddedStore
from tests.browser.conftest import free_port
from tests.conftest import ADMIN_TOKEN, SECTORS


def start_service(data_dir, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "STAKEHOLDER_GRAPH_DATA_DIR": str(data_dir),
        "STAKEHOLDER_GRAPH_STORE": "embedded",
        "STAKEHOLDER_GRAPH_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the service did not start within 20 s")


def test_every_acknowledged_write_survives_a_kill_minus_nine(tmp_path):
    seeded = EmbeddedStore(tmp_path)
    seeded.upsert_sectors(SECTORS)
    seeded.close()
    port = free_port()
    process = start_service(tmp_path, port)
    acknowledged: list[str] = []
    stop = threading.Event()

    def write_until_killed() -> None:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            for n in range(100_000):
                if stop.is_set():
                    return
                try:
                    response = client.post(
                        "/api/v1/organizations",
                        json={"id": f"org-{n}", "name": f"Organization {n}", "sector": "wic"},
                    )
                except httpx.TransportError:
                    return
                if response.status_code == 201:
                    acknowledged.append(response.json()["id"])

    writer = threading.Thread(target=write_until_killed)
    writer.start()
    while len(acknowledged) < 50:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stop.set()
    writer.join()

    reopened = EmbeddedStore(tmp_path)
    try:
        lost = [org_id for org_id in acknowledged if not org_exists(reopened, org_id)]
    finally:
        reopened.close()
    assert len(acknowledged) >= 50
    assert lost == []


def org_exists(store: EmbeddedStore, org_id: str) -> bool:
    try:
        store.get_organization(org_id)
    except NotFound:
        return False
    return True
