"""The command line: ``stakeholder-graph serve | seed list | seed load NAME|PATH |
token create | token list | token revoke ID | token expire ID | generate | migrate | import |
export | template | mail digest | mail send``.

Exit codes: 0 done, 1 the request could not be carried out (the message says why), 2 the
command line itself is wrong.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr, ValidationError
from tqdm import tqdm

from graph_models import Role, TokenCreate, TokenUpdate
from graph_models.common import utc_now
from service.access.permissions import issue_token, new_token
from service.access.sessions import issue_sign_in_code
from service.data.exports import WRITERS, export_network, template_workbook
from service.data.generator import COUNTED, SCALES, load_network
from service.data.imports import READERS, apply_plan, preview_file, summary_line
from service.data.migration import (
    DEFAULT_BATCH_SIZE,
    bring_up_to_date,
    migrate,
    record_counts,
)
from service.data.read_options import ReadOptions, read_mapping
from service.data.seeds import ensure_catalog, list_seeds, load_seed
from service.data.snapshot import Scope
from service.errors import DomainError, InvalidInput, NotFound
from service.settings import Settings, StoreKind
from service.store import open_store
from service.store.embedded import DATABASE_FILE
from service.store.protocol import Progress, Store
from service.store.shared.copying import RecordKind
from service.surveys.digest import queue_digests
from service.surveys.mail import send_pending

EPILOG = """settings come from environment variables: STAKEHOLDER_GRAPH_DATA_DIR (default ./data),
STAKEHOLDER_GRAPH_STORE (embedded | neo4j), STAKEHOLDER_GRAPH_NEO4J_URI, _NEO4J_USER,
_NEO4J_PASSWORD, _NEO4J_DATABASE, _NEO4J_RETRY_SECONDS, STAKEHOLDER_GRAPH_ADMIN_TOKEN,
STAKEHOLDER_GRAPH_WORKERS (serve's worker processes; default the machine's cores); mail:
STAKEHOLDER_GRAPH_SMTP_HOST, _SMTP_PORT, _SMTP_USER, _SMTP_PASSWORD, _SMTP_FROM, _SMTP_STARTTLS,
_PUBLIC_URL (where links in mail point)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        settings = Settings()
        run: Callable[[argparse.Namespace, Settings], int] = args.run
        return run(args, settings)
    except (DomainError, ValidationError) as error:
        message = error.message if isinstance(error, DomainError) else _first_problem(error)
        print(f"stakeholder-graph: error: {message}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stakeholder-graph",
        description="The partner network of an agency serving infants, toddlers and families.",
        epilog=EPILOG,
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="serve the HTTP API and the web pages",
        description="Serve the HTTP API (/api/v1, docs at /docs) and the web pages, and print "
        "a sign-in link for a browser with a one-time code that signs it in as admin (the code "
        "works once, within minutes; the link holds no token). A store with no sector yet gets "
        "the sector catalog (seeds/catalog.json) on this first start. Several worker "
        "processes serve requests in parallel; each sees every acknowledged write, through any "
        "worker or by a command such as import or seed load, before it answers a later request.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (%(default)s)")
    serve.add_argument(
        "--workers",
        type=int,
        choices=range(1, 257),
        metavar="N",
        help="worker processes (default: STAKEHOLDER_GRAPH_WORKERS, else the machine's cores)",
    )
    serve.set_defaults(run=serve_command)

    seed = commands.add_parser("seed", help="list or load the demo networks")
    seed_commands = seed.add_subparsers(title="seed commands", metavar="SEED_COMMAND")
    seed_list = seed_commands.add_parser("list", help="list the demo networks")
    seed_list.set_defaults(run=seed_list_command)
    seed_load = seed_commands.add_parser(
        "load",
        help="load a demo network into the store",
        description="Load a demo network, or a network bundle file (JSON, the shape of "
        "seeds/*/network.json), into the store in one all-or-nothing import. Loading a network "
        "that is loaded already changes nothing.",
    )
    seed_load.add_argument(
        "name", help="the network's name, as `seed list` shows it, or the path of a bundle file"
    )
    seed_load.set_defaults(run=seed_load_command)

    token = commands.add_parser("token", help="manage access tokens")
    token_commands = token.add_subparsers(title="token commands", metavar="TOKEN_COMMAND")
    token_create = token_commands.add_parser(
        "create",
        help="create a bearer token and print it once",
        description="Create a bearer token. Only its hash is stored: copy it now.",
    )
    token_create.add_argument("--name", required=True, help="who will hold the token")
    token_create.add_argument(
        "--role", required=True, choices=[role.value for role in Role], help="what it may do"
    )
    token_create.add_argument(
        "--org-id",
        help="the organization of a caseworker; for a leader or planner, the one organization "
        "whose relationships and activities they may change",
    )
    token_create.add_argument(
        "--expires", type=_moment, help="when it stops working, e.g. 2026-06-30 (default: never)"
    )
    token_create.set_defaults(run=token_create_command)
    token_list = token_commands.add_parser(
        "list",
        help="list the tokens, without their secrets",
        description="List every token: id, holder, role, organization, created, expires, "
        "revoked. The tokens themselves are not stored and cannot be shown.",
    )
    token_list.set_defaults(run=token_list_command)
    token_revoke = token_commands.add_parser(
        "revoke",
        help="revoke a token for good",
        description="Revoke a token: it and the browser sessions opened with it get 401 at "
        "once, on every worker.",
    )
    token_revoke.add_argument("token_id", help="the token's id, as `token list` shows it")
    token_revoke.set_defaults(run=token_revoke_command)
    token_expire = token_commands.add_parser(
        "expire",
        help="give a token a new expiry",
        description="Set when a token stops working (--at, in the future) or let it work until "
        "revoked (--never).",
    )
    token_expire.add_argument("token_id", help="the token's id, as `token list` shows it")
    when = token_expire.add_mutually_exclusive_group(required=True)
    when.add_argument("--at", type=_moment, help="e.g. 2026-06-30 or 2026-06-30T17:00:00Z")
    when.add_argument("--never", action="store_true", help="no expiry")
    token_expire.set_defaults(run=token_expire_command)

    # -- statewide generator ----
    generate = commands.add_parser(
        "generate",
        help="generate a synthetic statewide network into the store",
        description="Generate a synthetic network (fixed seed: the same scale and seed give the "
        "same network) and import it batch by batch, each batch all or nothing. statewide is "
        "25,000 organizations, 75,000 contacts, 150,000 relationships and 2,000,000 referrals, "
        "with about 64,500 engagements and 3,700 pieces of evidence.",
    )
    generate.add_argument("--scale", choices=list(SCALES), default="small", help="(%(default)s)")
    generate.add_argument("--seed", type=int, default=7, help="(%(default)s)")
    generate.set_defaults(run=generate_command)
    add_migrate_command(commands)
    add_mail_command(commands)
    add_data_commands(commands)
    return parser


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from service.app import create_app
    from service.serving import serve_workers

    if settings.admin_token is None:
        settings.admin_token = SecretStr(new_token())
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    workers = args.workers or settings.workers
    # With several workers this process only prints the link: each worker loads the graph.
    store = open_store(settings, lazy=workers > 1)  # an unreachable store stops here (exit 1)
    where = settings.neo4j_uri if settings.store is StoreKind.NEO4J else settings.data_dir
    try:
        code = issue_sign_in_code(settings.admin_token.get_secret_value(), store, settings)
        print(
            f"\n  stakeholder-graph on the {settings.store.value} store ({where})\n"
            f"  Open this link within {settings.sign_in_code_minutes:g} minutes to sign in as "
            f"admin (it works once):\n\n"
            f"    http://{shown_host}:{args.port}/login?code={code}\n",
            flush=True,
        )
        if workers == 1:
            app = create_app(settings, store=store)
            uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
            return 0
        ensure_catalog(store)  # once, before the workers start
    finally:
        store.close()
    # Each worker opens the store and builds the app from the environment's settings, which
    # are this process's own: the admin token made above is passed on with them, and a
    # folder of this run through which they share big answers.
    os.environ["STAKEHOLDER_GRAPH_ADMIN_TOKEN"] = settings.admin_token.get_secret_value()
    with tempfile.TemporaryDirectory(prefix="stakeholder-graph-answers-") as shared:
        os.environ["STAKEHOLDER_GRAPH_SHARED_ANSWERS_DIR"] = shared
        serve_workers(
            "service.app:app_from_environment", workers=workers, host=args.host, port=args.port
        )
    return 0


