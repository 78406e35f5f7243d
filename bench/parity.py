"""Parity of two commits: the same data set asked the same questions must give byte-identical
answers, proven through the public contract only (the CLI and HTTP), so that any two commits
can be compared, whatever their layout.

    python -m bench.parity 71550e3                       # 71550e3 against the working tree
    python -m bench.parity 71550e3 HEAD                  # two commits
    python -m bench.parity 71550e3 --store neo4j         # on the throwaway Neo4j of the tests
    python -m bench.parity 71550e3 --store both --out /tmp/parity   # both corpora kept on disk

Each commit is checked out with ``git worktree add --detach`` into a temporary directory
(removed afterwards) and run as ``python -m service`` with that directory as its working
directory and ``PYTHONPATH``, by this interpreter and its installed packages; HEAD left out is
the working tree of this checkout, uncommitted changes included. No module of the service
under test is imported here.

1. The BASE commit's CLI generates one network (``generate --scale SCALE --seed 7``, SCALE
   ``tiny`` unless ``--scale`` says otherwise) into a temporary data directory; the BASE
   service, served on it once, records partnership evidence of every kind over HTTP (joint
   case plans, joint programs, the four kinds of agreements, local and state collaboratives,
   drawn by ``random.Random(7)``) and lists what the corpus asks about: the 10 organizations
   with the most partners, 40 random others, 20 random pairs, every region, 20 random cases
   with more than one referral, the collaboratives.
2. For each commit (BASE, then HEAD) and each store, a copy of that data directory is served
   by the commit's own ``serve`` on a free loopback port, the corpus is asked, and the server
   is stopped. With ``--store neo4j`` the Neo4j database is wiped (nodes, constraints,
   indexes) and the copy migrated into it with the BASE commit's ``migrate --to neo4j``
   before each commit is served with ``STAKEHOLDER_GRAPH_STORE=neo4j``.
3. The corpus: for each of the 50 organizations its eco-map at depth 1, depth 2, ``as_of`` a
   past day and with the ``oregon-infant-toddler`` profile, its eco-map changes, partnership
   levels, relationship health, engagement plan, missing partners for every profile and its
   feedback gaps; warm paths (``max_hops=4``, ``k`` 1 and 3); every region's map and missing
   partners; the collaboratives' missing partners; network measures; the whole feedback-gap
   report; case traces; and the pages ``/``, ``/orgs/{id}/ecomap``,
   ``/orgs/{id}/missing-partners``, ``/regions/{region}/map``, ``/feedback-gaps`` and
   ``/cases/{ref}``. Status code and body bytes are recorded per request and compared.

The mask, the only part of an answer not compared, covers what is measured from the moment of
the request, applied alike to both sides:

- ``GET /api/v1/cases/{ref}/trace``: the top-level ``as_of`` and every numeric ``days_open``;
- ``GET /api/v1/feedback-gaps`` (with or without ``org_id``): the top-level ``as_of``;
- the page ``/cases/{ref}``: the number of days in ``open N d`` and ``open N days``.

Flags such as ``overdue`` and answers for today (levels, health and plan without ``as_of``)
are not masked: they change only when a day boundary passes between the two runs; run again.

Exit codes: 0 every answer identical, 1 some differ (each shown as a short diff), 2 a commit
could not be checked (not checked out, its CLI failed or its server did not start). Neo4j is
``tests/neo4j_server/neo4j.sh`` of this checkout: one already up is reused (and wiped!) and left
running, otherwise one is started and stopped at the end; ``NEO4J_STATE_DIR`` picks a server of
its own beside the one of a test run. ``--out DIR`` writes each answer as compared (masked) to
``DIR/{store}/{base,head}/NNNN.{json,html}`` with an ``index.tsv``, for ``diff -r``.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from neo4j import GraphDatabase
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
NEO4J_SCRIPT = ROOT / "tests" / "neo4j_server" / "neo4j.sh"
TOKEN = "sg_parity-admin-token"
SEED = 7
PROFILE = "oregon-infant-toddler"
AS_OF = "2022-07-01"
"""A past day inside the generated data (relationships from 2015, referrals 2019 to mid-2025)."""
SINCE = "2024-01-01"
TOP_ORGS, RANDOM_ORGS, PAIRS, CASES = 10, 40, 20, 20
PAGE_CASES = 3
"""How many of the cases also have their page asked."""
EVIDENCE_FROM, EVIDENCE_DAYS = date(2016, 1, 1), 3440
"""Evidence starts on a day drawn from these 3,440 days (to mid-2025)."""
AGREEMENT_KINDS = ("information_sharing", "joint_mis", "liaison", "co_location")
START_SECONDS = 120
"""How long a server may take to answer ``/health``."""
DIFF_LINES = 40
"""The most lines of diff shown per different answer."""
MASKS: list[tuple[str, bytes, bytes]] = [
    (r"/api/v1/cases/[^/]+/trace", rb'"as_of":"[^"]*"', b'"as_of":"*"'),
    (r"/api/v1/cases/[^/]+/trace", rb'"days_open":[-0-9.eE+]+', b'"days_open":"*"'),
    (r"/api/v1/feedback-gaps", rb'"as_of":"[^"]*"', b'"as_of":"*"'),
    (r"/cases/[^/]+", rb"open \d+ d", b"open * d"),
]
"""Per route (a pattern the whole path must match): a pattern of its body and its mask."""


class ParityError(Exception):
    """A commit could not be checked; ``detail`` is what its process said last."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message, self.detail = message, detail


