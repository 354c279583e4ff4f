"""Request dependencies: the database session and the current patient."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from neckcheck.storage import repo
from neckcheck.storage.db import Database


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_session(db: Annotated[Database, Depends(get_db)]) -> Iterator[Session]:
    with db.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_patient(session: SessionDep) -> int:
    """Local mode has one patient, created on first use."""
    return repo.ensure_local_patient(session=session)


PatientDep = Annotated[int, Depends(get_patient)]
