"""How the whole feedback-gap report grows with the data: timed in this process, as the route
answers it (the report, then its JSON), on the generated networks of two scales, with the
ratio of the times beside the ratio of the referrals.

A report that reads each referral once grows at most as the referrals do; one that sorts them
all grows a little faster; one that compares pairs of them grows far faster.

    python -m bench.growth --scales tiny small
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time

from pydantic_core import to_json

from bench.run import cached_network
from graph_models.referrals import FeedbackGapsQuery
from service.data.generator import SCALES
from service.referrals.service import gap_report
from service.store.embedded import DATABASE_FILE, EmbeddedStore

RUNS = 5


def report_seconds(scale: str, seed: int) -> tuple[int, int, float]:
    """The referrals and the pairs that referred of the network of ``scale``, and the median
    seconds of its whole feedback-gap report over :data:`RUNS` runs, after one that warms the
    caches."""
    data_dir = cached_network(scale, seed)
    with sqlite3.connect(data_dir / DATABASE_FILE) as db:
        [referrals] = db.execute("SELECT count(*) FROM referrals").fetchone()
        [pairs] = db.execute("SELECT count(*) FROM referral_pairs").fetchone()
    store = EmbeddedStore(data_dir, lazy=True)  # the report reads the file, not the graph
    try:
        query = FeedbackGapsQuery()
        to_json(gap_report(store, query))
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            to_json(gap_report(store, query))
            times.append(time.perf_counter() - started)
    finally:
        store.close()
    return referrals, pairs, statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.growth", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales", nargs=2, choices=list(SCALES), default=["tiny", "small"], metavar="SCALE"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    measured = [(scale, *report_seconds(scale, args.seed)) for scale in args.scales]
    for scale, referrals, pairs, seconds in measured:
        print(
            f"{scale:>10}: {referrals:>9,} referrals, {pairs:>7,} pairs, "
            f"whole gap report {seconds * 1000:8.1f} ms"
        )
    (_, few, few_pairs, fast), (_, many, many_pairs, slow) = measured
    print(
        f"referrals x{many / few:.1f}, pairs x{many_pairs / few_pairs:.1f}, "
        f"time x{slow / fast:.1f} "
        f"(load average {os.getloadavg()[0]:.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