@dataclass(frozen=True)
class Side:
    """One commit under test: its label and the directory its code runs from."""

    label: str
    code: Path


@dataclass(frozen=True)
class Answer:
    """What one request got."""

    status: int
    body: bytes


# -- processes ------------------------------------------------------------------------------


def git(*args: str) -> str:
    """Run git in this checkout; its output, or a ParityError with its message."""
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    if done.returncode:
        raise ParityError(f"git {' '.join(args)} failed", done.stderr)
    return done.stdout.strip()


@contextmanager
def checkout(commit: str, into: Path) -> Iterator[Path]:
    """A detached worktree of ``commit`` at ``into``, removed afterwards."""
    try:
        git("rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}")
    except ParityError as error:
        raise ParityError(f"cannot check out '{commit}': no such commit") from error
    git("worktree", "add", "--detach", str(into), commit)
    try:
        yield into
    finally:
        git("worktree", "remove", "--force", str(into))


def service_env(side: Side, data_dir: Path, **settings: str) -> dict[str, str]:
    """This environment without any ``STAKEHOLDER_GRAPH_`` setting of the caller, running
    ``side``'s code on ``data_dir`` with the parity admin token and ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STAKEHOLDER_GRAPH_")}
    env.update(PYTHONPATH=str(side.code), PYTHONDONTWRITEBYTECODE="1")
    env.update(STAKEHOLDER_GRAPH_DATA_DIR=str(data_dir), STAKEHOLDER_GRAPH_ADMIN_TOKEN=TOKEN)
    env.update(settings)
    return env


def run_cli(side: Side, env: dict[str, str], *args: str) -> None:
    """Run ``python -m service ARGS`` of ``side``; a ParityError if it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "service", *args],
        cwd=side.code,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise ParityError(f"{side.label}: `service {' '.join(args)}` failed", done.stderr)


