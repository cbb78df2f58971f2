"""Commands of ``sync``: the university hub (a thin shell over ``hub``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

app = typer.Typer(
    no_args_is_help=True, help="The university hub: init, enrol nodes, serve, import bundles."
)

DataOption = Annotated[
    Path,
    typer.Option("--data", help="The hub's data directory.", envvar="FIELDCRED_HUB_DATA"),
]
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL: a SQLite path or postgresql://... (default: hub.db)."),
]


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def _open(data: Path, db: str | None = None) -> Any:
    from hub.settings import open_hub
    from sync.errors import SyncError

    try:
        return open_hub(data, db=db)
    except SyncError as error:
        _fail(str(error))


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise typer.BadParameter(f"{path}: {error.strerror or error}") from None


def _write_file(path: Path, data: bytes, done: str) -> None:
    """Write ``data``; a path that cannot be written is a plain error saying that ``done``
    already happened (running the command again with another path is safe)."""
    try:
        path.write_bytes(data)
    except OSError as error:
        _fail(f"{path}: cannot be written ({error.strerror or error}); {done}")


@app.command("init")
def init(
    data: DataOption,
    name: Annotated[str, typer.Option("--name", help='The university\'s name, e.g. "Maseno".')],
    organisation: Annotated[
        str, typer.Option("--organisation", help="Organisation id that owns new nodes.")
    ] = "university",
) -> None:
    """Create a hub: settings, university root key (mode 0600) and database."""
    from hub.settings import init_data_dir
    from sync.errors import SyncError

    try:
        init_data_dir(data, name=name, organisation=organisation)
    except SyncError as error:
        _fail(str(error))
    hub, _ = _open(data)
    hub.store.close()
    typer.echo(
        f"Hub {name!r} ready in {data}. Keep {data / 'root.key'} secret and backed up; "
        f"give centres and verifiers the public key {data / 'root.jwk'}."
    )


@app.command("serve")
def serve(
    data: DataOption,
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8400,
) -> None:
    """Serve /sync/v1 for nodes, the trust list, staff pages and the JSON API."""
    import uvicorn

    from hub.web.app import create_web_app

    hub, settings = _open(data, db)
    if settings.xapi_url:
        import threading

        from hub.xapi import forward_forever

        user, _, password = settings.xapi_auth.partition(":")
        threading.Thread(
            target=forward_forever,
            kwargs={
                "store": hub.store,
                "lrs_url": settings.xapi_url,
                "base_url": settings.public_url,
                "auth": (user, password) if settings.xapi_auth else None,
                "stop": threading.Event(),  # never set: the thread ends with the process
            },
            daemon=True,
        ).start()
        typer.echo(f"Forwarding xAPI statements to {settings.xapi_url}")
    typer.echo(f"Hub {settings.name!r} on http://{host}:{port}/")
    uvicorn.run(create_web_app(hub, settings), host=host, port=port, log_level="warning")


@app.command("enrol-node")
def enrol_node(
    request: Annotated[Path, typer.Argument(help="The node's certificate request file.")],
    data: DataOption,
    modules: Annotated[
        str, typer.Option("--modules", help="Comma-separated module ids it may certify, or '*'.")
    ],
    days: Annotated[int, typer.Option("--days", min=1, help="Validity in days from now.")] = 365,
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the certificate.")
    ] = None,
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="Owner (default: the hub's).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Sign a node's certificate request with the root key (also renews a certificate)."""
    from hub import nodes
    from sync.errors import SyncError

    chosen = tuple(m.strip() for m in modules.split(",") if m.strip())
    if not chosen:
        raise typer.BadParameter("name at least one module (or '*')", param_hint="--modules")
    hub, settings = _open(data, db)
    now = datetime.now(UTC)
    try:
        cert = nodes.enrol_node(
            hub.store,
            hub.root_key,
            _read_file(request),
            modules=chosen,
            not_before=now - timedelta(minutes=5),
            not_after=now + timedelta(days=days),
            organisation=organisation or settings.organisation,
            now=now,
        )
    except SyncError as error:
        _fail(str(error))
    target = out or request.with_suffix(".cert")
    _write_file(target, cert, "the node is enrolled: run the command again with --out elsewhere")
    typer.echo(f"Certificate written to {target} (valid {days} days, modules: {modules}).")


@app.command("revoke-node")
def revoke_node(
    node_id: Annotated[str, typer.Argument(help="The node's id.")],
    data: DataOption,
    db: DbOption = None,
) -> None:
    """Revoke a node: its messages are refused; the next trust list says so."""
    from hub import nodes
    from sync.errors import SyncError

    hub, _ = _open(data, db)
    try:
        nodes.revoke_node(hub.store, hub.root_key, node_id, now=datetime.now(UTC))
    except SyncError as error:
        _fail(str(error))
    typer.echo(f"Node {node_id} revoked; published in the new trust list.")


