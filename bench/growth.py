"""How figures grow with the data.

The whole feedback-gap report, timed in this process as the route answers it (the report, then
its JSON) on the generated networks of two scales, with the ratio of the times beside the
ratio of the referrals. A report that reads each referral once grows at most as the referrals
do; one that sorts them all grows a little faster; one that compares pairs of them grows far
faster.

    python -m bench.growth --scales tiny small

Or every figure of two runs of ``make bench`` on networks of two scales (their results files),
each beside the other with how many times it grew, under how many times the data did:

    python -m bench.growth --results bench/results-neo4j.json bench/results-neo4j-statewide-x2.json
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

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


def grown(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, Any, Any, Any]]:
    """Each figure of the results ``before`` that ``after`` has too: its name, unit, both values
    and how many times it grew (None where it cannot be told).

    >>> before = {"figures": [{"name": "eco-map, hubs, p95", "value": 80.0, "unit": "ms"},
    ...                       {"name": "cold start", "value": 4.0, "unit": "s"}]}
    >>> after = {"figures": [{"name": "eco-map, hubs, p95", "value": 100.0, "unit": "ms"}]}
    >>> grown(before, after)
    [('eco-map, hubs, p95', 'ms', 80.0, 100.0, 1.25)]
    """
    later = {figure["name"]: figure["value"] for figure in after["figures"]}
    rows = []
    for figure in before["figures"]:
        if figure["name"] in later:
            value, then = figure["value"], later[figure["name"]]
            times = round(then / value, 2) if value and then is not None else None
            rows.append((figure["name"], figure["unit"], value, then, times))
    return rows


def growth_table(before: dict[str, Any], after: dict[str, Any]) -> str:
    """:func:`grown` as a Markdown table, under a line saying how much the data grew."""
    sizes = [
        f"{kind} x{after['network'][kind] / before['network'][kind]:.1f}"
        for kind in ("organizations", "relationships", "referrals")
    ]
    lines = [
        f"{before['scale']} -> {after['scale']} ({before['store']} store): {', '.join(sizes)}",
        "",
        f"| figure | {before['scale']} | {after['scale']} | grew |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, unit, value, then, times in grown(before, after):
        lines.append(f"| {name} | {value} {unit} | {then} {unit} | {times or '-'}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.growth", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales", nargs=2, choices=list(SCALES), default=["tiny", "small"], metavar="SCALE"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--results",
        nargs=2,
        type=Path,
        metavar="FILE",
        help="two results files of `make bench`, the smaller network first: every figure of "
        "both, each beside the other (instead of timing the report)",
    )
    args = parser.parse_args(argv)
    if args.results:
        before, after = (json.loads(path.read_text()) for path in args.results)
        print(growth_table(before, after))
        return 0
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
