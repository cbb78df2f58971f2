"""Commands of ``lms_plugin``: what a course publishes, checked and packed for edge nodes."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from content.loading import Catalogue

app = typer.Typer(
    no_args_is_help=True, help="The Open edX plugin: content packs and the workbench."
)

ContentOption = Annotated[
    Path | None,
    typer.Option(
        "--content",
        help="Folder of module and pathway YAML files (default: the shipped modules).",
        show_default=False,
    ),
]
MAX_INPUT_BYTES = 4 * 1024 * 1024


def _catalogue(content: Path | None) -> Catalogue:
    from content.errors import InvalidContent
    from content.loading import load_catalogue

    if content is not None and not content.is_dir():
        raise typer.BadParameter(f"{content} is not a folder", param_hint="--content")
    try:
        return load_catalogue(content)
    except InvalidContent as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        typer.echo("the catalogue has problems: run 'fieldcred content validate'", err=True)
        raise typer.Exit(1) from None


def _read(path: Path, option: str) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror}", param_hint=option) from None
    if len(data) > MAX_INPUT_BYTES:
        raise typer.BadParameter(f"{path} is too large", param_hint=option)
    return data


@app.command("list")
def list_modules(
    content: ContentOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    language: Annotated[str, typer.Option("--lang", help="Language of the titles.")] = "en",
) -> None:
    """List the modules a course can offer, with the OLX element that places each one."""
    from lms_plugin.publishing import module_rows

    rows = module_rows(_catalogue(content), language)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        typer.echo(
            f"{row['id']} {row['version']}  {row['title']}  [{' '.join(row['languages'])}]  "
            f"items {row['items']}, practical criteria {row['practical']}, "
            f"pass {row['threshold']:g}\n    {row['olx']}"
        )


@app.command("validate")
def validate(
    olx: Annotated[
        Path | None,
        typer.Argument(
            help="A course's OLX: one .xml file or a folder (e.g. an unpacked course export).",
            show_default=False,
        ),
    ] = None,
    content: ContentOption = None,
) -> None:
    """Check the catalogue, and every green_skills_module block of a course's OLX against it.

    Prints FILE:LINE: MESSAGE per problem. Exits 0 when all is well, 1 on problems,
    2 on a usage error.
    """
    from lms_plugin.publishing import check_olx, olx_files

    if olx is not None and not olx.exists():
        raise typer.BadParameter(f"{olx} does not exist", param_hint="OLX")
    catalogue = _catalogue(content)
    typer.echo(f"catalogue: {len(catalogue.modules)} module(s), valid")
    if olx is None:
        return
    files = olx_files(olx)
    found, problems = check_olx(files, catalogue)
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {olx}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{olx}: {found} green_skills_module block(s) in {len(files)} file(s), valid")


@app.command("export-pack")
def export_pack(
    key: Annotated[Path, typer.Option("--key", help="The university root key (private JWK).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the pack.")],
    module: Annotated[
        list[str] | None, typer.Option("--module", help="A module id to include (repeat).")
    ] = None,
    node_cert: Annotated[
        list[Path] | None,
        typer.Option("--node-cert", help="A node certificate to trust (repeat)."),
    ] = None,
    trust_list: Annotated[
        Path | None,
        typer.Option("--trust-list", help="The current signed trust list, to carry forward."),
    ] = None,
    olx: Annotated[
        Path | None,
        typer.Option(
            "--olx",
            help="A course's OLX (file or folder): its blocks' pass thresholds go into the pack.",
        ),
    ] = None,
    content: ContentOption = None,
) -> None:
    """Write a signed content pack for edge nodes: module definitions, media, the pathways
    they complete, catalogue entries and the trust list, signed by the university key.

    With --olx, a stricter pass threshold set in the course's blocks is packed too, so
    centres grade as the course does.
    """
    from credentials.errors import CredentialError
    from credentials.keys import load_private_key
    from lms_plugin.errors import LmsError
    from lms_plugin.publishing import course_thresholds, olx_files
    from lms_plugin.publishing import export_pack as build

    if not module:
        raise typer.BadParameter("name at least one --module", param_hint="--module")
    if olx is not None and not olx.exists():
        raise typer.BadParameter(f"{olx} does not exist", param_hint="--olx")
    catalogue = _catalogue(content)
    try:
        signing_key = load_private_key(key)
    except (OSError, CredentialError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--key") from None
    certificates = [_read(path, "--node-cert") for path in node_cert or []]
    base = None if trust_list is None else _read(trust_list, "--trust-list")
    try:
        thresholds = None if olx is None else course_thresholds(olx_files(olx), catalogue)
        pack, modules, pathways = build(
            catalogue,
            module,
            signing_key,
            node_certificates=certificates,
            base_trust_list=base,
            thresholds=thresholds,
        )
    except LmsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    try:
        out.write_bytes(pack)
    except OSError as exc:
        raise typer.BadParameter(
            f"cannot write {out}: {exc.strerror}", param_hint="--out"
        ) from None
    names = ", ".join(f"{m.id} {m.version}" for m in modules)
    extra = f"; pathways: {', '.join(p.id for p in pathways)}" if pathways else ""
    typer.echo(
        f"{out} written: {len(pack)} bytes, sha256 {hashlib.sha256(pack).hexdigest()[:16]}; "
        f"modules: {names}{extra}"
    )


def _hub_url(value: str) -> str:
    """The hub's base URL without a trailing slash, or a usage error."""
    example = "e.g. https://hub.example.org"
    try:
        parts = urllib.parse.urlsplit(value.strip())
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an address, {example}", param_hint="--hub-url"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise typer.BadParameter(
            f"{value!r} is not an http(s) address, {example}", param_hint="--hub-url"
        )
    if parts.query or parts.fragment:
        raise typer.BadParameter(
            f"{value!r}: give the hub's address without ? or #", param_hint="--hub-url"
        )
    return urllib.parse.urlunsplit(parts).rstrip("/")