def check_code(side: Side) -> None:
    """Make sure ``side`` imports its own ``service`` package, not an installed one."""
    env = service_env(side, side.code)
    found = subprocess.run(
        [sys.executable, "-c", "import service; print(service.__file__)"],
        cwd=side.code,
        env=env,
        capture_output=True,
        text=True,
    )
    where = Path(found.stdout.strip() or "/").resolve()
    if found.returncode or not where.is_relative_to(side.code.resolve()):
        raise ParityError(f"{side.label}: `import service` does not find its code", found.stderr)


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a log file."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def serving(side: Side, env: dict[str, str], log: Path) -> Iterator[httpx.Client]:
    """``side``'s ``serve`` on a free port until ``/health`` answers on the expected store;
    a client with the admin token; the server stopped afterwards. A server that stops
    answering is a ParityError."""
    port = free_port()
    store = env.get("STAKEHOLDER_GRAPH_STORE", "embedded")
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port)],
            cwd=side.code,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=120,
    )
    try:
        wait_for_health(side, server, client, store, log)
        yield client
    except httpx.TransportError as error:
        message = f"{side.label}: the server stopped answering: {error!r}"
        raise ParityError(message, tail(log)) from error
    finally:
        client.close()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_for_health(
    side: Side, server: subprocess.Popen[bytes], client: httpx.Client, store: str, log: Path
) -> None:
    """Wait until the server says it is up on ``store``; a ParityError if it never does."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ParityError(
                f"{side.label}: the server exited with code {server.returncode} on start",
                tail(log),
            )
        try:
            health = client.get("/health", timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
            continue
        if health.status_code == 200 and health.json().get("store") == store:
            return
        raise ParityError(
            f"{side.label}: /health answered {health.status_code} {health.text[:200]}, "
            f"not the {store} store",
            tail(log),
        )
    raise ParityError(
        f"{side.label}: the server did not answer within {START_SECONDS} s", tail(log)
    )


# -- the data set and the corpus ------------------------------------------------------------


def listing(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    """Every item of a paginated ``/api/v1`` listing."""
    items: list[dict[str, Any]] = []
    while True:
        page = expect(client.get(path, params={"limit": 500, "offset": len(items)}))
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            return items


def expect(response: httpx.Response) -> Any:
    """The JSON of a successful answer, or a ParityError saying what went wrong."""
    if response.is_success:
        return response.json()
    request = f"{response.request.method} {response.request.url.raw_path.decode()}"
    raise ParityError(f"{request} answered {response.status_code}", response.text[:500])


def build(side: Side, data_dir: Path, scale: str, logs: Path) -> list[str]:
    """Generate the network into ``data_dir`` with ``side``'s CLI, add the evidence through its
    HTTP API, and return the corpus: the requests every commit is asked."""
    env = service_env(side, data_dir)
    run_cli(side, env, "generate", "--scale", scale, "--seed", str(SEED))
    rng = random.Random(SEED)
    with serving(side, env, logs / "build.log") as client:
        organizations = listing(client, "/api/v1/organizations")
        partners: dict[str, set[str]] = {org["id"]: set() for org in organizations}
        for rel in listing(client, "/api/v1/relationships"):
            partners[rel["org_a"]].add(rel["org_b"])
            partners[rel["org_b"]].add(rel["org_a"])
        top = sorted(partners, key=lambda org: (-len(partners[org]), org))[:TOP_ORGS]
        others = rng.sample(sorted(set(partners) - set(top)), RANDOM_ORGS)
        ties = {org: sorted(theirs) for org, theirs in partners.items()}
        collaboratives = add_evidence(client, rng, ties, top + others)
        profiles = [profile["name"] for profile in expect(client.get("/api/v1/profiles"))]
        cases = Counter(ref["case_ref"] for ref in listing(client, "/api/v1/referrals"))
    if PROFILE not in profiles:
        raise ParityError(f"{side.label}: the data set has no profile '{PROFILE}'")
    pairs = [rng.sample(sorted(partners), 2) for _ in range(PAIRS)]
    several = sorted(ref for ref, count in cases.items() if count > 1) or sorted(cases)
    case_refs = rng.sample(several, min(CASES, len(several)))
    regions = sorted({org["region"] for org in organizations})
    return corpus(top + others, pairs, regions, profiles, collaboratives, case_refs)


def add_evidence(
    client: httpx.Client, rng: random.Random, partners: dict[str, list[str]], asked: list[str]
) -> list[str]:
    """Record partnership evidence of every kind, each record binding one of the ``asked``
    organizations (the first ten in turn, else a random one) to some of its partners; return
    the ids of the collaboratives."""
    hubs, focals = asked[:TOP_ORGS], [org for org in asked[TOP_ORGS:] if partners[org]]

    def around(n: int, most: int) -> list[str]:
        focal = hubs[n // 2 % len(hubs)] if n % 2 == 0 else rng.choice(focals)
        theirs = partners[focal]
        return [focal, *rng.sample(theirs, rng.randint(1, min(most, len(theirs))))]

    def span() -> dict[str, str]:
        start = EVIDENCE_FROM + timedelta(days=rng.randrange(EVIDENCE_DAYS))
        if rng.random() < 0.6:
            return {"start": start.isoformat()}
        return {"start": start.isoformat(), "end": str(start + timedelta(rng.randint(30, 1500)))}

    records: list[tuple[str, dict[str, Any]]] = []
    for n in range(20):
        day = EVIDENCE_FROM + timedelta(days=rng.randrange(EVIDENCE_DAYS))
        plan = {"id": f"parity-plan-{n}", "case_ref": f"PARITY-{n}", "date": day.isoformat()}
        records.append(("joint-case-plans", {**plan, "org_ids": around(n, 1)}))
    for n in range(12):
        program = {"id": f"parity-program-{n}", "name": f"Parity joint program {n}", **span()}
        records.append(("joint-programs", {**program, "org_ids": around(n, 3)}))
    for n in range(16):
        kind = AGREEMENT_KINDS[n % len(AGREEMENT_KINDS)]
        agreement = {"id": f"parity-agreement-{n}", "kind": kind, "title": f"Parity {kind} {n}"}
        records.append(("agreements", {**agreement, **span(), "org_ids": around(n, 2)}))
    collaboratives: list[str] = []
    for n in range(10):
        scope = "local" if n < 6 else "state"
        members = around(n, 5)
        extra = rng.choice(sorted(partners))
        collaboratives.append(f"parity-collaborative-{n}")
        collaborative = {
            "id": collaboratives[-1],
            "name": f"Parity {scope} collaborative {n}",
            "scope": scope,
            **({"governance": "The members elect a chair each year."} if scope == "local" else {}),
            "member_org_ids": members + ([extra] if extra not in members else []),
            **span(),
        }
        records.append(("collaboratives", collaborative))
    for route, body in records:
        expect(client.post(f"/api/v1/{route}", json=body))
    return collaboratives


def corpus(
    org_ids: list[str],
    pairs: list[list[str]],
    regions: list[str],
    profiles: list[str],
    collaboratives: list[str],
    case_refs: list[str],
) -> list[str]:
    """Every request of the corpus, as a path with its query."""

    def get(path: str, **params: str | int) -> str:
        return f"{path}?{urlencode(params)}" if params else path

    requests = [get("/api/v1/profiles")]
    for org in org_ids:
        at = f"/api/v1/organizations/{quote(org, safe='')}"
        requests += [
            get(f"{at}/ecomap", depth=1),
            get(f"{at}/ecomap", depth=2),
            get(f"{at}/ecomap", as_of=AS_OF),
            get(f"{at}/ecomap", profile=PROFILE),
            get(f"{at}/ecomap/changes", since=SINCE),
            get(f"{at}/partnership-levels"),
            get(f"{at}/relationship-health"),
            get(f"{at}/engagement-plan"),
            *(get(f"{at}/missing-partners", profile=profile) for profile in profiles),
            get("/api/v1/feedback-gaps", org_id=org),
        ]
    requests += [
        get("/api/v1/paths", from_org=a, to_org=b, max_hops=4, k=k)
        for a, b in pairs
        for k in (1, 3)
    ]
    for region in regions:
        at = f"/api/v1/regions/{quote(region, safe='')}"
        requests.append(get(f"{at}/map"))
        requests += [get(f"{at}/missing-partners", profile=profile) for profile in profiles]
    for collaborative in collaboratives:
        at = f"/api/v1/collaboratives/{quote(collaborative, safe='')}/missing-partners"
        requests += [get(at, profile=profile) for profile in profiles]
    requests += [
        get("/api/v1/network/measures"),
        get("/api/v1/network/measures", top=25),
        get("/api/v1/network/measures", org_id=org_ids[0], depth=2),
        get("/api/v1/network/measures", region=regions[0]),
        get("/api/v1/feedback-gaps"),
        get("/api/v1/feedback-gaps", limit=500, overdue_after_days=90),
    ]
    requests += [get(f"/api/v1/cases/{quote(ref, safe='')}/trace") for ref in case_refs]
    requests += [get("/"), get("/", page=2), get("/feedback-gaps")]
    requests.append(get(f"/regions/{quote(regions[0], safe='')}/map"))
    for org in (org_ids[0], org_ids[1], org_ids[-1]):  # two hubs and a random one
        at = f"/orgs/{quote(org, safe='')}"
        requests += [
            get(f"{at}/ecomap"),
            get(f"{at}/missing-partners"),
            get(f"{at}/missing-partners", profile=PROFILE),
        ]
    requests += [get(f"/cases/{quote(ref, safe='')}") for ref in case_refs[:PAGE_CASES]]
    return requests


# -- asking and comparing -------------------------------------------------------------------


def masked(request: str, body: bytes) -> bytes:
    """``body`` with what depends on the moment of the request masked (see the module).

    >>> masked("/api/v1/feedback-gaps?org_id=a", b'{"org_id":"a","as_of":"2026-01-01T00:00Z"}')
    b'{"org_id":"a","as_of":"*"}'
    """
    path = request.partition("?")[0]
    for route, pattern, mask in MASKS:
        if re.fullmatch(route, path):
            body = re.sub(pattern, mask, body)
    return body


def ask(client: httpx.Client, requests: list[str], desc: str) -> list[Answer]:
    """Each request's status and masked body, in order."""
    answers = []
    for request in tqdm(requests, desc=desc, unit=" requests"):
        response = client.get(request)
        answers.append(Answer(response.status_code, masked(request, response.content)))
    return answers