@app.command("publish-pack")
def publish_pack(
    pack: Annotated[Path, typer.Argument(help="A content pack signed with this hub's root key.")],
    data: DataOption,
    db: DbOption = None,
) -> None:
    """Send a content pack to every node on its next sync (or in its next bundle answer)."""
    from hub import nodes
    from sync.errors import SyncError

    hub, _ = _open(data, db)
    try:
        nodes.publish_pack(hub.store, hub.root_key, _read_file(pack), now=datetime.now(UTC))
    except SyncError as error:
        _fail(f"{pack}: {error}")
    typer.echo(f"{pack} queued for every node's next pull.")


@app.command("import-bundle")
def import_bundle(
    bundle: Annotated[Path, typer.Argument(help="The bundle file a node exported.")],
    data: DataOption,
    answer: Annotated[
        Path | None, typer.Option("--answer", help="Where to write the answer file.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Apply a node's USB bundle; write the answer file to carry back to the node."""
    from hub.ingest import answer as answer_message
    from sync import bundles
    from sync.errors import SyncError

    hub, _ = _open(data, db)
    try:
        reply, errors = bundles.import_bundle(
            lambda wire: answer_message(hub, wire), _read_file(bundle)
        )
    except SyncError as error:
        _fail(f"{bundle}: {error}")
    target = answer or bundle.with_suffix(".answer")
    _write_file(
        target, reply, "the bundle was applied: run the command again with --answer elsewhere"
    )
    for refused in errors:
        typer.echo(f"Refused: {refused}", err=True)
    typer.echo(f"Answer written to {target}; take it back to the node.")
    if errors:
        raise typer.Exit(1)


@app.command("add-staff")
def add_staff(
    username: Annotated[str, typer.Argument(help="Login name.")],
    data: DataOption,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Password.")
    ],
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="Organisation (default: the hub's).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a staff login for the hub's pages."""
    from hub.staff import add_staff as create
    from sync.errors import SyncError

    hub, settings = _open(data, db)
    try:
        create(hub.store, username, password, organisation or settings.organisation)
    except SyncError as error:
        _fail(str(error))
    typer.echo(f"Staff account {username!r} created.")


@app.command("set-staff-password")
def set_staff_password(
    username: Annotated[str, typer.Argument(help="Login name.")],
    data: DataOption,
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="New password."),
    ],
    db: DbOption = None,
) -> None:
    """Give a staff login a new password; every session it holds ends."""
    import time

    from hub.staff import set_password
    from sync.errors import SyncError

    hub, _ = _open(data, db)
    try:
        set_password(hub.store, username, password, now=int(time.time()))
    except SyncError as error:
        _fail(str(error))
    typer.echo(f"New password set for {username!r}; its sessions have ended.")


@app.command("disable-staff")
def disable_staff(
    username: Annotated[str, typer.Argument(help="Login name.")],
    data: DataOption,
    enable: Annotated[bool, typer.Option("--enable", help="Enable the login again.")] = False,
    db: DbOption = None,
) -> None:
    """Disable a staff login (it cannot log in, and every session it holds ends), or
    with --enable let it log in again."""
    import time

    from hub.staff import set_disabled
    from sync.errors import SyncError

    hub, _ = _open(data, db)
    try:
        set_disabled(hub.store, username, not enable, now=int(time.time()))
    except SyncError as error:
        _fail(str(error))
    typer.echo(f"Staff account {username!r} {'enabled' if enable else 'disabled'}.")


@app.command("add-token")
def add_token(
    label: Annotated[str, typer.Argument(help="What the token is for, e.g. 'open edx'.")],
    data: DataOption,
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="Scope (default: the hub's).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a JSON API token scoped to one organisation; it is printed once."""
    from hub.staff import add_token as create

    hub, settings = _open(data, db)
    token = create(hub.store, label, organisation or settings.organisation)
    typer.echo(token)


@app.command("remove-token")
def remove_token(
    label: Annotated[str, typer.Argument(help="The label the token was created with.")],
    data: DataOption,
    db: DbOption = None,
) -> None:
    """Remove the JSON API tokens with this label: they are refused from then on."""
    from hub.staff import remove_tokens

    hub, _ = _open(data, db)
    count = remove_tokens(hub.store, label)
    if count == 0:
        _fail(f"no API token is labelled {label!r}")
    typer.echo(f"{count} API token(s) labelled {label!r} removed.")
