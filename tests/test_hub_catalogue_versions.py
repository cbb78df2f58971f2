"""Every module version the hub ever published stays in its trust lists: a credential a
centre issued under version 1.0.1 still verifies after the university publishes 1.0.2
(and after any later publication of the trust list). On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from content.loading import load_catalogue
from credentials.trust import read_trust_list
from hub.ingest import Hub
from hub.nodes import latest_trust_list, publish_pack, publish_trust_list
from lms_plugin.publishing import export_pack


def test_a_newer_pack_keeps_the_versions_published_before(hub: Hub) -> None:
    shipped = load_catalogue()
    now = datetime.now(UTC)
    for version in ("1.0.1", "1.0.2"):
        module = shipped.modules["soil-health"].model_copy(update={"version": version})
        catalogue = replace(shipped, modules={**shipped.modules, "soil-health": module})
        pack, _, _ = export_pack(catalogue, ["soil-health"], hub.root_key)
        publish_pack(hub.store, hub.root_key, pack, now=now)
    publish_trust_list(hub.store, hub.root_key, now=now)  # a revocation, an enrolment...
    trust = read_trust_list(latest_trust_list(hub.store) or b"")
    versions = sorted(e.version for e in trust.catalogue if e.module_id == "soil-health")
    shipped_version = shipped.modules["soil-health"].version
    assert versions == sorted({shipped_version, "1.0.1", "1.0.2"})
