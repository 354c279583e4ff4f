"""Clinic accounts' own pages: joining by an invitation link, a new password by a reset link,
the second factor at sign-in, a person's Account page (password, second factor, sessions,
leaving), and the administrators' Accounts page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from neckcheck.auth.sessions import CODE, SETUP
from neckcheck.errors import (
    InputError,
    LinkNotUsable,
    MailNotSent,
    NotAllowed,
    SecondFactorNeeded,
    TooManyAttempts,
)
from neckcheck.services.access import Actor
from neckcheck.services.accounts import Invited
from neckcheck.storage.accounts import ROLES
from neckcheck.web import forms
from neckcheck.web.deps import (
    SESSION_COOKIE,
    AccountsDep,
    ActorDep,
    BrowserCsrfDep,
    CsrfDep,
    RowId,
    SignIn,
    SignInCsrfDep,
    SignInDep,
    browser_csrf,
    client_ip,
)
from neckcheck.web.paths import path_for
from neckcheck.web.routes.clinic import signed_in
from neckcheck.web.routes.pages import render

router = APIRouter(include_in_schema=False)

TextField = Annotated[str, Form()]


def _agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


def _safe_next(raw: str) -> str:
    return raw if raw.startswith("/") and not raw.startswith("//") else ""


# --- joining and reset links -----------------------------------------------------------------


def _gone(request: Request, exc: LinkNotUsable) -> HTMLResponse:
    """A link that cannot be used, rendered here rather than raised: an unknown link's count
    against the address's limit must be committed with the answer."""
    return render(
        request, "link_gone.html", status_code=exc.status, message=str(exc), reason=exc.reason
    )


