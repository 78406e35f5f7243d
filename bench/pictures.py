"""Time to draw: how long a map takes from the click that asks for it until it is drawn and
answers the mouse in headless Chromium (the server's layout, the transfer and the first paint),
for this checkout beside the same map drawn by an earlier commit (the code before large maps
were laid out on the server), served in turn on the same network.

The earlier commit runs from a detached worktree as ``bench.parity`` checks one out; both
servers are started with ``bench.parity.serving``. A map is "drawn" when its page sets
``data-stable`` on the map (vis-network's first drawing with physics off, or the end of its
stabilization with physics on), a moment both commits mark alike; the time is
``performance.now()`` then, counted from the navigation.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.parity import TOKEN, Side, checkout, service_env, serving

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
WAIT_MS = 120_000
"""How long a page may take to draw its map before the benchmark gives up."""


def merge_base() -> str:
    """The commit this branch grew from: ``main``'s, or HEAD's parent where there is none."""
    for args in (["merge-base", "HEAD", "main"], ["rev-parse", "HEAD~1"]):
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        if done.returncode == 0:
            return done.stdout.strip()
    raise SystemExit("no earlier commit to draw the maps with")


def draw_times(
    side: Side, data_dir: Path, paths: list[str], *, twice: bool
) -> dict[str, list[float]]:
    """Milliseconds until each page of ``paths`` has its map drawn, on ``side``'s server;
    with ``twice``, each page is opened a second time right after the first."""
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("no chromium: `make chromium` installs Debian's")
    env = service_env(side, data_dir)
    times: dict[str, list[float]] = {path: [] for path in paths}
    with (
        tempfile.TemporaryDirectory() as logs,
        serving(side, env, Path(logs) / "serve.log") as client,
    ):
        base = str(client.base_url).rstrip("/")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(f"{base}/login")  # signed in through the form: no token in an address
            page.fill("#token", TOKEN)
            page.click("form.sign-in button[type=submit]")
            page.wait_for_url(lambda address: "/login" not in address)
            for path in paths:
                for _ in range(2 if twice else 1):
                    page.goto(f"{base}{path}")
                    page.wait_for_selector("#map[data-stable=true]", timeout=WAIT_MS)
                    times[path].append(page.evaluate("window.stakeholderMap.stableAfterMs"))
            browser.close()
    return times


def time_to_draw(
    data_dir: Path, typical: list[str], hub: str, region: str
) -> list[tuple[str, float, float | None]]:
    """Per map (the median of the typical agencies' eco-maps, the largest hub's eco-map and
    the largest region's map): the first opening here, beside the earlier commit's; and the
    second opening here (its layout kept), beside nothing."""
    paths = {
        "typical": [f"/orgs/{org_id}/ecomap" for org_id in typical],
        "hub": [f"/orgs/{hub}/ecomap"],
        "region": [f"/regions/{region}/map"],
    }
    every = [path for group in paths.values() for path in group]
    head = draw_times(Side("HEAD", ROOT), data_dir, every, twice=True)
    with (
        tempfile.TemporaryDirectory() as scratch,
        checkout(merge_base(), Path(scratch) / "base") as code,
    ):
        base = draw_times(Side("base", code), data_dir, every, twice=False)
    median: Callable[[list[float]], float] = statistics.median
    rows: list[tuple[str, float, float | None]] = []
    for name, label in (
        ("typical", "typical eco-map (median of 5)"),
        ("hub", f"largest hub's eco-map ({hub})"),
        ("region", f"largest region's map ({region})"),
    ):
        first = median([head[path][0] for path in paths[name]])
        again = median([head[path][1] for path in paths[name]])
        earlier = median([base[path][0] for path in paths[name]])
        rows.append((f"time to draw, {label}, first opening", first, earlier))
        rows.append((f"time to draw, {label}, second opening", again, None))
    return rows
