"""The core of the ``green_skills_module`` XBlock: its fields and what every part needs.

Definition (which module) in ``Scope.content``; author options (pass threshold,
languages offered) in ``Scope.settings``; the learner's sitting (drawn items and
option orders, answers, submitted flag, result, credential) in ``Scope.user_state``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.fields import Boolean, Dict, Float, Integer, List, Scope, String
from xblock.utils.resources import ResourceLoader

from content.model import Module
from lms_plugin.config import PluginSettings, load_settings
from lms_plugin.errors import BadRequest, LmsError, NotConfigured
from lms_plugin.modules import (
    check_threshold,
    effective_module,
    find_module,
    installed_catalogue,
    offered_languages,
)
from lms_plugin.online_issuance import subject_id

Handler = Callable[..., Any]
loader = ResourceLoader(__name__)
DEFAULT_NAME = "Green-skills module"


def json_handler(func: Handler) -> Handler:
    """``XBlock.json_handler``, typed."""
    return cast(Handler, XBlock.json_handler(func))


def handler(func: Handler) -> Handler:
    """``XBlock.handler``, typed."""
    return cast(Handler, XBlock.handler(func))


class BlockCore(XBlock):  # type: ignore[misc]
    """Fields and shared helpers; handlers raise ``JsonHandlerError(400, reason)`` through
    :meth:`_answering` and check everything before they change anything."""

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
