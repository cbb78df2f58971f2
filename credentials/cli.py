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
from credentials.qr import MAX_DECODED_BYTES, PREFIX, is_qr_text, read_qr_photo
from credentials.trust import (
    MAX_TRUST_LIST_BYTES,
    STALE_AFTER_DAYS,
    TrustList,
    read_trust_list,
)

if TYPE_CHECKING:
    from credentials.verification import Verdict

credentials_app = typer.Typer(no_args_is_help=True, help="Credential sample sets and tools.")
keys_app = typer.Typer(no_args_is_help=True, help="University and node keys, node certificates.")
trust_app = typer.Typer(
    no_args_is_help=True, help="The university's trust list: fetch it from a hub, show it."
)

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
    if is_qr_text(source):
        return source.strip()
    path = Path(source)
    if not path.is_file():
        raise typer.BadParameter(
            f"{source!r} is neither QR text (starting {PREFIX} or a verify link) nor a file",
            param_hint="INPUT",
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
    if unmarked.isascii() and is_qr_text(unmarked.decode("ascii")):
        return unmarked.decode("ascii").strip()
    if unmarked.lstrip().startswith(PREFIX.encode()):
        return unmarked.decode("ascii", errors="replace").strip()
    return data


def _roots(roots: list[Path]) -> list[bytes]:
    try:
        return [load_public_key(root) for root in roots]
    except (OSError, CredentialError) as exc:
        raise typer.BadParameter(f"root key: {exc}", param_hint="--root") from None


def _trust(trust_path: Path | None, roots: list[Path]) -> TrustList:
    if trust_path is None:
        raise typer.BadParameter("a trust list is needed: pass --trust FILE", param_hint="--trust")
    pinned = _roots(roots) if roots else None
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


def _age(days: int) -> str:
    return "issued today" if days == 0 else f"{days} day{'s' if days != 1 else ''} old"


def _print_freshness(verdict: Verdict, trust: TrustList, now: datetime, max_age_days: int) -> None:
    """The list's date and age under the verdict; on stderr, what an old list may miss."""
    from credentials.verification import Reason

    day, days = f"{trust.issued_at:%Y-%m-%d}", trust.age_days(now)
    typer.echo(f"  trust list: {day} ({_age(days)})")
    if verdict.reason is Reason.UNKNOWN_ISSUER:
        typer.echo(
            f"  This centre may have joined after your list of {day}: fetch a newer list "
            "(fieldcred trust fetch) and check again."
        )
    elif verdict.reason is Reason.UNKNOWN_MODULE:
        typer.echo(
            f"  This module may have been added after your list of {day}: fetch a newer list "
            "(fieldcred trust fetch) and check again."
        )
    if days > max_age_days:
        typer.echo(
            f"WARNING: the trust list is {days} days old (from {day}): credentials withdrawn "
            "and centres struck off since then are not in it. Fetch a newer list with "
            "fieldcred trust fetch.",
            err=True,
        )


def verify(
    source: Annotated[
        str,
        typer.Argument(
            metavar="INPUT",
            help=(
                "QR text (FC1:... or a HTTPS://HUB/V/... link), or a .txt, .cose, PNG or JPEG "
                "file holding the credential."
            ),
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
    max_age_days: Annotated[
        int,
        typer.Option(
            "--max-age-days",
            envvar="FIELDCRED_TRUST_MAX_AGE_DAYS",
            min=0,
            help="Warn when the trust list is older than this many days.",
        ),
    ] = STALE_AFTER_DAYS,
) -> None:
    """Check a credential offline.

    Prints the trust list's date and age, and warns (on stderr) when it is older than
    --max-age-days. Exits 0 when the credential is genuine, 1 when it is not (the reason
    is printed in plain words), 2 on a usage error.
    """
    from credentials import verification

    trust_list = _trust(trust, root or [])
    now = datetime.now(UTC)
    verdict = verification.verify(read_credential_input(source), trust_list, now=now)
    if as_json:
        result = verdict_json(verdict)
        days = trust_list.age_days(now)
        result["trust_list"] = {
            "version": trust_list.version,
            "issued_at": trust_list.issued_at.isoformat(),
            "age_days": days,
            "stale": days > max_age_days,
        }
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print_verdict(verdict)
        _print_freshness(verdict, trust_list, now, max_age_days)
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


def _validity(cert: NodeCertificate, trust: TrustList, now: datetime) -> str:
    revoked = trust.revoked_nodes.get(cert.node_id)
    if revoked is not None:
        return f"struck off since {revoked:%Y-%m-%d}"
    if now < cert.not_before:
        return "not valid yet"
    return "expired" if now >= cert.not_after else "valid now"


def describe_trust_list(trust: TrustList, now: datetime) -> list[str]:
    """What a trust list holds, line by line, for people."""
    from credentials.keys import key_id

    lines = [
        f"Trust list version {trust.version}, issued {trust.issued_at:%Y-%m-%d %H:%M} UTC "
        f"({_age(trust.age_days(now))})",
        f"Roots ({len(trust.roots)}): " + ", ".join(key_id(root).hex() for root in trust.roots),
    ]
    certificates = trust.certificates()
    lines.append(f"Centres ({len(certificates)}):")
    for cert in certificates:
        modules = "all modules" if ALL_MODULES in cert.modules else ", ".join(cert.modules)
        lines.append(
            f"  {cert.node_id}  {cert.node_name}  key {cert.kid.hex()}\n"
            f"    may certify: {modules}\n"
            f"    from {cert.not_before:%Y-%m-%d} to {cert.not_after:%Y-%m-%d}: "
            + _validity(cert, trust, now)
        )
    lines.append(f"Revocation lists ({len(trust.status_lists)}):")
    for node_id, status in sorted(trust.status_lists.items()):
        lines.append(f"  {node_id}: {len(status.revoked())} of {status.size} slots revoked")
    lines.append(f"Centres struck off ({len(trust.revoked_nodes)}):")
    for node_id, since in sorted(trust.revoked_nodes.items()):
        lines.append(f"  {node_id} since {since:%Y-%m-%d %H:%M} UTC")
    lines.append(f"Catalogue ({len(trust.catalogue)} entries):")
    for entry in sorted(trust.catalogue, key=lambda e: e.key):
        level = f"EQF {entry.level_eqf}, " if entry.level_eqf else ""
        lines.append(
            f"  {entry.module_id} {entry.version}  {entry.title_in('en')}  "
            f"({level}{entry.workload_hours:g} h, {entry.awarding_body})"
        )
    return lines


@trust_app.command("show")
def trust_show(
    file: Annotated[Path, typer.Argument(help="The trust list file (trust.cbor).")],
    root: Annotated[
        list[Path] | None,
        typer.Option(
            "--root",
            help="Check it is signed by this university root key (JWK or COSE_Key); repeatable.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print what a trust list holds: its date, roots, centres with what they may certify
    and their validity, revocation lists, centres struck off and the module catalogue."""
    trust = _trust(file, root or [])
    for line in describe_trust_list(trust, datetime.now(UTC)):
        typer.echo(line)
    if not root:
        typer.echo(
            "Not checked against a pinned root: pass --root root.jwk to be sure it comes "
            "from your university.",
            err=True,
        )


@trust_app.command("fetch")
def trust_fetch(
    hub: Annotated[
        str, typer.Option("--hub", help="The university hub's address, e.g. https://hub.example")
    ],
    root: Annotated[
        list[Path],
        typer.Option(
            "--root", help="The university root public key (JWK or COSE_Key); repeatable."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Where to keep the list, e.g. trust.cbor.")],
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for the hub.")
    ] = 30.0,
) -> None:
    """Download the hub's trust list, check its signature against the pinned root, and
    only then write it to --out (in one step: a failed or bad download leaves the old file
    as it was, and an older list never replaces a newer one)."""
    from credentials.errors import Unreachable
    from credentials.fetching import fetch_trust_list, keep_trust_list

    pinned = _roots(root)
    try:
        data, trust = fetch_trust_list(hub, pinned, timeout_s=timeout)
    except Unreachable as exc:
        typer.echo(f"Error: {exc}; {out} was not changed.", err=True)
        raise typer.Exit(1) from None
    except CredentialError as exc:
        typer.echo(
            f"Error: the hub's trust list was refused: {exc}; {out} was not changed.", err=True
        )
        raise typer.Exit(1) from None
    try:
        keep_trust_list(out, data, trust, pinned)
    except OSError as exc:
        raise typer.BadParameter(
            f"cannot write {out}: {exc.strerror}", param_hint="--out"
        ) from None
    except CredentialError as exc:
        typer.echo(f"Error: {exc}.", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"{out} written: trust list version {trust.version} of {trust.issued_at:%Y-%m-%d}, "
        f"{len(trust.certificates())} centres, {len(trust.catalogue)} catalogue entries"
    )