@app.command("workbench")
def workbench(
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1.")
    ] = 8000,
    folder: Annotated[
        Path, typer.Option("--dir", help="Working folder (database, logs, online ledger).")
    ] = Path("var/lms-workbench"),
    root_key: Annotated[
        Path | None,
        typer.Option("--root-key", help="Certify a fresh online issuer with this root key."),
    ] = None,
    issuer_key: Annotated[
        Path | None, typer.Option("--issuer-key", help="An online issuer key (private JWK).")
    ] = None,
    issuer_cert: Annotated[
        Path | None, typer.Option("--issuer-cert", help="Its node certificate.")
    ] = None,
    staff_view: Annotated[
        bool, typer.Option("--staff-view", help="Show the staff view to everyone (testing only).")
    ] = False,
    hub_url: Annotated[
        str | None,
        typer.Option(
            "--hub-url",
            help="The university hub, e.g. https://hub.example.org: the staff view reads "
            "the centres' results from its API.",
        ),
    ] = None,
    hub_token: Annotated[
        str | None,
        typer.Option(
            "--hub-token",
            envvar="FIELDCRED_HUB_TOKEN",
            show_envvar=True,
            help="The hub's API token (fieldcred hub add-token); better given in the "
            "environment, where other users' `ps` does not show it.",
        ),
    ] = None,
    content: ContentOption = None,
) -> None:
    """Serve the XBlock SDK workbench with one green-skills scenario per module.

    Without an issuer, learners who pass are told their credential will follow.
    Without a hub, the staff view lists online results only. Stops on Ctrl-C.
    """
    from credentials.errors import CredentialError
    from credentials.keys import load_private_key
    from lms_plugin.online_issuance import certify_online_issuer
    from lms_plugin.workbench import start_workbench, wait_until_ready

    try:
        import workbench as _sdk  # noqa: F401
    except ImportError:
        typer.echo("error: the XBlock SDK is missing: pip install 'fieldcred[lms]'", err=True)
        raise typer.Exit(1) from None
    if root_key is not None and issuer_key is not None:
        raise typer.BadParameter(
            "pass --root-key or --issuer-key, not both", param_hint="--root-key"
        )
    if content is not None and not content.is_dir():
        raise typer.BadParameter(f"{content} is not a folder", param_hint="--content")
    if issuer_key is not None and not issuer_key.is_file():
        raise typer.BadParameter(f"{issuer_key} does not exist", param_hint="--issuer-key")
    if hub_url is not None:
        hub_url = _hub_url(hub_url)
        if not hub_token:
            raise typer.BadParameter(
                "the hub needs an API token: --hub-token or FIELDCRED_HUB_TOKEN",
                param_hint="--hub-token",
            )
    elif hub_token:
        raise typer.BadParameter("a hub token needs --hub-url", param_hint="--hub-url")
    if root_key is not None:
        try:
            issuer_key, issuer_cert = certify_online_issuer(
                load_private_key(root_key), folder / "issuer"
            )
        except (OSError, CredentialError) as exc:
            raise typer.BadParameter(str(exc), param_hint="--root-key") from None
    try:
        process = start_workbench(
            port,
            folder,
            issuer_key,
            issuer_certificate_path=issuer_cert,
            content_dir=content,
            staff_view_for_all=staff_view,
            hub_url=hub_url,
            hub_token=hub_token,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        typer.echo(f"error: the workbench did not start: {exc}", err=True)
        raise typer.Exit(1) from None
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        url = wait_until_ready(process, port)
        typer.echo(f"XBlock workbench with the green-skills scenarios: {url}")
        process.wait()
    except (RuntimeError, TimeoutError) as exc:
        typer.echo(f"error: {exc} (see {folder / 'var' / 'server.log'})", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
