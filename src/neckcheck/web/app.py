"""The FastAPI application factory.

    >>> from neckcheck.settings import Settings
    >>> app = create_app(Settings(database_url="sqlite:///tmp.db"))

The database is opened and migrated when the app starts, not at import.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from neckcheck import __version__
from neckcheck.errors import NeckcheckError
from neckcheck.settings import Settings
from neckcheck.storage import repo
from neckcheck.storage.db import open_database


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = open_database(settings.effective_database_url())
        app.state.db = db
        try:
            yield
        finally:
            db.close()

    app = FastAPI(title="neckcheck", version=__version__, lifespan=lifespan)

    @app.exception_handler(NeckcheckError)
    async def _neckcheck_error(_request: Request, exc: NeckcheckError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> str:
        with request.app.state.db.session() as session:
            patient_id = repo.ensure_local_patient(session=session)
            count = repo.count_episodes(session=session, patient_id=patient_id)
        page = (resources.files("neckcheck.web") / "templates" / "placeholder.html").read_text()
        return page.replace("{{ count }}", str(count)).replace("{{ version }}", __version__)

    @app.get("/api/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
