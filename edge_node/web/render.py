"""Jinja2 pages: one environment (with ``jinja2.ext.i18n``), the reader's catalogue and the
shared layout values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from credentials.claims import MAX_HOLDER_NAME
from credentials.languages import LANGUAGE_NAMES
from edge_node.i18n import Translator
from edge_node.web.context import Ctx

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
    extensions=["jinja2.ext.i18n"],
)
env.globals["MAX_HOLDER_NAME"] = MAX_HOLDER_NAME
env.globals["LANGUAGES"] = tuple(LANGUAGE_NAMES.items())


def address(request: Request) -> str:
    """The page's path and query: where switching the language comes back to."""
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


def render_html(
    template: str,
    *,
    lang: str,
    node_name: str,
    path: str,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    words = Translator(lang).template_values()
    html = env.get_template(template).render(
        **words, lang=lang, node_name=node_name, path=path, **values
    )
    return HTMLResponse(html, status_code=status)


def render(ctx: Ctx, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    response = render_html(
        template,
        lang=ctx.lang,
        node_name=ctx.node.settings.node_name,
        path=address(ctx.request),
        status=status,
        csrf=ctx.csrf,
        principal=ctx.principal,
        **values,
    )
    ctx.finish(response)
    return response
