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

from collections.abc import Iterator
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.routing import NoMatchFound


def path_for(request: Request, name: str, /, **params: Any) -> str:
    """The path of the app's route ``name`` with its path ``params`` filled in.

    The app's own lookup asks every route in turn (and FastAPI's included routers raise and
    catch an exception for each one that does not match): some 0.2 ms, which a list of 50
    patients' links pays 50 times. So the route that answered for a name is remembered, per
    app, and asked directly next time; what it gives is what the app's lookup gave."""
    app = request.app
    known: dict[str, Any] | None = getattr(app.state, "routes_by_name", None)
    if known is None:
        known = app.state.routes_by_name = {}
    route = known.get(name)
    if route is not None:
        try:
            return str(route.url_path_for(name, **params))
        except NoMatchFound:
            pass  # other parameters than the ones it was found with: ask the app
    path = str(app.url_path_for(name, **params))
    for candidate in _named_routes(app.routes, name):
        try:
            if str(candidate.url_path_for(name, **params)) == path:
                known[name] = candidate
                break
        except NoMatchFound:
            continue
    return path


def _named_routes(table: list[Any], name: str) -> Iterator[Any]:
    """The routes named ``name`` in ``table``, FastAPI's included routers opened (their
    routes have their prefix in their own path)."""
    for route in table:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _named_routes(included.routes, name)
        elif getattr(route, "name", None) == name:
            yield route


@jinja2.pass_context
def template_path_for(context: Any, name: str, /, **params: Any) -> str:
    """``path_for`` in a template: the request is the one the page is rendered for."""
    return path_for(context["request"], name, **params)
