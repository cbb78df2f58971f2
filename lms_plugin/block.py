"""The ``green_skills_module`` XBlock: a thin shell over ``content`` and ``credentials``.

Definition (which module) in ``Scope.content``; author options (pass threshold,
languages offered) in ``Scope.settings``; the learner's sitting (drawn items and
option orders, answers, submitted flag, result, credential) in ``Scope.user_state``.
Handlers check everything before they change anything: a refused request answers
``JsonHandlerError(400, reason)`` and leaves the state as it was.
"""

from __future__ import annotations

import base64
import logging
import random
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast
from xml.sax.saxutils import quoteattr

from web_fragments.fragment import Fragment
from webob import Response
from xblock.completable import CompletableXBlockMixin
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.fields import Boolean, Dict, Float, Integer, List, Scope, String
from xblock.scorable import ScorableXBlockMixin, Score
from xblock.utils.resources import ResourceLoader

from content.model import Module, localize
from credentials.claims import decode_claims
from credentials.cose import decode_sign1
from credentials.qr import qr_svg, to_qr_text
from lms_plugin import sitting
from lms_plugin.config import PluginSettings, load_settings
from lms_plugin.errors import BadRequest, Forbidden, LmsError, NotConfigured
from lms_plugin.hub_results import (
    ResultRow,
    fetch_offline_results,
    filter_centre,
    online_rows,
    results_csv,
)
from lms_plugin.i18n import LANGUAGE_NAMES, labels
from lms_plugin.ledger import (
    OnlineResult,
    checklist_for,
    online_results,
    open_ledger,
    record_checklist,
    record_result,
)
from lms_plugin.modules import (
    check_languages,
    check_threshold,
    effective_module,
    find_module,
    installed_catalogue,
    offered_languages,
)
from lms_plugin.online_issuance import (
    issue_online,
    load_issuer,
    open_badge_json,
    subject_id,
)

log = logging.getLogger(__name__)
Handler = Callable[..., Any]


def json_handler(func: Handler) -> Handler:
    """``XBlock.json_handler``, typed."""
    return cast(Handler, XBlock.json_handler(func))


def handler(func: Handler) -> Handler:
    """``XBlock.handler``, typed."""
    return cast(Handler, XBlock.handler(func))


loader = ResourceLoader(__name__)
DEFAULT_NAME = "Green-skills module"
MEDIA_TYPES = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}