def collect(
    side: Side, store: str, data: Path, copy: Path, requests: list[str], base: Side
) -> list[Answer]:
    """Serve ``copy``, a fresh copy of ``data`` (migrated into Neo4j by ``base`` for the neo4j
    store), with ``side``'s code and ask it the corpus."""
    shutil.copytree(data, copy)
    settings = {}
    if store == "neo4j":
        settings = {**neo4j_settings(), "STAKEHOLDER_GRAPH_STORE": "neo4j"}
        wipe_neo4j(settings)
        run_cli(base, service_env(base, copy, **settings), "migrate", "--to", "neo4j")
    with serving(side, service_env(side, copy, **settings), copy.with_suffix(".log")) as client:
        return ask(client, requests, f"{store} · {side.label}")


def pretty(body: bytes) -> list[str]:
    """The body as lines to diff: indented JSON, or its text."""
    text = body.decode(errors="replace")
    with suppress(ValueError):
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False).splitlines()
    return text.splitlines()


def differences(requests: list[str], sides: Sequence[Side], answers: Sequence[list[Answer]]) -> int:
    """Print each request whose answers differ, with a short diff; return how many do."""
    base, head = answers
    different = 0
    for request, one, other in zip(requests, base, head, strict=True):
        if one == other:
            continue
        different += 1
        print(f"\nDIFFERENT GET {request}: {one.status} (base) vs {other.status} (head)")
        diff = list(
            difflib.unified_diff(
                pretty(one.body),
                pretty(other.body),
                sides[0].label,
                sides[1].label,
                lineterm="",
                n=2,
            )
        )
        if not diff:
            diff = ["(the same JSON value, in different bytes: formatting or escaping)"]
        print("\n".join(diff[:DIFF_LINES]))
        if len(diff) > DIFF_LINES:
            print(f"... {len(diff) - DIFF_LINES} more lines")
    return different


