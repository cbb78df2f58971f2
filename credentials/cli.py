"""Commands of ``credentials``: keys, node certificates, sample sets, verification."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from credentials.certificates import (
    ALL_MODULES,
    NodeCertificate,
    issue_node_certificate,
    make_request,
    read_request,
)
from credentials.errors import CredentialError
from credentials.keys import (
    SigningKey,
    load_private_key,
    load_public_key,
    public_cose_key,
    public_jwk,
    save_private_key,
)
from credentials.qr import MAX_DECODED_BYTES, PREFIX, read_qr_photo
from credentials.trust import MAX_TRUST_LIST_BYTES, TrustList, read_trust_list

if TYPE_CHECKING:
    from credentials.verification import Verdict

credentials_app = typer.Typer(no_args_is_help=True, help="Credential sample sets and tools.")
keys_app = typer.Typer(no_args_is_help=True, help="University and node keys, node certificates.")

MAX_INPUT_BYTES = 20 * 1024 * 1024
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def _read(path: Path, what: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {what} {path}: {exc.strerror}") from None
    if len(data) > limit:
        raise typer.BadParameter(f"{what} {path} is larger than {limit} bytes")
    return data


def read_credential_input(source: str) -> bytes | str:
    """QR text given directly, or the credential held by a file: QR text, COSE bytes or a photo."""
    if source.strip().startswith(PREFIX):
        return source.strip()
    path = Path(source)
    if not path.is_file():
        raise typer.BadParameter(
            f"{source!r} is neither QR text (starting {PREFIX}) nor a file", param_hint="INPUT"
        )
    data = _read(path, "input")
    if data.startswith(_IMAGE_MAGIC) or path.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp"):
        photo = read_qr_photo(data)
        if photo.too_large:
            raise typer.BadParameter(
                f"{path} would take over {MAX_DECODED_BYTES >> 20} MB to read: "
                "crop it to the QR code or send a smaller copy",
                param_hint="INPUT",
            )
        if photo.text is None:
            raise typer.BadParameter(f"no QR code found in {path}", param_hint="INPUT")
        return photo.text
    unmarked = data.removeprefix(b"\xef\xbb\xbf")  # the byte order mark some editors write
    if unmarked.lstrip().startswith(PREFIX.encode()):
        return unmarked.decode("ascii", errors="replace").strip()
    return data


def _trust(trust_path: Path | None, roots: list[Path]) -> TrustList:
    if trust_path is None:
        raise typer.BadParameter("a trust list is needed: pass --trust FILE", param_hint="--trust")
    pinned = None
    if roots:
        try:
            pinned = [load_public_key(root) for root in roots]
        except (OSError, CredentialError) as exc:
            raise typer.BadParameter(f"root key: {exc}", param_hint="--root") from None
    data = _read(trust_path, "trust list", MAX_TRUST_LIST_BYTES)
    try:
        return read_trust_list(data, pinned_roots=pinned)
    except CredentialError as exc:
        raise typer.BadParameter(f"{trust_path}: {exc}", param_hint="--trust") from None


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    """The verdict as JSON-ready data (bytes as hex, times as ISO 8601)."""
    result: dict[str, Any] = {
        "genuine": verdict.genuine,
        "reason": str(verdict.reason),
        "message": verdict.message,
    }
    if verdict.credential is not None:
        c = verdict.credential
        result["credential"] = {
            "issuer": c.issuer,
            "subject": c.subject,
            "holder_name": c.holder_name,
            "issued_at": c.issued_at.isoformat(),
            "expires_at": c.expires_at.isoformat() if c.expires_at else None,
            "credential_id": c.credential_id.hex(),
            "module_id": c.module_id,
            "module_version": c.module_version,
            "outcomes": list(c.outcomes),
            "score_percent": c.score_percent,
            "route": c.route,
            "status_index": c.status_index,
            "evidence_hash": c.evidence_hash.hex() if c.evidence_hash else None,
            "pathway": c.pathway,
        }
    if verdict.entry is not None:
        e = verdict.entry
        result["module"] = {
            "title": dict(e.title),
            "outcomes": [dict(text) for text in e.outcomes],
            "level_eqf": e.level_eqf,
            "workload_hours": e.workload_hours,
            "credit_points_ects": e.credit_points_ects,
            "awarding_body": e.awarding_body,
            "country": e.country,
        }
    if verdict.node is not None:
        result["node"] = {"node_id": verdict.node.node_id, "node_name": verdict.node.node_name}
    return result


def _print_verdict(verdict: Verdict) -> None:
    typer.echo(("GENUINE: " if verdict.genuine else "NOT GENUINE: ") + verdict.message)
    c, e, node = verdict.credential, verdict.entry, verdict.node
    if c is None:
        return
    typer.echo(f"  holder:  {c.holder_name}")
    title = e.title_in("en") if e else c.module_id
    typer.echo(f"  module:  {title} (version {c.module_version}), score {c.score_percent}%")
    if e is not None:
        for achieved, text in zip(c.outcomes, e.outcomes_in("en"), strict=True):
            typer.echo(f"    [{'x' if achieved else ' '}] {text}")
        level = f"EQF level {e.level_eqf}, " if e.level_eqf else ""
        typer.echo(f"  {level}{e.workload_hours:g} hours, awarded by {e.awarding_body}")
    issuer = f"{node.node_name} ({node.node_id})" if node else c.issuer
    typer.echo(f"  issued:  {c.issued_at:%Y-%m-%d %H:%M} UTC by {issuer}")


def verify(
    source: Annotated[
        str,
        typer.Argument(
            metavar="INPUT",
            help="QR text (FC1:...), or a .txt, .cose, PNG or JPEG file holding the credential.",
        ),
    ],
    trust: Annotated[
        Path | None,
        typer.Option(
            "--trust",
            envvar="FIELDCRED_TRUST",
            help="The trust list (trust.cbor) to check against.",
            show_default=False,
        ),
    ] = None,
    root: Annotated[
        list[Path] | None,
        typer.Option(
            "--root",
            help="Pin the university root public key (JWK or COSE_Key file); repeatable.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
) -> None:
    """Check a credential offline.

    Exits 0 when it is genuine, 1 when it is not (the reason is printed in plain
    words), 2 on a usage error.
    """
    from credentials import verification

    trust_list = _trust(trust, root or [])
    verdict = verification.verify(read_credential_input(source), trust_list)
    if as_json:
        typer.echo(json.dumps(verdict_json(verdict), indent=2, ensure_ascii=False))
    else:
        _print_verdict(verdict)
    raise typer.Exit(0 if verdict.genuine else 1)


@keys_app.command("new")
def keys_new(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the key files into.")],
    name: Annotated[str, typer.Option("--name", help="File name stem, e.g. root or node.")] = "key",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing key.")] = False,
) -> None:
    """Generate an Ed25519 key: NAME.key (private JWK, mode 0600), NAME.jwk and NAME.cose_key."""
    private = out / f"{name}.key"
    if private.exists() and not force:
        raise typer.BadParameter(
            f"{private} exists; pass --force to replace it", param_hint="--out"
        )
    out.mkdir(parents=True, exist_ok=True)
    key = SigningKey.generate()
    save_private_key(key, private)
    (out / f"{name}.jwk").write_text(json.dumps(public_jwk(key.public_key), indent=2) + "\n")
    (out / f"{name}.cose_key").write_bytes(public_cose_key(key.public_key))
    typer.echo(f"{private} written (key id {key.kid.hex()})")


def _private_key(path: Path, hint: str) -> SigningKey:
    try:
        return load_private_key(path)
    except (OSError, CredentialError) as exc:
        raise typer.BadParameter(str(exc), param_hint=hint) from None


@keys_app.command("request")
def keys_request(
    key: Annotated[Path, typer.Option("--key", help="The node's private key file.")],
    node_id: Annotated[str, typer.Option("--node-id", help="Short node id, e.g. ke-ksm-01.")],
    node_name: Annotated[str, typer.Option("--node-name", help="The centre's name.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the request.")],
) -> None:
    """Write a node certificate request, signed by the node key (proof of possession)."""
    node_key = _private_key(key, "--key")
    try:
        out.write_bytes(make_request(node_key, node_id, node_name))
    except CredentialError as exc:
        raise typer.BadParameter(str(exc)) from None
    typer.echo(f"{out} written for node {node_id} (key id {node_key.kid.hex()})")


def _now_seconds() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _utc_date(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("expected an ISO 8601 date or time", param_hint=option) from None
    return moment.replace(tzinfo=moment.tzinfo or UTC, microsecond=0)


@keys_app.command("node-cert")
def keys_node_cert(
    root_key: Annotated[Path, typer.Option("--root-key", help="The university root key.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the node certificate.")],
    module: Annotated[
        list[str] | None,
        typer.Option(
            "--module", help=f"A module the node may certify (repeat; {ALL_MODULES} = all)."
        ),
    ] = None,
    request: Annotated[
        Path | None, typer.Option("--request", help="The node's certificate request.")
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="The node's public key (instead of a request)."),
    ] = None,
    node_id: Annotated[
        str | None, typer.Option("--node-id", help="Node id (with --public-key).")
    ] = None,
    node_name: Annotated[
        str | None, typer.Option("--node-name", help="Centre name (with --public-key).")
    ] = None,
    not_before: Annotated[
        str | None, typer.Option("--not-before", help="Start of validity (default: now).")
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, help="Days of validity.")] = 365,
) -> None:
    """Certify a node key: the root key signs the node's key, id, name, modules and validity."""
    if not module:
        raise typer.BadParameter("name at least one --module", param_hint="--module")
    if (request is None) == (public_key is None):
        raise typer.BadParameter("pass either --request or --public-key", param_hint="--request")
    try:
        if request is not None:
            asked = read_request(_read(request, "request"))
            key_bytes, node_id, node_name = asked.public_key, asked.node_id, asked.node_name
        else:
            assert public_key is not None
            if not node_id or not node_name:
                raise typer.BadParameter("--public-key needs --node-id and --node-name")
            key_bytes = load_public_key(public_key)
        start = _utc_date(not_before, "--not-before") or _now_seconds()
        cert = NodeCertificate(
            node_id=node_id,
            node_name=node_name,
            public_key=key_bytes,
            modules=tuple(module),
            not_before=start,
            not_after=start + timedelta(days=days),
        )
        out.write_bytes(issue_node_certificate(_private_key(root_key, "--root-key"), cert))
    except (OSError, CredentialError) as exc:
        raise typer.BadParameter(str(exc)) from None
    scope = ", ".join(module)
    typer.echo(f"{out} written: {node_id} certified for {scope} until {cert.not_after:%Y-%m-%d}")


@credentials_app.command("sample")
def credentials_sample(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the sample set into.")],
) -> None:
    """Write a self-consistent sample set: root.jwk, node.jwk, node-cert.cose, trust.cbor,
    credential.cose, credential.txt (QR text), credential.png (print resolution) and
    credential.ob3.json (Open Badges 3.0)."""
    from credentials.sample import build_sample, write_sample  # with JSON-LD: heavy

    sample = build_sample(
        SigningKey.generate(),
        SigningKey.generate(),
        issued_at=_now_seconds(),
        credential_id=os.urandom(8),
    )
    for path in write_sample(out, sample):
        typer.echo(str(path))
