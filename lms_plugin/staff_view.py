"""The block's staff view: offline results from the hub beside online ones, CSV, and
practical checklists scored by staff for online learners."""

from __future__ import annotations

import time
from typing import Any

from webob import Response

from content.model import Module, localize
from lms_plugin.block_core import BlockCore, handler, json_handler
from lms_plugin.config import PluginSettings
from lms_plugin.errors import BadRequest, Forbidden, LmsError
from lms_plugin.hub_results import (
    ResultRow,
    fetch_offline_results,
    filter_centre,
    online_rows,
    results_csv,
)
from lms_plugin.i18n import credential_state
from lms_plugin.ledger import online_results, open_ledger, record_checklist


class StaffView(BlockCore):
    """Handlers for course staff only (``Forbidden`` for anyone else)."""

    def _staff_rows(
        self, settings: PluginSettings, module: Module, centre: str | None
    ) -> tuple[list[ResultRow], list[str], str]:
        """Rows for ``centre`` (all when None), every centre's name, the hub's problem."""
        with open_ledger(settings.ledger_path) as db:
            online = online_rows(online_results(db, self._usage))
        problem = ""
        offline: list[ResultRow] = []
        try:
            offline = fetch_offline_results(settings.hub_url, settings.hub_token, module.id)
        except LmsError as exc:
            problem = str(exc)
        rows = offline + online
        centres = sorted({row.centre for row in rows})
        return filter_centre(rows, centre), centres, problem

    def _require_staff(self, settings: PluginSettings) -> None:
        if not self._is_staff(settings):
            raise Forbidden("only course staff may see results")

    @json_handler
    def staff_results(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Offline (hub) and online results side by side: ``{"centre": null | name}``."""
        with self._answering():
            settings = self._settings()
            self._require_staff(settings)
            centre = data.get("centre") if isinstance(data, dict) else None
            if centre is not None and not isinstance(centre, str):
                raise BadRequest("centre must be text or null")
            module = self._module(settings)
            rows, centres, problem = self._staff_rows(settings, module, centre)
            with open_ledger(settings.ledger_path) as db:
                pending = [
                    {"subject": r.subject, "learner": r.holder_name}
                    for r in online_results(db, self._usage)
                    if r.practical_pending
                ]
            lang = self._lang(module)
            return {
                "rows": [
                    {
                        **row.__dict__,
                        "submitted": row.submitted,
                        "credential_state": credential_state(row.credential_status, lang),
                    }
                    for row in rows
                ],
                "centres": centres,
                "hub_problem": problem,
                "awaiting_practical": pending,
                "checklist": [
                    {
                        "id": c.id,
                        "text": localize(c.text, "en"),
                        "levels": [level.score for level in c.levels],
                    }
                    for c in module.checklist
                ],
            }

    @handler
    def staff_results_csv(self, request: Any, suffix: str = "") -> Response:
        settings = self._settings()
        try:
            self._require_staff(settings)
            module = self._module(settings)
            centre = request.GET.get("centre") or None
            rows, _, _ = self._staff_rows(settings, module, centre)
        except LmsError as exc:
            return Response(str(exc), status=exc.status, content_type="text/plain")
        return Response(
            body=results_csv(rows).encode("utf-8"),
            content_type="text/csv",
            charset="utf-8",
            content_disposition=f'attachment; filename="{module.id}-results.csv"',
        )

    @json_handler
    def score_checklist(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Staff score an online learner's practical: ``{"subject": ..., "scores": {...}}``."""
        with self._answering():
            settings = self._settings()
            self._require_staff(settings)
            module = self._module(settings)
            if not isinstance(data, dict) or set(data) != {"subject", "scores"}:
                raise BadRequest('send {"subject": ..., "scores": {criterion id: score}}')
            subject, scores = data["subject"], data["scores"]
            with open_ledger(settings.ledger_path) as db:
                waiting = {
                    r.subject for r in online_results(db, self._usage) if r.practical_pending
                }
                if subject not in waiting:
                    raise BadRequest("no online learner of this block awaits a practical score")
                checked = _check_checklist(module, scores)
                record_checklist(
                    db,
                    usage_id=self._usage,
                    subject=subject,
                    scores=checked,
                    scored_by=self._subject(),
                    scored_at=int(time.time()),
                )
            return {"scored": subject}


def _check_checklist(module: Module, scores: object) -> dict[str, int]:
    if not module.checklist:
        raise BadRequest(f"module {module.id} has no practical checklist")
    if not isinstance(scores, dict) or set(scores) != {c.id for c in module.checklist}:
        raise BadRequest("score every criterion of the checklist, and only those")
    for criterion in module.checklist:
        score = scores[criterion.id]
        allowed = [level.score for level in criterion.levels]
        if isinstance(score, bool) or score not in allowed:
            raise BadRequest(f"criterion {criterion.id} takes one of {allowed}")
    return {key: int(value) for key, value in scores.items()}
