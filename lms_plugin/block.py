"""The ``green_skills_module`` XBlock: a thin shell over ``content`` and ``credentials``.

This file holds the learner's side (the sitting, scoring, the learner view and its
handlers); fields and shared helpers are in ``block_core``, Studio and OLX in
``authoring``, the staff view in ``staff_view``. Handlers check everything before
they change anything: a refused request answers ``JsonHandlerError(400, reason)``
and leaves the state as it was.
"""

from __future__ import annotations

import base64
import logging
import random
import secrets
import time
from typing import Any
from xml.sax.saxutils import quoteattr

from web_fragments.fragment import Fragment
from webob import Response
from xblock.completable import CompletableXBlockMixin
from xblock.core import XBlock
from xblock.scorable import ScorableXBlockMixin, Score

from content.model import Module, localize
from credentials.claims import decode_claims
from credentials.cose import decode_sign1
from credentials.qr import qr_svg, to_qr_text
from lms_plugin import sitting
from lms_plugin.authoring import Authoring
from lms_plugin.block_core import handler, json_handler, loader
from lms_plugin.config import PluginSettings, load_settings
from lms_plugin.errors import BadRequest, LmsError, NotConfigured
from lms_plugin.i18n import LANGUAGE_NAMES, labels
from lms_plugin.ledger import (
    OnlineResult,
    checklist_for,
    open_ledger,
    record_result,
)
from lms_plugin.modules import installed_catalogue
from lms_plugin.online_issuance import issue_online, load_issuer, open_badge_json
from lms_plugin.staff_view import StaffView

log = logging.getLogger(__name__)
MEDIA_TYPES = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}