@contextmanager
def progress_bar(description: str) -> Iterator[Progress]:
    """A progress bar on stderr (when it is a terminal), advanced as ``advance(what, count)``."""
    with tqdm(desc=description, unit=" records", leave=False, disable=None) as bar:

        def advance(what: str, count: int) -> None:
            bar.set_postfix_str(what)
            bar.update(count)

        yield advance


def seed_list_command(args: argparse.Namespace, settings: Settings) -> int:
    for seed in list_seeds():
        print(f"{seed.name:<12} {seed.organizations:>4} organizations  {seed.title}")
    return 0


def seed_load_command(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    try:
        with progress_bar(f"loading {args.name}") as advance:
            summary = load_seed(store, args.name, progress=advance)
    finally:
        store.close()
    if summary is None:
        print(f"seed '{args.name}' is loaded already; nothing changed")
    else:
        print(
            f"loaded seed '{args.name}': {summary.organizations} organizations, "
            f"{summary.contacts} contacts, {summary.relationships} relationships "
            f"({summary.assessments} assessments), {summary.engagements} engagements, "
            f"{summary.referrals} referrals ({summary.referral_events} status events)"
        )
    return 0


def token_create_command(args: argparse.Namespace, settings: Settings) -> int:
    request = TokenCreate(
        name=args.name, role=Role(args.role), org_id=args.org_id, expires_at=args.expires
    )
    with closing(open_store(settings)) as store:
        token, principal = issue_token(store, request)
        code = issue_sign_in_code(token, store, settings)
    print(token)
    print(
        f"created a {principal.role.value} token for {principal.name} (id {principal.token_id}); "
        f"it is shown only once. To sign a browser in with it, enter the one-time code {code} "
        f"at /login within {settings.sign_in_code_minutes:g} minutes.",
        file=sys.stderr,
    )
    return 0


def token_list_command(args: argparse.Namespace, settings: Settings) -> int:
    with closing(open_store(settings)) as store:
        tokens = store.list_tokens()
    columns = ("id", "name", "role", "org", "created", "expires", "revoked")
    rows = [
        (
            token.token_id,
            token.name,
            token.role.value,
            token.org_id or "-",
            _shown(token.created_at),
            _shown(token.expires_at),
            _shown(token.revoked_at, missing="-"),
        )
        for token in tokens
    ]
    widths = [max(len(str(row[i])) for row in (columns, *rows)) for i in range(len(columns))]
    for row in (columns, *rows):
        print(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)
            ).rstrip()
        )
    return 0


