"""Authoring the block: Studio editing and OLX import/export of its settings."""

from __future__ import annotations

from typing import Any, cast

from web_fragments.fragment import Fragment

from content.model import localize
from lms_plugin.block_core import DEFAULT_NAME, BlockCore, json_handler, loader
from lms_plugin.errors import BadRequest, LmsError
from lms_plugin.i18n import LANGUAGE_NAMES, labels
from lms_plugin.modules import (
    check_languages,
    check_threshold,
    find_module,
    installed_catalogue,
    olx_number,
)


class Authoring(BlockCore):
    """Studio's edit view and save handler; OLX ``parse_xml`` / ``add_xml_to_node``."""

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

    @classmethod
    def parse_xml(cls, node: Any, runtime: Any, keys: Any) -> Authoring:
        """``<green_skills_module module="id" pass_threshold="0.8" languages="en sw"/>``."""
        block = runtime.construct_xblock_from_class(cls, keys)
        block.module_id = node.get("module", "")
        if node.get("display_name"):
            block.display_name = node.get("display_name")
        if node.get("pass_threshold"):
            block.pass_threshold = olx_number("pass_threshold", node.get("pass_threshold"))
        block.languages = node.get("languages", "").split()
        if node.get("weight"):
            # 0 leaves the block ungraded; a negative or non-finite weight would corrupt
            # the course grade.
            block.weight = olx_number("weight", node.get("weight"), minimum=0)
        return cast(Authoring, block)

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