def write_corpus(out: Path, requests: list[str], answers: list[Answer]) -> None:
    """Each answer as compared into ``out``, one file a request, and an index."""
    out.mkdir(parents=True, exist_ok=True)
    index = []
    for number, (request, answer) in enumerate(zip(requests, answers, strict=True), 1):
        kind = "json" if request.startswith("/api/") else "html"
        (out / f"{number:04d}.{kind}").write_bytes(answer.body)
        index.append(f"{number:04d}\t{answer.status}\tGET {request}\n")
    (out / "index.tsv").write_text("".join(index))


# -- Neo4j ----------------------------------------------------------------------------------


def neo4j_state() -> Path:
    """Where ``neo4j.sh`` keeps the state of the server it manages."""
    return Path(os.environ.get("NEO4J_STATE_DIR") or NEO4J_SCRIPT.parent / ".state")


@contextmanager
def neo4j_server() -> Iterator[None]:
    """The throwaway Neo4j: reused if it is up, else started, and then stopped at the end."""
    running = subprocess.run(["bash", str(NEO4J_SCRIPT), "status"], capture_output=True)
    if running.returncode:
        up = subprocess.run(["bash", str(NEO4J_SCRIPT), "up"], capture_output=True, text=True)
        if up.returncode:
            raise ParityError("the throwaway Neo4j did not start", up.stderr)
    try:
        yield
    finally:
        if running.returncode:
            subprocess.run(["bash", str(NEO4J_SCRIPT), "down"], capture_output=True)


