"""schemathesis against the served ``/openapi.json``: generated requests, valid and not,
never get a 5xx, and every answer matches the schema the app publishes. Local mode and a
signed-in clinic patient, each on a real server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from neckcheck.settings import Settings
from neckcheck.web.app import create_app
from neckcheck.web.server import serve_in_thread
from tests.databases import new_sqlite
from tests.factories import PASSWORD, patient_accounts
from tests.web.route_table import route_table


def _signed_in(base: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    form = {"email": "patient@example.org", "password": PASSWORD, "csrf_token": token[1]}
    assert browser.post(base + "/login", data=form, timeout=10).ok
    return browser


@pytest.fixture(params=["local", "clinic"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, requests.Session]]:
    """A server on a fresh database for each operation tested (its generated requests then
    share it), in local mode and as a signed-in clinic patient."""
    url = new_sqlite(tmp_path_factory.mktemp(request.param) / "schema.db")
    clinic = request.param == "clinic"
    if clinic:
        patient_accounts(url, ["patient@example.org"])
    with serve_in_thread(_app(url, clinic=clinic)) as base:
        yield base, (_signed_in(base) if clinic else requests.Session())


def _app(url: str, *, clinic: bool = False) -> Any:
    return create_app(
        Settings(database_url=url, clinic_mode=clinic, secret_key="s" * 40, cookie_secure=False)
    )


# The schema the app publishes; a test below checks that the server serves exactly this.
schema = schemathesis.openapi.from_dict(_app("sqlite://").openapi())


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    # function_scoped_fixture: the server and its database are fresh per operation and are
    # meant to be shared by that operation's examples. too_slow, data_too_large and
    # filter_too_much come from schemathesis' request generators (whole request bodies
    # drawn from the schema), not from the code under test.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
def test_no_server_error_and_answers_match_the_schema(
    case: Any, served: tuple[str, requests.Session]
) -> None:
    base, browser = served
    # Not checked:
    # - that every schema-valid body is accepted: some rules are beyond JSON Schema (no
    #   start in the future or before 1900, an end after the start, each remedy once, no
    #   finding both present and absent); those answer 422 naming the field;
    # - the `Allow` header of a 405: Starlette lists the methods of the first route on the
    #   path only (GET /episodes, not also POST).
    case.call_and_validate(
        base_url=base,
        session=browser,
        excluded_checks=[checks.positive_data_acceptance, checks.allow_header_conformance],
    )


def test_the_served_schema_is_the_one_tested_and_names_every_api_route(
    served: tuple[str, requests.Session],
) -> None:
    base, browser = served
    published = browser.get(base + "/openapi.json", timeout=10).json()
    assert published == schema.raw_schema
    api_routes = {path for _, path in route_table(_app("sqlite://")) if path.startswith("/api/")}
    assert api_routes == set(published["paths"])