def token_revoke_command(args: argparse.Namespace, settings: Settings) -> int:
    with closing(open_store(settings)) as store:
        token = store.revoke_token(args.token_id, utc_now())
    print(f"revoked token {token.token_id} of {token.name} at {_shown(token.revoked_at)}")
    return 0


def token_expire_command(args: argparse.Namespace, settings: Settings) -> int:
    expires_at = None if args.never else args.at
    TokenUpdate(expires_at=expires_at)  # refuses a time in the past
    with closing(open_store(settings)) as store:
        token = store.set_token_expiry(args.token_id, expires_at)
    print(f"token {token.token_id} of {token.name} expires: {_shown(token.expires_at)}")
    return 0


def _moment(text: str) -> datetime:
    """A date or date-time given on the command line; UTC unless it says otherwise."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date or date-time such as 2026-06-30 or 2026-06-30T17:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _shown(moment: datetime | None, missing: str = "never") -> str:
    return missing if moment is None else moment.isoformat(timespec="seconds")


def generate_command(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    try:
        total = SCALES[args.scale].counted
        with tqdm(desc=f"generating {args.scale}", total=total, unit=" records") as bar:

            def advance(what: str, count: int) -> None:
                if what in COUNTED:
                    bar.set_postfix_str(what, refresh=False)
                    bar.update(count)

            summary = load_network(store, scale=args.scale, seed=args.seed, progress=advance)
    finally:
        store.close()
    print(
        f"generated '{args.scale}' (seed {args.seed}): {summary.organizations} organizations, "
        f"{summary.contacts} contacts, {summary.relationships} relationships, "
        f"{summary.engagements} engagements, {summary.evidence} pieces of evidence, "
        f"{summary.referrals} referrals ({summary.referral_events} status events)"
    )
    return 0


# -- migrate ----


def add_migrate_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = commands.add_parser(
        "migrate",
        help="bring a store's data up to the current rules, or copy the whole graph from one "
        "store into the other",
        description="Without --to, bring the store the settings name up to the current rules "
        "(referral loops closed by an older loop rule are worked out again, with their pairs' "
        "counters; the service does the same on every start); running it again changes "
        "nothing. With --to, copy everything (sectors, profiles, organizations, contacts, "
        "relationships with their history, engagements, partnership evidence, tokens, "
        "referrals with their events, the audit log, survey rounds with their respondents "
        "and answers, the outbox) from the other store into the one named "
        "by --to, in batches, each one transaction. --to neo4j copies the embedded store in "
        "the data directory into Neo4j; --to embedded copies Neo4j into the data directory. "
        "Running it again changes nothing and doubles nothing, and a copy stopped halfway "
        "completes when it is run again. The target must be empty or an earlier copy of the "
        "same source; stop the service while it runs.",
    )
    migrate.add_argument(
        "--to",
        choices=[kind.value for kind in StoreKind],
        help="the target to copy into; without it the store is brought up to date in place",
    )
    migrate.add_argument(
        "--data-dir",
        type=Path,
        help="the embedded store's data directory (default: STAKEHOLDER_GRAPH_DATA_DIR)",
    )
    migrate.add_argument(
        "--neo4j-uri",
        help="the Neo4j server (default: STAKEHOLDER_GRAPH_NEO4J_URI); user, password and "
        "database come from the STAKEHOLDER_GRAPH_NEO4J_* settings",
    )
    migrate.add_argument(
        "--batch-size",
        type=_positive,
        default=DEFAULT_BATCH_SIZE,
        help="records per transaction (%(default)s)",
    )
    migrate.set_defaults(run=migrate_command)


def migrate_command(args: argparse.Namespace, settings: Settings) -> int:
    given = {"data_dir": args.data_dir, "neo4j_uri": args.neo4j_uri}
    settings = settings.model_copy(update={k: v for k, v in given.items() if v is not None})
    if args.to is None:
        with closing(open_store(settings)) as store:
            changed = bring_up_to_date(store)
        print(
            "the store was up to date"
            if changed is None
            else f"brought the store up to date: the loops of {changed} referrals changed"
        )
        return 0
    target_kind = StoreKind(args.to)
    source_kind = next(kind for kind in StoreKind if kind is not target_kind)
    if source_kind is StoreKind.EMBEDDED and not (settings.data_dir / DATABASE_FILE).is_file():
        raise NotFound(f"there is no embedded store to copy in {settings.data_dir}")
    names = {
        StoreKind.EMBEDDED: f"the embedded store in {settings.data_dir}",
        StoreKind.NEO4J: f"Neo4j at {settings.neo4j_uri}",
    }
    with ExitStack() as opened:
        source, target = (
            opened.enter_context(closing(open_store(settings.model_copy(update={"store": kind}))))
            for kind in (source_kind, target_kind)
        )
        bring_up_to_date(source)
        total = sum(record_counts(source).values())
        with tqdm(
            total=total,
            desc=f"copying into {target_kind.value}",
            unit=" records",
            leave=False,
            disable=None,
        ) as bar:

            def advance(kind: RecordKind, count: int) -> None:
                bar.set_postfix_str(kind.value)
                bar.update(count)

            copied = migrate(source, target, batch_size=args.batch_size, progress=advance)
        bring_up_to_date(target)
    counts = ", ".join(f"{count} {kind.value}" for kind, count in copied.items() if count)
    print(
        f"copied {sum(copied.values())} records from {names[source_kind]} into "
        f"{names[target_kind]}: {counts or 'nothing to copy'}"
    )
    return 0


# -- import and export ----


def add_data_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imports = commands.add_parser(
        "import",
        help="preview and import a spreadsheet of organizations, contacts, relationships, "
        "engagements and partnership evidence",
        description="Read FILE (an XLSX workbook, a CSV file named after its sheet, or a zip of "
        "CSV files; `stakeholder-graph template` writes the workbook to fill in; a Kumu "
        "workbook with Elements and Connections sheets; Open Referral HSDS 3.0, a tabular data "
        "package zip with datapackage.json or the JSON of organizations), print what "
        "importing it creates, updates and leaves and every problem with its sheet, row and "
        "column, then import it all or nothing. Rows match stored records by id, else by exact "
        "name; importing the same file again changes nothing, a changed state adds an "
        "assessment, and changed organizations, contacts and engagements are updated. Exits 1, "
        "changing nothing, when the file has any problem.",
    )
    imports.add_argument("file", type=Path, help="the file to import")
    imports.add_argument(
        "--format",
        choices=list(READERS),
        help="(read from the file if left out: a workbook with an Elements sheet is kumu, "
        "JSON or a zip with datapackage.json is hsds)",
    )
    imports.add_argument(
        "--sector",
        help="the sector (slug or label) of every organization the file gives none: Kumu "
        "elements with an empty Type, HSDS organizations none of whose taxonomy terms the "
        "mapping names (the preview lists them)",
    )
    imports.add_argument("--region", help="hsds: the region of every organization")
    imports.add_argument(
        "--mapping",
        type=Path,
        help='hsds: a JSON file {"sectors": {"taxonomy term code or name": "sector"}, '
        '"regions": {"city, county or region of an address": "region"}}',
    )
    imports.add_argument(
        "--sector-column",
        help="kumu: the Elements column that names each organization's sector (Type)",
    )
    imports.add_argument(
        "--dry-run", action="store_true", help="print the preview only; change nothing"
    )
    imports.add_argument(
        "--assessed-by",
        default="spreadsheet import",
        help="who assessed relationships whose rows name nobody (%(default)s)",
    )
    imports.set_defaults(run=import_command)

    export = commands.add_parser(
        "export",
        help="write the network, one region or one eco-map to a file",
        description="Write the whole network, one region (--region) or one organization's "
        "eco-map (--org, --depth): xlsx and csv (a zip of CSV files) as the spreadsheet `import` "
        "reads back, in which text a spreadsheet would run as a formula is written inert; "
        "graphml and gexf for Gephi, yEd and Cytoscape, with sector, region, state, partnership "
        "level and referral counts as typed attributes; kumu, a workbook in Kumu's layout "
        "(Elements and Connections, each relationship with its current state) that Kumu and "
        "`import` read; hsds, the organizations with their contacts as Open Referral HSDS 3.0 "
        "JSON, and hsds-csv, the same as an HSDS tabular data package (a zip of "
        "datapackage.json, organizations.csv and contacts.csv).",
    )
    export.add_argument("--format", required=True, choices=list(WRITERS), help="the file format")
    export.add_argument("--org", help="only this organization's eco-map")
    export.add_argument(
        "--depth", type=_positive, default=1, help="partners this many steps away (%(default)s)"
    )
    export.add_argument("--region", help="only the organizations of this region")
    export.add_argument(
        "-o", "--output", type=Path, help="the file to write (default: a name of the export's)"
    )
    export.set_defaults(run=export_command)

    template = commands.add_parser(
        "template",
        help="write the spreadsheet template to fill in",
        description="Write the empty XLSX workbook `import` reads, with an 'about' sheet "
        "explaining each column.",
    )
    template.add_argument("-o", "--output", type=Path, help="(stakeholder-graph-template.xlsx)")
    template.set_defaults(run=template_command)


def import_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as error:
        raise NotFound(f"cannot read {args.file}: {error.strerror}") from error
    store = open_store(settings)
    try:
        plan = preview_file(
            store,
            data,
            args.file.name,
            assessed_by=args.assessed_by,
            format=args.format,
            options=import_options(args),
        )
        print(summary_line(plan.preview))
        for notice in plan.preview.notices:
            print(f"  notice: {notice}")
        for problem in plan.preview.problems:
            print(f"  problem: {problem}", file=sys.stderr)
        if plan.preview.problems:
            count = len(plan.preview.problems)
            raise InvalidInput(
                f"{count} problem{'s'[: count - 1]} in {args.file.name}; nothing was imported"
            )
        if args.dry_run:
            print("dry run: nothing changed")
            return 0
        with progress_bar("importing") as advance:
            apply_plan(store, plan, progress=advance)
    finally:
        store.close()
    changed = plan.preview.changes
    print(
        f"imported {args.file.name}: {changed} records created or changed"
        if changed
        else f"{args.file.name} is imported already; nothing changed"
    )
    return 0


def import_options(args: argparse.Namespace) -> ReadOptions:
    """The importer's additions to the file, from the command line."""
    sectors: dict[str, str] = {}
    regions: dict[str, str] = {}
    if args.mapping is not None:
        try:
            sectors, regions = read_mapping(args.mapping.read_bytes(), args.mapping.name)
        except OSError as error:
            raise NotFound(f"cannot read {args.mapping}: {error.strerror}") from error
    return ReadOptions(
        sector=args.sector,
        region=args.region,
        sectors=sectors,
        regions=regions,
        sector_column=args.sector_column,
    )


