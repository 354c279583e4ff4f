"""Paths made from a route's name and parameters, for routes and templates alike.

    >>> path_for(request, "episode", episode_id=7)
    '/episodes/7'

In a template the same is ``{{ path_for("episode", episode_id=e.id) }}``; a query or a
fragment is appended to what it gives (``path_for("patient_insights", patient_id=p) ~ "?" ~
period.query``). A path, never an absolute URL: behind a proxy that ends HTTPS the scheme and
host stay the browser's. A name no route has is an error (Starlette's ``NoMatchFound``), so a
renamed route cannot leave a link pointing nowhere.
"""

from __future__ import annotations

from typing import Any

import jinja2
from starlette.requests import Request


def path_for(request: Request, name: str, /, **params: Any) -> str:
    """The path of the app's route ``name`` with its path ``params`` filled in."""
    return str(request.app.url_path_for(name, **params))


@jinja2.pass_context
def template_path_for(context: Any, name: str, /, **params: Any) -> str:
    """``path_for`` in a template: the request is the one the page is rendered for."""
    return path_for(context["request"], name, **params)
