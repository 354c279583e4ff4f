"""The weekly check-in: the activities a person finds hard (named once), then their ratings
and the week's usual pain; after saving, the change since the first check-in. See
:mod:`neckcheck.services.outcomes`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neckcheck.errors import InputError
from neckcheck.services.outcomes import Outcomes
from neckcheck.web import forms
from neckcheck.web.deps import CsrfDep, WriteDiary
from neckcheck.web.routes.pages import render

router = APIRouter(include_in_schema=False)

ACTIVITY_FIELDS = [f"activity_{n}" for n in range(1, 6)]


def _questions(outcomes: Outcomes) -> list[dict[str, Any]]:
    """Each measure a check-in asks now, with its items as (form field, label)."""
    return [
        {
            "measure": measure,
            "items": [(f"{measure.id}.{item}", label) for item, label in outcomes.items(measure)],
        }
        for measure in outcomes.measures.measures
    ]


def _page(
    request: Request,
    outcomes: Outcomes,
    *,
    form: forms.FormState | None = None,
    naming: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    activities = outcomes.activities()
    personal = outcomes.personal()
    naming = naming or (personal is not None and not activities)
    if form is None and naming:
        names = [a.name for a in activities] or outcomes.suggestions()[:3]
        form = activities_form(names)
    questions = _questions(outcomes)
    labels = {"activities": "Your activities", "form": "Check-in"}
    for question in questions:
        for name, label in question["items"]:
            labels[name] = label
    return render(
        request,
        "check_in.html",
        status_code=status_code,
        form=form or forms.FormState(),
        naming=naming,
        personal=personal,
        activity_fields=ACTIVITY_FIELDS,
        suggestions=outcomes.suggestions(),
        questions=questions,
        labels=labels,
        saved=request.query_params.get("saved") == "1",
        lines=outcomes.lines(),
    )


@router.get("/check-in", response_class=HTMLResponse)
def check_in_page(request: Request, diary: WriteDiary) -> HTMLResponse:
    outcomes = Outcomes(diary)
    return _page(request, outcomes, naming=request.query_params.get("activities") == "1")


@router.post("/check-in", response_class=HTMLResponse)
async def check_in_submit(request: Request, diary: WriteDiary, _: CsrfDep) -> Response:
    values = forms.read_form(await request.form())
    ratings: dict[str, dict[str, str]] = {}
    for name, value in values.items():
        measure, dot, item = name.partition(".")
        if dot:
            ratings.setdefault(measure, {})[item] = str(value)
    outcomes = Outcomes(diary)
    try:
        outcomes.check_in(ratings)
    except InputError as exc:
        form = forms.FormState(values=values, errors=forms.errors_by_field(exc))
        return _page(request, outcomes, form=form, status_code=422)
    return RedirectResponse("/check-in?saved=1", status_code=303)


def activities_form(names: list[str]) -> forms.FormState:
    """A naming form filled in with ``names``, one a field in order."""
    return forms.FormState(values=dict(zip(ACTIVITY_FIELDS, names, strict=False)))


def activity_names(values: dict[str, Any]) -> list[str]:
    """The activities a naming form gives, in its fields' order."""
    return [str(values.get(name, "")) for name in ACTIVITY_FIELDS]


def activity_errors(exc: InputError) -> dict[str, str]:
    """A refused list of activities, each message beside the one fieldset that holds them."""
    return {
        ("activities" if key.startswith("activity.") else key): message
        for key, message in forms.errors_by_field(exc).items()
    }


@router.post("/check-in/activities", response_class=HTMLResponse)
async def activities_submit(request: Request, diary: WriteDiary, _: CsrfDep) -> Response:
    values = forms.read_form(await request.form())
    outcomes = Outcomes(diary)
    try:
        outcomes.set_activities(activity_names(values))
    except InputError as exc:
        form = forms.FormState(values=values, errors=activity_errors(exc))
        return _page(request, outcomes, form=form, naming=True, status_code=422)
    return RedirectResponse("/check-in", status_code=303)
