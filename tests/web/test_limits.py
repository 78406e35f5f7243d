"""What a request may be before any route sees it: bodies over the limit are refused with 413
before they are read, and addresses holding control characters answer 404."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import httpx
import psutil
import pytest

from service.settings import Settings
from tests.conftest import ADMIN_TOKEN

LIMIT = Settings().max_body_bytes
MB = 1024 * 1024


def test_a_body_over_the_limit_is_refused_with_413_and_nothing_is_written(client):
    body = b'{"id": "big", "name": "Big", "sector": "wic", "notes": "' + b"x" * LIMIT + b'"}'
    response = client.post(
        "/api/v1/organizations", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"] == (
        f"the request body is larger than {LIMIT:,} bytes, the most the service accepts; "
        "it was not read"
    )
    assert client.get("/api/v1/organizations/big").status_code == 404


def test_a_body_sent_without_its_length_is_refused_once_it_grows_past_the_limit(client):
    def chunks():
        yield b'{"id": "big", "name": "Big", "sector": "wic", "notes": "'
        for _ in range(LIMIT // (64 * 1024) + 1):
            yield b"x" * 64 * 1024
        yield b'"}'

    response = client.post(
        "/api/v1/organizations", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "it was not read" in response.json()["detail"]
    assert client.get("/api/v1/organizations/big").status_code == 404


def test_a_body_within_the_limit_is_taken(client):
    notes = "x" * 2000
    body = {"id": "small", "name": "Small", "sector": "wic", "notes": notes}
    assert client.post("/api/v1/organizations", json=body).status_code == 201


@pytest.mark.parametrize(
    "path",
    ["/static/%00../app.py", "/static/site.css%00", "/api/v1/organizations/hub%07", "/cases/C%001"],
)
def test_an_address_with_a_control_character_answers_404_saying_why(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["detail"].startswith(
        "no page or route is at this address: it holds a control character (U+00"
    )


def test_a_50_mb_body_is_refused_before_it_is_read_and_the_service_keeps_no_memory_of_it(
    fresh_service,
):
    server = psutil.Process(fresh_service.pid)
    where = urlsplit(fresh_service.url)
    before = server.memory_info().rss
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    connection.putrequest("POST", "/api/v1/organizations")
    connection.putheader("Authorization", f"Bearer {ADMIN_TOKEN}")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(50 * MB))
    connection.endheaders()
    sock = connection.sock
    response = http.client.HTTPResponse(sock)
    response.begin()
    assert response.status == 413
    sent = 0
    try:
        while sent < 50 * MB:
            sent += sock.send(b"x" * MB)
    except OSError:
        pass  # the service closed the connection: the rest is never read
    sock.close()
    assert sent < 50 * MB
    assert httpx.get(f"{fresh_service.url}/health").status_code == 200
    assert abs(server.memory_info().rss - before) < 10 * MB