@XBlock.needs("i18n")
@XBlock.wants("user")
class GreenSkillsModuleBlock(
    ScorableXBlockMixin,  # type: ignore[misc]
    CompletableXBlockMixin,  # type: ignore[misc]
    StaffView,
    Authoring,
):
    """One green-skills micro-credential module: overview, assessment, result, credential."""

    # --- the sitting -----------------------------------------------------------------------

    def _ensure_sitting(self, module: Module) -> None:
        key = f"{module.id}@{module.version}"
        if self.submitted or (self.sitting_key == key and self.drawn):
            return
        self.drawn = sitting.draw(module, random.Random(secrets.randbits(128)))
        self.sitting_key = key
        self.answers = {}

    def _open_sitting(self, module: Module) -> None:
        if self.submitted:
            raise BadRequest("this sitting is already submitted; answers cannot change")
        if not self.drawn or self.sitting_key != f"{module.id}@{module.version}":
            raise BadRequest("no sitting is open for this module; reload the page")

    def _finish(self, settings: PluginSettings, module: Module, result: dict[str, Any]) -> None:
        """Record the result, issue the credential of a pass, publish grade and completion.

        The ledger is written first: if it fails, no field of the block has changed."""
        credential = self.credential
        if result["passed"] and not credential:
            credential = self._try_issue(settings, module, result)
        with open_ledger(settings.ledger_path) as db:
            record_result(
                db,
                self._usage,
                OnlineResult(
                    subject=self._subject(),
                    holder_name=self._holder_name(),
                    module_id=module.id,
                    module_version=module.version,
                    score_percent=result["score_percent"],
                    passed=result["passed"],
                    practical_pending=result["practical_pending"],
                    submitted_at=int(time.time()),
                ),
            )
        self.result = result
        self.credential = credential
        self._publish_grade(self.calculate_score())
        self.emit_completion(1.0)

    def _try_issue(self, settings: PluginSettings, module: Module, result: dict[str, Any]) -> str:
        try:
            cose = issue_online(
                load_issuer(settings),
                ledger_path=settings.ledger_path,
                usage_id=self._usage,
                module=module,
                result=result,
                subject=self._subject(),
                holder_name=self._holder_name(),
            )
        except NotConfigured as exc:
            log.warning("credential of %s not issued yet: %s", self._usage, exc)
            return ""
        return base64.b64encode(cose).decode("ascii")

    def _catch_up(self, settings: PluginSettings, module: Module) -> None:
        """Finish what waits on others: a practical scored by staff, an issuer set up later."""
        if not self.submitted or not self.result:
            return
        if self.result.get("practical_pending"):
            with open_ledger(settings.ledger_path) as db:
                scores = checklist_for(db, self._usage, self._subject())
            if scores is not None:
                grade = sitting.grade_online(
                    self._graded_module(module), self.drawn, self.answers, scores
                )
                self._finish(
                    settings, module, sitting.result_record(module, grade, practical_pending=False)
                )
        elif self.result.get("passed") and not self.credential:
            self.credential = self._try_issue(settings, module, self.result)

    # --- scoring (ScorableXBlockMixin) -----------------------------------------------------

    def has_submitted_answer(self) -> bool:
        return bool(self.submitted)

    def max_score(self) -> float:
        return 1.0

    def get_score(self) -> Score:
        return self.calculate_score()

    def set_score(self, score: Score) -> None:
        """Scores come only from grading on the server; a runtime-set score is not kept."""

    def calculate_score(self) -> Score:
        available = self.result.get("points_available") or 0
        earned = self.result.get("points_earned") or 0
        return Score(raw_earned=earned / available if available else 0.0, raw_possible=1.0)

    # --- learner view ----------------------------------------------------------------------

    def student_view(self, context: dict[str, Any] | None = None) -> Fragment:
        settings = self._settings()
        try:
            module = self._module(settings)
            self._catch_up(settings, module)
            self._ensure_sitting(module)
            html = self._render_student(settings, module)
        except LmsError as exc:
            html = loader.render_django_template(
                "templates/problem.html", {"t": labels("en"), "message": str(exc)}
            )
            return Fragment(html)
        fragment = Fragment(html)
        fragment.add_css(loader.load_unicode("static/css/green_skills.css"))
        fragment.add_javascript(loader.load_unicode("static/js/student.js"))
        fragment.initialize_js("GreenSkillsModuleStudent")
        return fragment

    def _render_student(self, settings: PluginSettings, module: Module) -> str:
        lang = self._lang(module)
        t = labels(lang)
        graded = self._graded_module(module)
        result = self.result if self.submitted else {}
        outcomes = [
            {
                "text": localize(outcome.text, lang),
                "achieved": bool(result and result["outcomes_achieved"][index]),
            }
            for index, outcome in enumerate(module.outcomes)
        ]
        qr = ""
        if self.credential:
            qr = qr_svg(to_qr_text(base64.b64decode(self.credential)))
        context = {
            "t": t,
            "lang": lang,
            "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in self._offered(module)],
            "module": module,
            "title": localize(module.title, lang),
            "summary": localize(module.summary, lang),
            "outcomes": outcomes,
            "level": module.level,
            "awarding_body": module.awarding_body,
            "prerequisites": localize(module.prerequisites, lang),
            "assessment_summary": localize(module.assessment_summary, lang),
            "grading_scheme": localize(module.grading_scheme, lang),
            "quality_assurance": localize(module.quality_assurance, lang),
            "threshold_percent": round(graded.pass_rule.overall_threshold * 100),
            "has_practical": bool(module.checklist),
            "items": []
            if self.submitted
            else [
                {
                    **item,
                    "answer": self.answers.get(item["id"]),
                    "image_url": item["image"]
                    and self.runtime.handler_url(self, "media", item["image"]),
                }
                for item in sitting.learner_items(module, self.drawn, lang)
            ],
            "answers": self.answers,
            "submitted": self.submitted,
            "result": result,
            "qr_svg": qr,
            "cose_url": self.runtime.handler_url(self, "credential_cose"),
            "ob3_url": self.runtime.handler_url(self, "credential_ob3"),
            "is_staff": self._is_staff(settings),
            "staff_url": self.runtime.handler_url(self, "staff_results"),
            "csv_url": self.runtime.handler_url(self, "staff_results_csv"),
        }
        return str(loader.render_django_template("templates/student.html", context))

    # --- learner handlers ------------------------------------------------------------------

    @json_handler
    def save_answer(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Keep one answer of an open sitting: ``{"item": id, "answer": value}``."""
        with self._answering():
            module = self._module(self._settings())
            self._open_sitting(module)
            if not isinstance(data, dict) or set(data) != {"item", "answer"}:
                raise BadRequest('send {"item": ..., "answer": ...}')
            answer = sitting.check_answer(module, self.drawn, data["item"], data["answer"])
            self.answers = {**self.answers, data["item"]: answer}
            return {"saved": data["item"]}

    @json_handler
    def submit(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Grade the sitting on the server: ``{"answers": {item id: answer}}``, once."""
        with self._answering():
            settings = self._settings()
            module = self._module(settings)
            self._open_sitting(module)
            if not isinstance(data, dict) or set(data) != {"answers"}:
                raise BadRequest('send {"answers": {...}}')
            answers = sitting.check_answers(module, self.drawn, data["answers"])
            practical = bool(module.checklist)
            grade = sitting.grade_online(
                self._graded_module(module), self.drawn, answers, None if practical else {}
            )
            result = sitting.result_record(module, grade, practical_pending=practical)
            self._finish(settings, module, result)
            self.answers = answers
            self.submitted = True
            self.attempts += 1
            return {"result": self.result, "credential": bool(self.credential)}

    @json_handler
    def retake(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Sit again after a result that did not pass: a fresh draw, answers cleared.
        The module's grading scheme lets a learner practise and sit again; only the
        total score was shown, never which answer was right."""
        with self._answering():
            module = self._module(self._settings())
            if data != {}:
                raise BadRequest("send {}")
            if not self.submitted:
                raise BadRequest("this sitting is not submitted yet")
            if self.result.get("passed") or self.result.get("practical_pending"):
                raise BadRequest("only a result that did not pass can be sat again")
            drawn = sitting.draw(module, random.Random(secrets.randbits(128)))
            self.drawn, self.answers, self.submitted, self.result = drawn, {}, False, {}
            self.sitting_key = f"{module.id}@{module.version}"
            return {"attempts": self.attempts}

    @json_handler
    def set_language(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Choose one of the offered languages: ``{"language": "sw"}``."""
        with self._answering():
            module = self._module(self._settings())
            language = data.get("language") if isinstance(data, dict) else None
            if language not in self._offered(module):
                raise BadRequest(f"language {language!r} is not offered in this course")
            self.language = language
            return {"language": language}

    def _credential_bytes(self) -> bytes:
        if not self.credential:
            raise BadRequest("no credential has been issued in this sitting")
        return base64.b64decode(self.credential)

    @handler
    def credential_cose(self, request: Any, suffix: str = "") -> Response:
        """The signed credential as a ``.cose`` file."""
        try:
            data = self._credential_bytes()
        except LmsError as exc:
            return Response(str(exc), status=exc.status, content_type="text/plain")
        return Response(
            body=data,
            content_type="application/cose",
            content_disposition=f'attachment; filename="{self.module_id}.cose"',
        )

    @handler
    def credential_ob3(self, request: Any, suffix: str = "") -> Response:
        """The same achievement as an Open Badges 3.0 credential (JSON)."""
        settings = self._settings()
        try:
            data = self._credential_bytes()
            module = self._module(settings)
            credential = decode_claims(decode_sign1(data).payload)
            document = open_badge_json(
                load_issuer(settings), module, credential, self._lang(module)
            )
        except LmsError as exc:
            return Response(str(exc), status=exc.status, content_type="text/plain")
        return Response(
            body=document.encode("utf-8"),
            content_type="application/json",
            content_disposition=f'attachment; filename="{self.module_id}.ob3.json"',
        )

    @handler
    def media(self, request: Any, suffix: str = "") -> Response:
        """An image a module's item shows, by the path the item names it with."""
        settings = self._settings()
        try:
            module = self._module(settings)
            files = installed_catalogue(settings.content_dir).media(module.id)
        except (LmsError, OSError) as exc:
            return Response(str(exc), status=404, content_type="text/plain")
        kind = MEDIA_TYPES.get(suffix.rsplit(".", 1)[-1].lower())
        if suffix not in files or kind is None:
            return Response("no such image in this module", status=404, content_type="text/plain")
        response = Response(body=files[suffix], content_type=kind)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'"
        )
        response.cache_control.max_age = 86400
        return response

    # --- workbench -------------------------------------------------------------------------

    @staticmethod
    def workbench_scenarios() -> list[tuple[str, str]]:
        """One scenario per installed module."""
        try:
            modules = installed_catalogue(load_settings().content_dir).modules
        except LmsError as exc:
            log.warning("no green-skills scenarios: %s", exc)
            return []
        return [
            (
                f"Green skills: {localize(module.title, 'en')}",
                f"<green_skills_module module={quoteattr(module.id)}/>",
            )
            for module in modules.values()
        ]