def _link_page(
    request: Request,
    people: AccountsDep,
    token: str,
    purpose: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        form = people.link_form(token, purpose=purpose, address=client_ip(request))
    except LinkNotUsable as exc:
        return _gone(request, exc)
    request.state.csrf = browser_csrf(request)
    state = forms.FormState(values=values or {"name": form.name}, errors=errors or {})
    return render(
        request,
        "link.html",
        status_code=status_code,
        link=form,
        form=state,
        action=path_for(request, purpose, token=token),  # the route that takes the link
    )


def _use_link(
    request: Request,
    people: AccountsDep,
    token: str,
    purpose: str,
    name: str,
    password: str,
    password_again: str,
    share: str,
) -> Response:
    try:
        started = people.use_link(
            token,
            purpose=purpose,
            name=name,
            password=password,
            again=password_again,
            share=share == "yes",
            address=client_ip(request),
            user_agent=_agent(request),
        )
    except LinkNotUsable as exc:
        return _gone(request, exc)
    except InputError as exc:
        values = {"name": name[:200], "share": share}
        return _link_page(
            request,
            people,
            token,
            purpose,
            values=values,
            errors=forms.errors_by_field(exc),
            status_code=422,
        )
    return signed_in(request, started.token, started.target)


@router.get("/join/{token}", response_class=HTMLResponse)
def join_form(request: Request, token: str, people: AccountsDep) -> HTMLResponse:
    """The page of an invitation: a name and a password, twice."""
    return _link_page(request, people, token, "join")


@router.post("/join/{token}", response_class=HTMLResponse, name="join")
def join(
    request: Request,
    token: str,
    people: AccountsDep,
    _: BrowserCsrfDep,
    name: TextField = "",
    password: TextField = "",  # nosec B107: a missing field, refused
    password_again: TextField = "",  # nosec B107: a missing field, refused
    share: TextField = "",
) -> Response:
    return _use_link(request, people, token, "join", name, password, password_again, share)


@router.get("/reset/{token}", response_class=HTMLResponse)
def reset_form(request: Request, token: str, people: AccountsDep) -> HTMLResponse:
    """The page of a reset link: a new password, twice (and the name, kept)."""
    return _link_page(request, people, token, "reset")


@router.post("/reset/{token}", response_class=HTMLResponse, name="reset")
def reset(
    request: Request,
    token: str,
    people: AccountsDep,
    _: BrowserCsrfDep,
    name: TextField = "",
    password: TextField = "",  # nosec B107: a missing field, refused
    password_again: TextField = "",  # nosec B107: a missing field, refused
) -> Response:
    return _use_link(request, people, token, "reset", name, password, password_again, "")


# --- the second factor at sign-in ------------------------------------------------------------


def _code_page(
    request: Request, sign_in: SignIn, *, error: str = "", status_code: int = 200
) -> Response:
    if sign_in.login.stage != CODE:
        return RedirectResponse("/", status_code=303)
    next_url = _safe_next(request.query_params.get("next", ""))
    return render(request, "code.html", status_code=status_code, error=error, next_url=next_url)


@router.get("/login/code", response_class=HTMLResponse)
def code_form(request: Request, sign_in: SignInDep) -> Response:
    return _code_page(request, sign_in)


@router.post("/login/code", response_class=HTMLResponse)
def give_code(
    request: Request,
    sign_in: SignInDep,
    people: AccountsDep,
    _: SignInCsrfDep,
    code: TextField = "",
    next_url: Annotated[str, Form(alias="next")] = "",
) -> Response:
    if sign_in.login.stage != CODE:
        return RedirectResponse("/", status_code=303)
    try:
        started = people.give_code(
            sign_in.token, code, address=client_ip(request), next_url=_safe_next(next_url)
        )
    except InputError as exc:
        return _code_page(request, sign_in, error=exc.problems[0].message, status_code=422)
    except TooManyAttempts as exc:
        return _code_page(request, sign_in, error=str(exc), status_code=429)
    return signed_in(request, started.token, started.target)


# --- setting up the second factor ------------------------------------------------------------


def _setup_page(
    request: Request, sign_in: SignIn, people: AccountsDep, *, error: str = "", status: int = 200
) -> Response:
    if sign_in.login.stage == CODE:
        raise SecondFactorNeeded("give your code first", stage=CODE)
    page = people.account_page(sign_in.login.user, sign_in.token).second_factor
    if page.confirmed:
        return RedirectResponse("/account#second-factor", status_code=303)
    return render(
        request,
        "second_factor.html",
        status_code=status,
        setup=people.setup(sign_in.login.user),
        error=error,
        first_sign_in=sign_in.login.stage == SETUP,
    )


@router.get("/account/second-factor", response_class=HTMLResponse)
def second_factor_form(request: Request, sign_in: SignInDep, people: AccountsDep) -> Response:
    """Setting up an authenticator app: a QR code and the secret to type, then its code."""
    return _setup_page(request, sign_in, people)


@router.post("/account/second-factor", response_class=HTMLResponse)
def second_factor_confirm(
    request: Request,
    sign_in: SignInDep,
    people: AccountsDep,
    _: SignInCsrfDep,
    code: TextField = "",
) -> Response:
    if sign_in.login.stage == CODE:
        raise SecondFactorNeeded("give your code first", stage=CODE)
    try:
        codes = people.confirm(sign_in.login.user, sign_in.token, code, address=client_ip(request))
    except InputError as exc:
        return _setup_page(request, sign_in, people, error=exc.problems[0].message, status=422)
    except TooManyAttempts as exc:
        return _setup_page(request, sign_in, people, error=str(exc), status=429)
    request.state.actor = Actor.signed_in(sign_in.login.user, ip=client_ip(request))
    return render(request, "recovery_codes.html", codes=codes, home=_home(sign_in))


def _home(sign_in: SignIn) -> str:
    from neckcheck.services.accounts import home_of

    return home_of(sign_in.login.user)


# --- the Account page --------------------------------------------------------------------------


def _user_of(actor: Actor) -> Any:
    if actor.user is None:
        raise NotAllowed("this page is for a clinic's accounts")
    return actor.user


def _token(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE, "")


def _account_page(
    request: Request,
    people: AccountsDep,
    actor: Actor,
    *,
    errors: dict[str, str] | None = None,
    done: str = "",
    codes: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    page = people.account_page(_user_of(actor), _token(request))
    return render(
        request,
        "account.html",
        status_code=status_code,
        page=page,
        form=forms.FormState(errors=errors or {}),
        done=done or request.query_params.get("done", ""),
        codes=codes or [],
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, people: AccountsDep, actor: ActorDep) -> HTMLResponse:
    return _account_page(request, people, actor)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    people: AccountsDep,
    actor: ActorDep,
    _: CsrfDep,
    current_password: TextField = "",  # nosec B107: a missing field, refused
    password: TextField = "",  # nosec B107: a missing field, refused
    password_again: TextField = "",  # nosec B107: a missing field, refused
) -> Response:
    try:
        people.change_password(
            _user_of(actor),
            _token(request),
            current=current_password,
            password=password,
            again=password_again,
            address=client_ip(request),
        )
    except InputError as exc:
        return _account_page(
            request, people, actor, errors=forms.errors_by_field(exc), status_code=422
        )
    except TooManyAttempts as exc:
        return _account_page(
            request, people, actor, errors={"current_password": str(exc)}, status_code=429
        )
    return RedirectResponse("/account?done=password", status_code=303)


@router.post("/account/recovery-codes", response_class=HTMLResponse)
def recovery_codes(
    request: Request,
    people: AccountsDep,
    actor: ActorDep,
    _: CsrfDep,
    current_password: TextField = "",  # nosec B107: a missing field, refused
) -> Response:
    try:
        codes = people.new_recovery_codes(
            _user_of(actor), current_password, address=client_ip(request)
        )
    except (InputError, TooManyAttempts) as exc:
        message = exc.problems[0].message if isinstance(exc, InputError) else str(exc)
        return _account_page(
            request, people, actor, errors={"codes_password": message}, status_code=422
        )
    return _account_page(request, people, actor, codes=codes, done="codes")


@router.post("/account/second-factor/off", response_class=HTMLResponse)
def second_factor_off(
    request: Request,
    people: AccountsDep,
    actor: ActorDep,
    _: CsrfDep,
    current_password: TextField = "",  # nosec B107: a missing field, refused
) -> Response:
    try:
        people.remove_second_factor(_user_of(actor), current_password, address=client_ip(request))
    except (InputError, TooManyAttempts) as exc:
        message = exc.problems[0].message if isinstance(exc, InputError) else str(exc)
        return _account_page(
            request, people, actor, errors={"off_password": message}, status_code=422
        )
    return RedirectResponse("/account?done=off#second-factor", status_code=303)


@router.post("/account/sessions/{session_id}/end")
def end_session(
    request: Request, session_id: str, people: AccountsDep, actor: ActorDep, _: CsrfDep
) -> Response:
    people.end_session(_user_of(actor), session_id[:64])
    return RedirectResponse("/account?done=ended#sessions", status_code=303)


@router.post("/account/sessions/end-others")
def end_other_sessions(
    request: Request, people: AccountsDep, actor: ActorDep, _: CsrfDep
) -> Response:
    people.end_other_sessions(_user_of(actor), _token(request))
    return RedirectResponse("/account?done=others#sessions", status_code=303)


# --- leaving -------------------------------------------------------------------------------


def _delete_page(
    request: Request,
    people: AccountsDep,
    actor: Actor,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    user = _user_of(actor)
    if user.role != "patient":
        raise NotAllowed("only a patient's own account can be deleted here")
    page = people.account_page(user, _token(request))
    return render(
        request,
        "delete_account.html",
        status_code=status_code,
        page=page,
        form=forms.FormState(errors=errors or {}),
    )


@router.get("/account/delete", response_class=HTMLResponse)
def delete_account_form(request: Request, people: AccountsDep, actor: ActorDep) -> HTMLResponse:
    """Leaving: download everything first, then delete the account and diary."""
    return _delete_page(request, people, actor)


@router.post("/account/delete", response_class=HTMLResponse)
def delete_account(
    request: Request,
    people: AccountsDep,
    actor: ActorDep,
    _: CsrfDep,
    current_password: TextField = "",  # nosec B107: a missing field, refused
    code: TextField = "",
) -> Response:
    try:
        people.delete_own(actor, password=current_password, code=code, address=client_ip(request))
    except InputError as exc:
        return _delete_page(
            request, people, actor, errors=forms.errors_by_field(exc), status_code=422
        )
    except TooManyAttempts as exc:
        return _delete_page(
            request, people, actor, errors={"current_password": str(exc)}, status_code=429
        )
    response = RedirectResponse("/goodbye", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/goodbye", response_class=HTMLResponse)
def goodbye(request: Request) -> HTMLResponse:
    return render(request, "goodbye.html")


# --- administrators: the Accounts page ----------------------------------------------------------


def _accounts_page(
    request: Request,
    people: AccountsDep,
    actor: Actor,
    *,
    invite: dict[str, Any] | None = None,
    made: Invited | None = None,
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "accounts.html",
        status_code=status_code,
        page=people.accounts_page(actor),
        invite=invite or {},
        made=made,
        error=error,
        roles=ROLES,
        done=request.query_params.get("done", ""),
    )


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, people: AccountsDep, actor: ActorDep) -> HTMLResponse:
    return _accounts_page(request, people, actor)


@router.post("/accounts/invite", response_class=HTMLResponse)
def accounts_invite(
    request: Request,
    people: AccountsDep,
    actor: ActorDep,
    _: CsrfDep,
    email: TextField = "",
    role: TextField = "patient",
) -> HTMLResponse:
    values = {"email": email[:254], "role": role if role in ROLES else "patient"}
    try:
        made = people.invite(actor, email, role)
    except InputError as exc:
        return _accounts_page(
            request,
            people,
            actor,
            invite={**values, "errors": forms.errors_by_field(exc)},
            status_code=422,
        )
    except MailNotSent as exc:
        return _accounts_page(
            request,
            people,
            actor,
            invite={**values, "errors": {"email": str(exc)}},
            status_code=503,
        )
    return _accounts_page(request, people, actor, made=made)


@router.post("/accounts/{user_id}/reset", response_class=HTMLResponse)
def accounts_reset(
    request: Request, user_id: RowId, people: AccountsDep, actor: ActorDep, _: CsrfDep
) -> HTMLResponse:
    try:
        made = people.reset(actor, user_id=user_id)
    except (InputError, MailNotSent) as exc:
        message = exc.problems[0].message if isinstance(exc, InputError) else str(exc)
        return _accounts_page(request, people, actor, error=message, status_code=422)
    return _accounts_page(request, people, actor, made=made)


@router.post("/accounts/{user_id}/disable")
def accounts_disable(
    request: Request, user_id: RowId, people: AccountsDep, actor: ActorDep, _: CsrfDep
) -> Response:
    try:
        people.disable(actor, user_id)
    except InputError as exc:
        return _accounts_page(
            request, people, actor, error=exc.problems[0].message, status_code=422
        )
    return RedirectResponse("/accounts?done=disabled", status_code=303)


def _admin_delete_page(
    request: Request,
    people: AccountsDep,
    actor: Actor,
    user_id: int,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    page = people.accounts_page(actor)
    found = [
        line for line in page.accounts if line.user.id == user_id and line.user.role == "patient"
    ]
    if not found:
        from neckcheck.errors import NotFoundError

        raise NotFoundError("no such patient account")
    mine = people.account_page(_user_of(actor), _token(request))
    return render(
        request,
        "accounts_delete.html",
        status_code=status_code,
        target=found[0].user,
        second_factor=mine.second_factor.confirmed,
        form=forms.FormState(errors=errors or {}),
    )


@router.get("/accounts/{user_id}/delete", response_class=HTMLResponse)
def accounts_delete_form(
    request: Request, user_id: RowId, people: AccountsDep, actor: ActorDep
) -> HTMLResponse:
    return _admin_delete_page(request, people, actor, user_id)


@router.post("/accounts/{user_id}/delete", response_class=HTMLResponse)
def accounts_delete(
    request: Request,
    user_id: RowId,
    people: AccountsDep,
    actor: ActorDep,
    _: CsrfDep,
    current_password: TextField = "",  # nosec B107: a missing field, refused
    code: TextField = "",
) -> Response:
    try:
        people.delete_for(
            actor, user_id, password=current_password, code=code, address=client_ip(request)
        )
    except InputError as exc:
        return _admin_delete_page(
            request, people, actor, user_id, errors=forms.errors_by_field(exc), status_code=422
        )
    except TooManyAttempts as exc:
        return _admin_delete_page(
            request, people, actor, user_id, errors={"current_password": str(exc)}, status_code=429
        )
    return RedirectResponse("/accounts?done=deleted", status_code=303)
