"""Long analyses (missing partners, warm paths) take turns in a worker, while the short
requests asked meanwhile are answered beside the one that runs."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from service.data.seeds import load_seed
from service.missing_partners import service as gaps

OREGON = "oregon-infant-toddler"


def test_an_eco_map_is_answered_while_missing_partners_run_and_a_second_analysis_waits(
    client, store, monkeypatch
):
    load_seed(store, "oregon")
    running, release, second_started = threading.Event(), threading.Event(), threading.Event()
    compute, started = gaps.organization_gaps, []

    def held_open(store, org_id, **options):
        started.append(org_id)
        if len(started) == 1:
            running.set()
            release.wait(30)
        else:
            second_started.set()
        return compute(store, org_id, **options)

    monkeypatch.setattr(gaps, "organization_gaps", held_open)
    asked = {"profile": OREGON}
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(
            client.get, "/api/v1/organizations/ode-eld/missing-partners", params=asked
        )
        assert running.wait(30)
        second = pool.submit(client.get, "/api/v1/organizations/oha/missing-partners", params=asked)
        ecomap = client.get("/api/v1/organizations/ode-eld/ecomap")
        assert ecomap.status_code == 200 and ecomap.json()["partners"]
        assert not second_started.wait(1), "a second analysis ran beside the first"
        release.set()
        assert first.result(30).status_code == 200
        assert second.result(30).status_code == 200
    assert started == ["ode-eld", "oha"]
