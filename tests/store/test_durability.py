"""No acknowledged write is lost when the service process is killed at any moment."""

from __future__ import annotations

import signal
import threading
import time

import httpx

from service.errors import NotFound
from service.store.embedded import EmbeddedStore
from tests.conftest import ADMIN_TOKEN, SECTORS, free_port, start_service


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
