"""The tables of the hub's staff pages, built from the store as plain data.

Each function takes the store (and the reader's translator, ``t``) and answers what a
page shows: a section is a dict with a ``heading``, ``columns`` and ``rows`` (a cell is
text, a number, ``None`` or a link ``{"text", "href"}``); an alert is ``{"text",
"href"}``. Headings and columns are English: the template translates them. Nothing here
knows HTTP (``hub.web`` renders what these answer).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from hub import forks, nodes, reports, standing, xapi
from hub.expiry import NEVER_EXPIRES
from hub.projection import PRESENTED
from hub.store import Store
from sync import alerts as node_alerts
from sync.errors import Ambiguous, NotFound

Translate = Callable[..., str]
Section = dict[str, Any]
Alert = dict[str, Any]

PAGE_ROWS = 100
"""Rows of a long table (the registry, a module's sittings) on one page."""

ENTRY_LABELS = {
    "credential_id": "Credential",
    "node_id": "Node",
    "centre": "Centre",
    "learner_id": "Learner",
    "module_id": "Module",
    "module_version": "Module version",
    "score_percent": "Score %",
    "issued_at": "Issued (node clock)",
    "not_before": "Made after (hub)",
    "received_at": "Received",
    "time_flag": "Node clock in doubt",
    "status": "Status",
    "revocation_reason": "Reason for revocation",
    "revoked_at": "Revoked",
    "revoked_by": "Revoked by",
    "expires_at": "Valid until",
}
"""The registry entry's fields as the credential page names them (``reports.credential``)."""


def when(epoch: object) -> str:
    """A time as staff read it; none for a value past any calendar (stored before the hub
    refused events dated so)."""
    if not isinstance(epoch, int):
        return ""
    try:
        return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return ""


def link(text: object, href: str) -> dict[str, str]:
    return {"text": str(text), "href": href}


def credential_path(node_id: str, credential_id: str) -> str:
    """A credential's page: the node that issued it, then its id."""
    return f"/credentials/{quote(node_id, safe='')}/{quote(credential_id, safe='')}"


def api_credential_path(node_id: str, credential_id: str) -> str:
    """A credential's registry entry in the JSON API."""
    node, credential = quote(node_id, safe=""), quote(credential_id, safe="")
    return f"/api/v1/nodes/{node}/credentials/{credential}"


def credential_link(node_id: str, credential_id: str) -> dict[str, str]:
    return link(credential_id, credential_path(node_id, credential_id))


def registry_entry(
    store: Store, organisation: str, node_id: str, credential_id: str
) -> dict[str, Any]:
    """One credential of the organisation's registry; 404 when it holds none so named."""
    entry = reports.credential(store, organisation, node_id, credential_id)
    if entry is None:
        raise NotFound(f"no credential {credential_id} of node {node_id}")
    return entry


def only_holder(
    store: Store, organisation: str, credential_id: str, path: Callable[[str, str], str]
) -> str:
    """The node of the one centre holding ``credential_id`` (an address without its node);
    409 listing each centre's address (``path``) when several do."""
    found = reports.holders(store, organisation, credential_id)
    if not found:
        raise NotFound(f"no credential {credential_id}")
    if len(found) > 1:
        raise Ambiguous(
            f"{len(found)} centres issued a credential with the id {credential_id}: "
            "choose one by its centre",
            [
                {
                    "node_id": str(h["node_id"]),
                    "centre": str(h["centre"]),
                    "credential_id": credential_id,
                    "status": str(h["status"]),
                    "href": path(str(h["node_id"]), credential_id),
                }
                for h in found
            ],
        )
    return str(found[0]["node_id"])


def basis(t: Translate, why: str) -> str:
    """Why two learners are linked (``hub.projection``), in the reader's language."""
    node = why.removeprefix(PRESENTED)
    return t(why) if node == why else t(PRESENTED + "{node}", node=node)


def links_section(t: Translate, links: list[dict[str, Any]], *, more: bool) -> Section:
    """Learners who may be one person at two centres; ``more``: a link to all of them."""
    return {
        "heading": "Possibly the same person at two centres (linked, not merged)",
        "columns": ["Node", "Learner", "Node", "Learner", "Basis"],
        "rows": [
            [k["node_a"], k["learner_a"], k["node_b"], k["learner_b"], basis(t, k["basis"])]
            for k in links
        ],
        "more": "/links" if more else None,
    }


def links_page(store: Store, organisation: str, t: Translate, offset: int) -> tuple[Section, bool]:
    """The links from ``offset`` (a page of them) and whether more follow."""
    found = reports.links(store, organisation, limit=PAGE_ROWS + 1, offset=offset)
    return links_section(t, found[:PAGE_ROWS], more=False), len(found) > PAGE_ROWS


def node_alert(t: Translate, node: dict[str, Any]) -> str:
    """A node's alert in the reader's language; an alert stored before alerts had codes,
    or one this hub cannot read, as its stored text."""
    alert = node_alerts.from_json(node["alert_detail"])
    return str(node["alert"]) if alert is None else t(alert.template, **alert.params)


def collision(t: Translate, credential_id: object) -> str:
    return t(
        "Two centres issued the same credential id {credential_id}: one may be shadowing "
        "the other's credential. Check each centre's credential before revoking either.",
        credential_id=credential_id,
    )


def collision_alerts(t: Translate, credential_id: str, others: list[dict[str, Any]]) -> list[Alert]:
    """The warning that other centres hold a credential with this id, if any do."""
    return [{"text": collision(t, credential_id), "href": None}] if others else []


def holders_section(t: Translate, credential_id: str, holders: list[dict[str, Any]]) -> Section:
    """The centres holding a credential with this id, each linked to its own."""
    return {
        "heading": t("Centres holding credential {credential_id}", credential_id=credential_id),
        "columns": ["Credential", "Node", "Centre", "Status"],
        "rows": [
            [
                credential_link(str(h["node_id"]), credential_id),
                h["node_id"],
                h["centre"],
                standing.word(t, str(h["status"])),
            ]
            for h in holders
        ],
    }


XAPI_OFF = (
    "Forwarding is off: no learning record store is set. To send these statements, set "
    "xapi_url (and xapi_auth) in the hub's settings and restart the hub."
)


def overview(
    store: Store, organisation: str, t: Translate, *, forwarding: bool = True
) -> tuple[list[Alert], list[Section]]:
    """The overview: each node's alert and each credential id two centres issued, then the
    centres, results by module and by centre, events set aside, the xAPI outbox (saying
    that forwarding is off, and how to turn it on, when no LRS is set: ``forwarding``)
    and the first learners linked across centres."""
    node_rows = reports.nodes(store, organisation)
    held = forks.nodes_with_held_forks(store, organisation)
    linked = reports.links(store, organisation, limit=PAGE_ROWS + 1)
    alerts = [
        {
            "text": f"{n['name']}: {node_alert(t, n)}",
            "href": f"/centres/{n['node_id']}/forks" if n["node_id"] in held else None,
        }
        for n in node_rows
        if n["alert"]
    ] + [
        {
            "text": collision(t, c["credential_id"]),
            "href": f"/credentials/{quote(str(c['credential_id']), safe='')}",
            "link": "See the centres",
        }
        for c in reports.collisions(store, organisation)
    ]
    sections: list[Section] = [
        {
            "heading": "Centres (nodes)",
            "columns": ["Node", "Centre", "Synced through", "Revoked"],
            "rows": [
                [n["node_id"], n["name"], n["acked"], when(n["revoked_at"])] for n in node_rows
            ],
        },
        {
            "heading": "Results by module",
            "columns": ["Module", "Sittings", "Passed", "Centres"],
            "rows": [
                [
                    link(r["module_id"], f"/modules/{r['module_id']}"),
                    r["sittings"],
                    r["passed"],
                    r["centres"],
                ]
                for r in reports.results_by_module(store, organisation)
            ],
        },
        {
            "heading": "Results by centre",
            "columns": ["Centre", "Sittings", "Passed"],
            "rows": [
                [r["centre"], r["sittings"], r["passed"]]
                for r in reports.results_by_centre(store, organisation)
            ],
        },
        {
            "heading": "Events set aside for review",
            "columns": ["Node", "Branch", "Seq", "Type", "Reason", "Received"],
            "rows": [
                [
                    link(e["node_id"], f"/centres/{e['node_id']}/forks")
                    if e["branch"]
                    else e["node_id"],
                    e["branch"],
                    e["seq"],
                    e["type"],
                    t(e["reason"]),
                    when(e["received_at"]),
                ]
                for e in reports.quarantined(store, organisation)
            ],
        },
        {
            "heading": "xAPI outbox",
            "note": None if forwarding else XAPI_OFF,
            "columns": ["Statements", "Waiting to be sent"],
            "rows": [list(xapi.outbox_status(store, organisation).values())],
        },
        links_section(t, linked[:PAGE_ROWS], more=len(linked) > PAGE_ROWS),
    ]
    return alerts, sections


def module_page(
    store: Store, organisation: str, module_id: str, t: Translate, offset: int
) -> tuple[Section, bool]:
    """A page of the module's sittings from ``offset``, and whether more follow."""
    found = standing.with_states(
        reports.module_results(store, organisation, module_id, limit=PAGE_ROWS + 1, offset=offset),
        datetime.now(UTC),
    )
    section = {
        "heading": t("Sittings from {start}", start=offset + 1),
        "columns": ["Centre", "Learner", "Score %", "Passed", "Submitted", "Credential", "Status"],
        "rows": [
            [
                r["centre"],
                link(r["learner_id"], f"/centres/{r['node_id']}/learners/{r['learner_id']}"),
                r["score_percent"],
                t("yes") if r["passed"] else t("no"),
                when(r["submitted_at"]),
                credential_link(r["node_id"], r["credential_id"]) if r["credential_id"] else None,
                standing.word(t, r["credential_status"]) if r["credential_id"] else None,
            ]
            for r in found[:PAGE_ROWS]
        ],
    }
    return section, len(found) > PAGE_ROWS


def learner_section(
    store: Store, organisation: str, node_id: str, learner_id: str, t: Translate
) -> Section:
    """A learner's sittings at one centre."""
    return {
        "heading": "Sittings",
        "columns": ["Module", "Score %", "Passed", "Submitted"],
        "rows": [
            [
                r["module_id"],
                r["score_percent"],
                t("yes") if r["passed"] else t("no"),
                when(r["submitted_at"]),
            ]
            for r in reports.learner_results(store, organisation, node_id, learner_id)
        ],
    }


def registry_page(
    store: Store, organisation: str, t: Translate, offset: int
) -> tuple[Section, bool]:
    """A page of the credential registry from ``offset``, and whether more follow."""
    found = reports.registry(store, organisation, limit=PAGE_ROWS + 1, offset=offset)
    section = {
        "heading": t("Credentials from {start}", start=offset + 1),
        "columns": [
            "Credential",
            "Centre",
            "Module",
            "Issued (node clock)",
            "Made after (hub)",
            "Received",
            "Status",
        ],
        "rows": [
            [
                credential_link(r["node_id"], r["credential_id"]),
                r["centre"],
                r["module_id"],
                when(r["issued_at"]) + (f" ⚠ {t('clock')}" if r["time_flag"] else ""),
                when(r["not_before"]),
                when(r["received_at"]),
                standing.word(t, r["status"]),
            ]
            for r in found[:PAGE_ROWS]
        ],
    }
    return section, len(found) > PAGE_ROWS


def entry_value(t: Translate, key: str, value: Any) -> Any:
    if key == "expires_at" and isinstance(value, int) and value >= NEVER_EXPIRES:
        return ""
    if key.endswith("_at") or key == "not_before":
        return when(value)
    if key == "status":
        return standing.word(t, value)
    if key == "time_flag":
        return t("yes") if value else t("no")
    return value


def shared_alerts(t: Translate, shared: list[nodes.SharedSlot]) -> list[Alert]:
    return [
        {
            "text": t(
                "Shares revocation slot {slot} with credential {other}: revoking one revokes both.",
                slot=s.status_index,
                other=s.other_id,
            ),
            "href": None,
        }
        for s in shared
    ]


def shared_section(
    store: Store,
    t: Translate,
    organisation: str,
    node_id: str,
    credential_id: str,
    shared: list[nodes.SharedSlot],
) -> Section:
    """This credential and every one on its slot (the same node's): what one revocation
    revokes."""
    ids = [credential_id, *(s.other_id for s in shared)]
    entries = [reports.credential(store, organisation, node_id, c) for c in ids]
    return {
        "heading": "Credentials on the same revocation slot",
        "columns": ["Credential", "Centre", "Module", "Issued (node clock)", "Status"],
        "rows": [
            [
                credential_link(e["node_id"], e["credential_id"]),
                e["centre"],
                e["module_id"],
                when(e["issued_at"]),
                standing.word(t, e["status"]),
            ]
            for e in entries
            if e is not None
        ],
    }


def reissue_section(
    t: Translate, node_id: str, credential_id: str, reissue: nodes.Reissue
) -> Section:
    """Staff asked the centre to issue this credential again on a slot of its own: who,
    when, why, and the replacement once it has arrived (or what it replaced)."""
    if reissue.credential_id != credential_id:
        done = [[t("Replaces"), credential_link(node_id, reissue.credential_id)]]
    elif reissue.replacement_id is None:
        done = [[t("Replacement"), t("Waiting for the centre's next sync")]]
    else:
        replacement = credential_link(node_id, reissue.replacement_id)
        done = [[t("Replacement"), replacement], [t("Received"), when(reissue.replaced_at)]]
    return {
        "heading": "Issued again on a revocation slot of its own",
        "columns": ["Field", "Value"],
        "rows": [
            [t("Asked by"), reissue.staff],
            [t("Asked on"), when(reissue.requested_at)],
            [t("Reason"), reissue.reason],
            *done,
        ],
    }


def credential_page(
    store: Store, organisation: str, node_id: str, credential_id: str, t: Translate
) -> dict[str, Any]:
    """A credential's page: its registry entry, the credentials on its revocation slot,
    its reissue, the other centres holding its id; the alerts; and which of revoking and
    asking for a reissue staff may do (``revoke``, ``reissue``: addresses or ``None``)."""
    entry = registry_entry(store, organisation, node_id, credential_id)
    found = standing.state(entry, datetime.now(UTC))
    verdict = standing.alert(t, entry, found)
    entry = {**entry, "status": found}
    fields = [
        (t(ENTRY_LABELS.get(k, k)), entry_value(t, k, v)) for k, v in entry.items() if k != "cose"
    ]
    shared = nodes.shared_slots(store, node_id, credential_id)
    sections = [{"heading": "Registry entry", "columns": ["Field", "Value"], "rows": fields}]
    if shared:
        sections.append(shared_section(store, t, organisation, node_id, credential_id, shared))
    reissue = nodes.reissue(store, node_id, credential_id)
    if reissue is not None:
        sections.append(reissue_section(t, node_id, credential_id, reissue))
    others = [
        h for h in reports.holders(store, organisation, credential_id) if h["node_id"] != node_id
    ]
    if others:
        sections.append(holders_section(t, credential_id, others))
    active = found in (standing.ACTIVE, standing.EXPIRED)
    here = credential_path(node_id, credential_id)
    first: list[Alert] = [] if verdict is None else [{"text": verdict, "href": None}]
    return {
        "alerts": [
            *first,
            *collision_alerts(t, credential_id, others),
            *shared_alerts(t, shared),
        ],
        "sections": sections,
        "revoke": f"{here}/revoke" if active else None,
        "reissue": f"{here}/reissue" if active and shared and reissue is None else None,
    }


def equity_section(store: Store, organisation: str, t: Translate, year: int) -> Section:
    """Learners, sittings, passes and credentials by gender, age band and centre."""
    return {
        "heading": "By gender, age band and centre",
        "columns": ["Dimension", "Group", "Learners", "Sittings", "Passed", "Credentials"],
        "rows": [
            [
                t(r.dimension),
                r.group if r.dimension == "centre" else t(r.group),
                r.learners,
                r.sittings,
                r.passed,
                r.credentials,
            ]
            for r in reports.equity(store, organisation, year=year)
        ],
    }