def neo4j_settings() -> dict[str, str]:
    """The ``STAKEHOLDER_GRAPH_NEO4J_*`` settings of the running throwaway Neo4j."""
    lines = (neo4j_state() / "env").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line)
    return {key: value for key, value in pairs if key.startswith("STAKEHOLDER_GRAPH_NEO4J_")}


def wipe_neo4j(settings: dict[str, str]) -> None:
    """Delete every node, constraint and index of the Neo4j database."""
    auth = (settings["STAKEHOLDER_GRAPH_NEO4J_USER"], settings["STAKEHOLDER_GRAPH_NEO4J_PASSWORD"])
    database = settings.get("STAKEHOLDER_GRAPH_NEO4J_DATABASE", "neo4j")
    with (
        GraphDatabase.driver(settings["STAKEHOLDER_GRAPH_NEO4J_URI"], auth=auth) as driver,
        driver.session(database=database) as session,
    ):
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS").consume()
        for kind, kinds in (("CONSTRAINT", "CONSTRAINTS"), ("INDEX", "INDEXES")):
            shown = session.run(f"SHOW {kinds} YIELD name, type WHERE type <> 'LOOKUP' RETURN name")
            for name in [record["name"] for record in shown]:
                escaped = name.replace("`", "``")
                session.run(f"DROP {kind} `{escaped}` IF EXISTS").consume()


# -- the command line -----------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.parity",
        description="Prove that two commits give byte-identical analytic answers on one data "
        "set, driving each through its CLI and HTTP API only.",
    )
    parser.add_argument("base", metavar="BASE", help="the commit to compare against")
    parser.add_argument(
        "head", metavar="HEAD", nargs="?", help="the commit to check (default: the working tree)"
    )
    parser.add_argument("--store", choices=["embedded", "neo4j", "both"], default="embedded")
    parser.add_argument("--scale", default="tiny", help="the generated network's (%(default)s)")
    parser.add_argument("--out", type=Path, help="write both corpora, as compared, here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Compare the two commits; 0 all identical, 1 some answers differ, 2 cannot check."""
    args = parse_args(argv)
    stores = ["embedded", "neo4j"] if args.store == "both" else [args.store]
    try:
        return compare(args.base, args.head, stores, args.scale, args.out)
    except ParityError as error:
        print(f"parity: error: {error.message}", file=sys.stderr)
        if error.detail.strip():
            print(error.detail.rstrip(), file=sys.stderr)
        return 2


def compare(base: str, head: str | None, stores: list[str], scale: str, out: Path | None) -> int:
    """Build the data set, ask both commits on every store, print what differs."""
    with tempfile.TemporaryDirectory(prefix="parity-") as temporary, ExitStack() as stack:
        scratch = Path(temporary)
        sides = [Side(f"base {base}", stack.enter_context(checkout(base, scratch / "base")))]
        if head is None:
            sides.append(Side("head (working tree)", ROOT))
        else:
            sides.append(
                Side(f"head {head}", stack.enter_context(checkout(head, scratch / "head")))
            )
        for side in sides:
            check_code(side)
        started = time.perf_counter()
        data = scratch / "data"
        requests = build(sides[0], data, scale, scratch)
        print(
            f"built the {scale} data set in {time.perf_counter() - started:.1f} s", file=sys.stderr
        )
        if "neo4j" in stores:
            stack.enter_context(neo4j_server())
        different = 0
        for store in stores:
            started = time.perf_counter()
            answers = [
                collect(side, store, data, scratch / f"data-{store}-{n}", requests, sides[0])
                for n, side in enumerate(sides)
            ]
            if out is not None:
                for name, each in zip(("base", "head"), answers, strict=True):
                    write_corpus(out / store / name, requests, each)
            found = differences(requests, sides, answers)
            failed = sum(
                1
                for one, other in zip(*answers, strict=True)
                if 200 not in (one.status, other.status)
            )
            print(
                f"\n{store}: {len(requests)} answers, {len(requests) - found} identical, "
                f"{found} different ({sides[0].label} vs {sides[1].label}; "
                f"{failed} not 200 on either side; {time.perf_counter() - started:.1f} s)"
            )
            different += found
        return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
