"""Pages make every path with a variable part from a route's name (``web/paths.py``): a
template by ``path_for("episode", episode_id=e.id)``, a route by ``path_for(request, ...)``;
no template or route module writes such a path by hand."""

from __future__ import annotations

import re
from importlib.resources import files
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.routing import NoMatchFound

from neckcheck.settings import Settings
from neckcheck.web.app import create_app
from neckcheck.web.paths import path_for
from tests.web.route_table import routes

TEMPLATES = files("neckcheck.web") / "templates"
# The modules that answer requests: the routes, and the app's own error handlers.
ROUTE_MODULES = [
    *(f for f in (files("neckcheck.web") / "routes").iterdir() if f.name.endswith(".py")),
    files("neckcheck.web") / "app.py",
]

# A variable in the path part of a link or form (a query's values may vary: "/clinician?page=
# {{ n }}"), a path formatted with % or joined with ~.
_BY_HAND = re.compile(
    r"""(?:href|action|formaction|src)="/[^"?#]*\{[{%]"""
    r"""|["']/[^"']*%[ds][^"']*["']\s*%"""
    r"""|["']/[^"']*["']\s*~|~\s*["']/"""
)
_F_STRING_PATH = re.compile(r"""\bf["']/""")
_NAMED = re.compile(r"""path_for\(\s*(?:request,\s*)?["'](\w+)["']""")


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)  # not started: its route table is all these tests read


def _request(app: FastAPI) -> Any:
    return SimpleNamespace(app=app)  # all path_for reads of a request


@pytest.mark.parametrize(
    ("name", "params", "path"),
    [
        ("home", {}, "/"),
        ("episode", {"episode_id": 7}, "/episodes/7"),
        ("episode_check", {"episode_id": 7}, "/episodes/7/check"),
        ("episode_end", {"episode_id": 7}, "/episodes/7/end"),  # not the API's end_episode
        ("end_episode", {"episode_id": 7}, "/api/v1/episodes/7/end"),
        ("export", {"kind": "fhir"}, "/export/fhir"),
        ("patient_episode", {"patient_id": 3, "episode_id": 9}, "/clinician/patients/3/episodes/9"),
        ("sharing_revoke", {"clinician_id": 4}, "/sharing/revoke/4"),
        ("join", {"token": "abc-DEF_1"}, "/join/abc-DEF_1"),
        ("calendar_feed", {"token": "abc"}, "/calendar/abc.ics"),
    ],
)
def test_path_for_makes_a_routes_path(
    app: FastAPI, name: str, params: dict[str, Any], path: str
) -> None:
    assert path_for(_request(app), name, **params) == path


def test_path_for_remembers_the_route_and_gives_what_the_apps_lookup_gives(app: FastAPI) -> None:
    # Asked again (from the route it remembered), with other values, for every named route.
    request = _request(app)
    for route in routes(app.routes):
        params = dict.fromkeys(route.param_convertors, 7)
        for values in (params, dict.fromkeys(params, 12)):
            assert path_for(request, route.name, **values) == app.url_path_for(route.name, **values)
    assert path_for(request, "patient", patient_id=3) == "/clinician/patients/3"
    with pytest.raises(NoMatchFound):
        path_for(request, "patient")


def test_path_for_refuses_a_name_no_route_has_or_a_missing_parameter(app: FastAPI) -> None:
    with pytest.raises(NoMatchFound):
        path_for(_request(app), "no_such_page")
    with pytest.raises(NoMatchFound):
        path_for(_request(app), "episode")


def test_every_route_has_its_own_name(app: FastAPI) -> None:
    names = [route.name for route in routes(app.routes)]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_every_name_a_page_asks_for_is_a_route(app: FastAPI) -> None:
    known = {route.name for route in routes(app.routes)}
    sources = [*TEMPLATES.iterdir(), *(TEMPLATES / "charts").iterdir(), *ROUTE_MODULES]
    asked = {
        name
        for source in sources
        if source.is_file()
        for name in _NAMED.findall(source.read_text("utf-8"))
    }
    assert asked, "no path_for found: is the pattern out of date?"
    assert sorted(asked - known) == []


def _lines(pattern: re.Pattern[str], sources: list[Any]) -> list[str]:
    return [
        f"{source.name}:{number}: {line.strip()}"
        for source in sources
        if source.is_file()
        for number, line in enumerate(source.read_text("utf-8").splitlines(), 1)
        if pattern.search(line)
    ]


def test_no_template_composes_a_path_by_hand() -> None:
    templates = [*TEMPLATES.iterdir(), *(TEMPLATES / "charts").iterdir()]
    assert _lines(_BY_HAND, templates) == []


def test_no_route_module_writes_a_path_in_an_f_string() -> None:
    assert _lines(_F_STRING_PATH, ROUTE_MODULES) == []


@pytest.mark.parametrize(
    ("line", "by_hand"),
    [
        ('<a href="/episodes/{{ e.id }}/edit">', True),
        ('<form method="post" action="/accounts/{{ u.id }}/reset">', True),
        ('<a href="/x/{% if a %}1{% endif %}">', True),
        ('{% set base = "/clinician/patients/%d" % patient_id %}', True),
        ('{{ form(base ~ "/activities") }}', True),
        ('{{ form("/clinician/patients/" ~ patient_id) }}', True),
        ("<a href=\"{{ path_for('episode', episode_id=e.id) }}\">", False),
        ("<a href=\"{{ path_for('export', kind='json') }}?{{ period.query }}\">", False),
        ('<a href="/clinician?page={{ listing.page + 1 }}">', False),
        ('<a href="/log">', False),
        ('<a href="#src-{{ key }}">', False),
    ],
)
def test_the_template_check_finds_paths_made_by_hand(line: str, by_hand: bool) -> None:
    assert bool(_BY_HAND.search(line)) is by_hand


@pytest.mark.parametrize(
    ("line", "by_hand"),
    [
        ('return _see_other(f"/episodes/{episode.id}/check")', True),
        ("action=f'/{purpose}/{token}',", True),
        ("return _see_other(f\"{path_for(request, 'home')}?stopped={episode_id}\")", False),
        ('return RedirectResponse("/sharing", status_code=303)', False),
    ],
)
def test_the_route_check_finds_f_string_paths(line: str, by_hand: bool) -> None:
    assert bool(_F_STRING_PATH.search(line)) is by_hand
