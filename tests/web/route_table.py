"""Every route the app serves, read from its route table (for the tests that must cover
each one: the authorization matrix, the API schema)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.routing import Mount


def routes(table: list[Any]) -> Iterator[Any]:
    """The routes in ``table``, with included routers opened and mounts left out."""
    for route in table:
        if isinstance(route, Mount):
            continue  # static files
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            yield from routes(included.routes)
        else:
            yield route


def route_table(app: Any) -> list[tuple[str, str]]:
    table = []
    for route in routes(app.routes):
        for method in sorted(getattr(route, "methods", None) or ["GET"]):
            if method not in ("HEAD", "OPTIONS"):
                table.append((method, route.path))
    return table
