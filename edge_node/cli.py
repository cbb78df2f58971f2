"""Commands of ``edge_node``: a thin shell over ``edge_node.node``, ``.trust`` and ``.packs``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from edge_node.node import Node
    from sync.client import SyncReport

app = typer.Typer(
    no_args_is_help=True, help="The learning centre node: init, import packs, serve, sync."
)

DataOption = typer.Option(
    Path("edge-data"), "--data", help="The node's data directory.", envvar="FIELDCRED_EDGE_DATA"
)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def _open(data: Path):  # type: ignore[no-untyped-def]
    from credentials.errors import CredentialError
    from edge_node.errors import EdgeError
    from edge_node.node import open_node

    try:
        return open_node(data)
    except (EdgeError, CredentialError) as error:
        _fail(str(error))


@app.command("init")
def init(
    data: Path = DataOption,
    name: str | None = typer.Option(None, "--name", help='The centre\'s name, e.g. "Kisumu CLC".'),
    admin_user: str | None = typer.Option(None, "--admin-user", help="First admin's username."),
    admin_password: str | None = typer.Option(
        None, "--admin-password", help="First admin's password (8 characters or more)."
    ),
) -> None:
    """Create a node: settings, database, node key (0600), certificate request, first admin.

    Asks only for what the flags do not give. Run again on a node, it keeps the key,
    settings and data, and adds another admin account; an account that exists already is
    refused (its password is changed with ``set-password``), and nothing is changed.
    """
    from content.errors import ContentError
    from credentials.errors import CredentialError
    from edge_node.config import CERT_FILE, CERT_REQUEST_FILE, DATABASE_FILE
    from edge_node.errors import EdgeError
    from edge_node.node import init_node

    existed = (data / DATABASE_FILE).exists()
    if name is None:
        name = typer.prompt("Centre name")
    if admin_user is None:
        admin_user = typer.prompt("Admin username")
    if existed and _has_account(data, admin_user):
        _fail(
            f"a node already exists in {data} and has the account {admin_user!r}: nothing was "
            f"changed. To give it a new password: fieldcred edge set-password {admin_user} "
            f"--data {data}. To add another admin, run init again with a new --admin-user."
        )
    if admin_password is None:
        admin_password = typer.prompt("Admin password", hide_input=True, confirmation_prompt=True)
    try:
        account = init_node(data, name=name, admin_user=admin_user, admin_password=admin_password)
    except (EdgeError, CredentialError, ContentError) as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"{data}: {error.strerror or error}")
    if existed:
        typer.echo(
            f"The node in {data} was kept as it was; admin account {account.username} added."
        )
    else:
        typer.echo(f"Node ready in {data} (admin: {account.username}).")
    if (data / CERT_FILE).exists():
        typer.echo("The node is enrolled: its certificate is installed.")
    else:
        typer.echo(
            f"Send {data / CERT_REQUEST_FILE} to the university to get the node certificate."
        )


def _has_account(data: Path, username: str) -> bool:
    """Whether the node in ``data`` already has an account of this name."""
    from edge_node.config import DATABASE_FILE
    from edge_node.storage import first, open_database

    db = open_database(data / DATABASE_FILE)
    try:
        return first(db, "SELECT 1 FROM accounts WHERE username = ?", [username]) is not None
    finally:
        db.close()


@app.command("set-password")
def set_password(
    username: str = typer.Argument(..., help="The account, e.g. admin."),
    data: Path = DataOption,
    password: str | None = typer.Option(
        None, "--password", help="The new password (8 characters or more); asked if not given."
    ),
) -> None:
    """Give a worker or admin account a new password (and lift its lockout)."""
    from edge_node.accounts import hasher_for
    from edge_node.accounts import set_password as store
    from edge_node.errors import EdgeError

    if password is None:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    node = _open(data)
    try:
        account = store(
            node.db, username, password, at=node.clock.now(), hasher=hasher_for(node.settings)
        )
    except EdgeError as error:
        _fail(str(error))
    finally:
        node.close()
    typer.echo(f"New password set for {account.username} ({account.role}).")
    if account.disabled:
        typer.echo("The account is disabled: an admin enables it on the Admin page.")


@app.command("install-cert")
def install_cert(
    file: Path = typer.Argument(..., help="The node certificate the university returned."),
    data: Path = DataOption,
    root: Path | None = typer.Option(
        None, "--root", help="The university's root public key (JWK or COSE_Key) to pin."
    ),
) -> None:
    """Install the node certificate (checked against the university's pinned root key)."""
    from credentials.errors import CredentialError
    from credentials.keys import load_public_key
    from edge_node.errors import EdgeError
    from edge_node.trust import install_certificate, pin_root

    node = _open(data)
    try:
        if root is not None:
            pin_root(node, load_public_key(root))
        cert = install_certificate(node, _read(file), refuse_expired=True)
    except (EdgeError, CredentialError) as error:
        _fail(str(error))
    finally:
        node.close()
    typer.echo(
        f"Installed the certificate of {cert.node_name} ({cert.node_id}), valid "
        f"{cert.not_before:%Y-%m-%d} to {cert.not_after:%Y-%m-%d}, modules: "
        f"{', '.join(cert.modules) or 'all'}."
    )


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as error:
        _fail(f"{file}: {error.strerror or error}", code=2)
        raise


@app.command("import-pack")
def import_pack(
    file: Path = typer.Argument(..., help="A signed content pack (.fcpack) from the university."),
    data: Path = DataOption,
) -> None:
    """Install a signed content pack and its trust list; refuse a tampered or unsigned one."""
    from content.errors import ContentError
    from credentials.errors import CredentialError
    from edge_node.errors import EdgeError
    from edge_node.packs import install_pack

    node = _open(data)
    try:
        summary = install_pack(node, _read(file))
    except (EdgeError, CredentialError, ContentError) as error:
        _fail(f"{file}: refused: {error}")
    finally:
        node.close()
    typer.echo(f"Installed from {file}: {summary}")


@app.command("serve")
def serve(
    data: Path = DataOption,
    host: str | None = typer.Option(None, "--host", help="Address to listen on (0.0.0.0: all)."),
    port: int | None = typer.Option(None, "--port", min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve the centre's pages and API."""
    import os
    import sys

    # The server runs as a fresh interpreter in this same process: see edge_node.service.
    service = [sys.executable, "-m", "edge_node.service", str(data), host or "", str(port or "")]
    os.execv(sys.executable, service)


def _print_report(report: SyncReport) -> None:
    typer.echo(
        f"{'Synced' if report.ok else 'Sync incomplete'}: {report.events_sent} event(s) sent, "
        f"{report.pending} still pending, hub has everything through seq {report.last_ack}, "
        f"{report.items_pulled} item(s) pulled."
    )
    if report.last_error:
        typer.echo(f"Last error: {report.last_error}", err=True)


@app.command("sync")
def sync(
    data: Path = DataOption,
    hub: str | None = typer.Option(None, "--hub", help="The hub's URL (default: settings)."),
) -> None:
    """Push pending events to the university hub and pull trust lists, packs and the time.

    On a terminal, a bar shows the events and bytes sent, the rate and the time left.
    """
    from edge_node.errors import EdgeError

    node = _open(data)
    try:
        report = _sync_with_bar(node, hub)
    except EdgeError as error:
        _fail(str(error))
    finally:
        node.close()
    _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _sync_with_bar(node: Node, hub: str | None) -> SyncReport:
    """One sync; on a terminal with a progress bar whose last word is the report's."""
    from rich.console import Console
    from rich.filesize import decimal
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from edge_node.syncing import sync_now

    console = Console()
    if not console.is_terminal:
        return sync_now(node, hub_url=hub)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events, {task.fields[size]} {task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("Syncing", total=None, size="0 bytes", rate="")

        def progress(events_sent: int, pending_at_start: int, bytes_sent: int) -> None:
            elapsed = bar.tasks[task].elapsed or 0.0
            rate = f"({decimal(int(bytes_sent / elapsed))}/s)" if elapsed > 0 else ""
            bar.update(
                task,
                completed=events_sent,
                total=max(pending_at_start, events_sent),
                size=decimal(bytes_sent),
                rate=rate,
            )

        report = sync_now(node, hub_url=hub, progress=progress)
        if report.ok:
            bar.update(task, description="Synced", total=bar.tasks[task].completed)
        else:
            bar.update(task, description="[red]Sync incomplete")
    return report


@app.command("export-bundle")
def export_bundle(
    file: Path = typer.Argument(..., help="Where to write the bundle (e.g. on a USB stick)."),
    data: Path = DataOption,
) -> None:
    """Write every event the hub has not acknowledged to a file, for a USB stick."""
    from edge_node.syncing import export_bundle as export

    node = _open(data)
    try:
        size = export(node, file)
    except OSError as error:
        _fail(f"{file}: {error.strerror or error}")
    finally:
        node.close()
    typer.echo(f"Wrote {size} bytes to {file}; bring it to the hub, then import its answer.")


@app.command("import-bundle")
def import_bundle(
    file: Path = typer.Argument(..., help="The hub's answer file for a bundle."),
    data: Path = DataOption,
) -> None:
    """Apply the hub's answer to a USB bundle: acknowledgements, trust list, packs, time."""
    from edge_node.errors import EdgeError
    from edge_node.syncing import import_answer as apply

    node = _open(data)
    try:
        report = apply(node, _read(file))
    except EdgeError as error:
        _fail(str(error))
    finally:
        node.close()
    _print_report(report)


# The command's earlier name, kept for scripts written before the rename.
app.command("import-answer", hidden=True)(import_bundle)