def export_command(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    try:
        scope = Scope(org_id=args.org, depth=args.depth, region=args.region)
        written = export_network(store, args.format, scope)
    finally:
        store.close()
    return _write_file(args.output or Path(written.filename), written.content)


def template_command(args: argparse.Namespace, settings: Settings) -> int:
    written = template_workbook()
    return _write_file(args.output or Path(written.filename), written.content)


def _write_file(path: Path, content: bytes) -> int:
    try:
        path.write_bytes(content)
    except OSError as error:
        raise InvalidInput(f"cannot write {path}: {error.strerror}") from error
    print(f"wrote {path} ({len(content):,} bytes)")
    return 0


def _positive(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive whole number")
    return value


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"])
    message = problem["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


if __name__ == "__main__":
    sys.exit(main())


# -- mail ----


def add_mail_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mail = commands.add_parser(
        "mail",
        help="send digests and the mail waiting in the outbox",
        description="Mail goes through STAKEHOLDER_GRAPH_SMTP_HOST (and _SMTP_PORT, _SMTP_USER, "
        "_SMTP_PASSWORD, _SMTP_FROM, _SMTP_STARTTLS). Every message is kept in the outbox; one "
        "that failed is tried again by the next `mail send`, and none is sent twice.",
    )
    mail_commands = mail.add_subparsers(title="mail commands", metavar="MAIL_COMMAND")
    digest = mail_commands.add_parser(
        "digest",
        help="mail each organization what needs doing",
        description="Write a digest for each contact with an e-mail address of every "
        "organization (or of --org) that has something to do: referral loops overdue (counts, "
        "never a case ref), planned engagements due within 7 days or overdue, survey rounds "
        "open; then send the outbox.",
    )
    digest.add_argument("--org", dest="org_id", help="only this organization's digest")
    digest.set_defaults(run=mail_digest_command)
    send = mail_commands.add_parser(
        "send",
        help="send the mail waiting in the outbox",
        description="Send every message not sent yet, the failed ones again; prints what was "
        "sent and what failed, and exits with 1 when any failed.",
    )
    send.set_defaults(run=mail_send_command)


def mail_digest_command(args: argparse.Namespace, settings: Settings) -> int:
    with closing(open_store(settings)) as store:
        report = queue_digests(store, org_id=args.org_id, now=utc_now())
        for line in report.lines():
            print(line)
        return _send_outbox(store, settings)


def mail_send_command(args: argparse.Namespace, settings: Settings) -> int:
    with closing(open_store(settings)) as store:
        return _send_outbox(store, settings)


def _send_outbox(store: Store, settings: Settings) -> int:
    if settings.smtp_host is None:
        waiting = len(store.list_mail(unsent_only=True))
        print(
            f"no STAKEHOLDER_GRAPH_SMTP_HOST: {waiting} message(s) wait in the outbox",
            file=sys.stderr,
        )
        return 1 if waiting else 0
    report = send_pending(store, settings)
    for line in report.lines():
        print(line)
    return 1 if report.failed else 0