@XBlock.needs("i18n")
@XBlock.wants("user")
class GreenSkillsModuleBlock(ScorableXBlockMixin, CompletableXBlockMixin, XBlock):  # type: ignore[misc]
    """One green-skills micro-credential module: overview, assessment, result, credential."""

    display_name = String(display_name="Display name", default=DEFAULT_NAME, scope=Scope.settings)
    module_id = String(
        display_name="Module", help="Id of an installed module", default="", scope=Scope.content
    )
    pass_threshold = Float(
        display_name="Pass threshold",
        help="Fraction of points; empty: the module's own rule. Only stricter is allowed.",
        default=None,
        scope=Scope.settings,
    )
    languages = List(
        display_name="Languages offered",
        help="Empty: every language the module is written in",
        default=[],
        scope=Scope.settings,
    )
    weight = Float(display_name="Problem weight", default=1.0, scope=Scope.settings)

    sitting_key = String(default="", scope=Scope.user_state, help="module@version drawn for")
    drawn = List(default=[], scope=Scope.user_state, help="drawn items and option orders")
    answers = Dict(default={}, scope=Scope.user_state)
    submitted = Boolean(default=False, scope=Scope.user_state)
    result = Dict(default={}, scope=Scope.user_state)
    credential = String(default="", scope=Scope.user_state, help="COSE_Sign1, base64")
    language = String(default="", scope=Scope.user_state)
    attempts = Integer(default=0, scope=Scope.user_state, help="sittings submitted")

    icon_class = "problem"

    # --- configuration and the learner ---------------------------------------------------

    @staticmethod
    def _settings() -> PluginSettings:
        return load_settings()

    def _module(self, settings: PluginSettings) -> Module:
        if not self.module_id:
            raise NotConfigured("no module is chosen for this block yet (edit it in Studio)")
        return find_module(installed_catalogue(settings.content_dir), self.module_id)

    def _graded_module(self, module: Module) -> Module:
        try:
            return effective_module(module, check_threshold(module, self.pass_threshold))
        except BadRequest as exc:
            raise NotConfigured(f"the block's pass threshold is not allowed: {exc}") from exc

    def _offered(self, module: Module) -> list[str]:
        return offered_languages(module, self.languages)

    def _lang(self, module: Module) -> str:
        offered = self._offered(module)
        if self.language in offered:
            return str(self.language)
        site = self._site_language()
        return site if site in offered else offered[0]

    @staticmethod
    def _site_language() -> str:
        try:
            from django.utils.translation import get_language
        except ImportError:
            return ""
        return (get_language() or "")[:2]

    def _user(self) -> Any:
        service = self.runtime.service(self, "user")
        return None if service is None else service.get_current_user()

    def _subject(self) -> str:
        user = self._user()
        anonymous = None if user is None else user.opt_attrs.get("edx-platform.anonymous_user_id")
        return subject_id(str(anonymous or self.scope_ids.user_id))

    def _holder_name(self) -> str:
        user = self._user()
        name = "" if user is None else (user.full_name or "")
        return name.strip()[:100] or "Learner"

    def _is_staff(self, settings: PluginSettings) -> bool:
        if settings.staff_view_for_all:
            return True
        user = self._user()
        return bool(user is not None and user.opt_attrs.get("edx-platform.user_is_staff"))

    @property
    def _usage(self) -> str:
        return str(self.scope_ids.usage_id)

    @contextmanager
    def _answering(self) -> Iterator[None]:
        """Turn the plugin's errors into ``JsonHandlerError`` with their status."""
        try:
            yield
        except LmsError as exc:
            raise JsonHandlerError(exc.status, str(exc)) from exc

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

    # --- staff -----------------------------------------------------------------------------

    def _staff_rows(self, settings: PluginSettings, module: Module, centre: str | None) -> Any:
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
            return {
                "rows": [{**row.__dict__, "submitted": row.submitted} for row in rows],
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

    # --- Studio ----------------------------------------------------------------------------

    def studio_view(self, context: dict[str, Any] | None = None) -> Fragment:
        settings = self._settings()
        t = labels(self._site_language())
        try:
            modules = installed_catalogue(settings.content_dir).modules
            problem = ""
        except LmsError as exc:
            modules, problem = {}, str(exc)
        choices = [
            {
                "id": module.id,
                "title": localize(module.title, "en"),
                "version": module.version,
                "threshold": module.pass_rule.overall_threshold,
                "languages": module.languages,
            }
            for module in modules.values()
        ]
        html = loader.render_django_template(
            "templates/studio.html",
            {
                "t": t,
                "problem": problem,
                "choices": choices,
                "block": self,
                "language_names": LANGUAGE_NAMES,
            },
        )
        fragment = Fragment(html)
        fragment.add_css(loader.load_unicode("static/css/green_skills.css"))
        fragment.add_javascript(loader.load_unicode("static/js/studio.js"))
        fragment.initialize_js("GreenSkillsModuleStudio")
        return fragment

    @json_handler
    def studio_submit(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Save the author's options after checking them against the chosen module."""
        with self._answering():
            if not isinstance(data, dict) or not set(data) <= {
                "display_name",
                "module_id",
                "pass_threshold",
                "languages",
            }:
                raise BadRequest("send display_name, module_id, pass_threshold and languages")
            settings = self._settings()
            module = find_module(
                installed_catalogue(settings.content_dir), data.get("module_id", self.module_id)
            )
            threshold = check_threshold(module, data.get("pass_threshold", self.pass_threshold))
            languages = check_languages(module, data.get("languages", list(module.languages)))
            name = data.get("display_name", self.display_name)
            if not isinstance(name, str) or not 0 < len(name.strip()) <= 200:
                raise BadRequest("the display name must be 1 to 200 characters")
            self.module_id = module.id
            self.pass_threshold = threshold
            self.languages = languages
            self.display_name = name.strip()
            return {"module_id": module.id, "pass_threshold": threshold, "languages": languages}

    # --- OLX -------------------------------------------------------------------------------

    @classmethod
    def parse_xml(cls, node: Any, runtime: Any, keys: Any) -> GreenSkillsModuleBlock:
        """``<green_skills_module module="id" pass_threshold="0.8" languages="en sw"/>``."""
        block = runtime.construct_xblock_from_class(cls, keys)
        block.module_id = node.get("module", "")
        if node.get("display_name"):
            block.display_name = node.get("display_name")
        threshold = node.get("pass_threshold")
        if threshold:
            try:
                block.pass_threshold = float(threshold)
            except ValueError:
                raise ValueError(f"pass_threshold must be a number, not {threshold!r}") from None
        block.languages = node.get("languages", "").split()
        if node.get("weight"):
            block.weight = float(node.get("weight"))
        return cast(GreenSkillsModuleBlock, block)

    def add_xml_to_node(self, node: Any) -> None:
        node.tag = self.scope_ids.block_type
        node.set("module", self.module_id)
        if self.display_name != DEFAULT_NAME:
            node.set("display_name", self.display_name)
        if self.pass_threshold is not None:
            node.set("pass_threshold", repr(float(self.pass_threshold)))
        if self.languages:
            node.set("languages", " ".join(self.languages))
        if self.weight != 1.0:
            node.set("weight", repr(float(self.weight)))

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
