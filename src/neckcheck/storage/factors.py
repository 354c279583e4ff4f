"""Second factors (an authenticator's TOTP secret, sealed) and recovery codes, keyword-only.

Accepting a code and accepting a recovery code are each one conditional ``UPDATE``, so the
same code sent to two server processes at once is accepted by one of them only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from neckcheck.storage.tables import RecoveryCodeRow, SecondFactorRow


@dataclass(frozen=True)
class Factor:
    sealed: str
    confirmed_at: datetime | None
    last_step: int | None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


def get_factor(*, session: Session, user_id: int) -> Factor | None:
    row = session.get(SecondFactorRow, user_id)
    return Factor(row.secret, row.confirmed_at, row.last_step) if row is not None else None


def confirmed_users(*, session: Session, user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` have a confirmed second factor."""
    if not user_ids:
        return set()
    return set(
        session.scalars(
            select(SecondFactorRow.user_id).where(
                SecondFactorRow.user_id.in_(user_ids), SecondFactorRow.confirmed_at.is_not(None)
            )
        )
    )


def start_factor(*, session: Session, user_id: int, sealed: str, now: datetime) -> None:
    """A new secret waiting to be confirmed (replacing one not confirmed yet)."""
    row = session.get(SecondFactorRow, user_id)
    if row is None:
        session.add(SecondFactorRow(user_id=user_id, secret=sealed, created_at=now))
    else:
        row.secret, row.created_at, row.confirmed_at, row.last_step = sealed, now, None, None
    session.flush()


def confirm_factor(
    *, session: Session, user_id: int, step: int, now: datetime, codes: list[str]
) -> None:
    """The secret is confirmed (a code of ``step`` was typed); ``codes`` are the hashes of the
    new recovery codes, replacing any earlier ones."""
    session.execute(
        update(SecondFactorRow)
        .where(SecondFactorRow.user_id == user_id)
        .values(confirmed_at=now, last_step=step)
    )
    replace_recovery_codes(session=session, user_id=user_id, codes=codes)


def use_step(*, session: Session, user_id: int, step: int) -> bool:
    """Record that a code of ``step`` was accepted; False if that step or a later one was
    accepted already (the code is a replay)."""
    done = session.execute(
        update(SecondFactorRow)
        .where(
            SecondFactorRow.user_id == user_id,
            SecondFactorRow.confirmed_at.is_not(None),
            (SecondFactorRow.last_step.is_(None)) | (SecondFactorRow.last_step < step),
        )
        .values(last_step=step)
    )
    return bool(getattr(done, "rowcount", 0))


def remove_factor(*, session: Session, user_id: int) -> None:
    session.execute(delete(SecondFactorRow).where(SecondFactorRow.user_id == user_id))
    session.execute(delete(RecoveryCodeRow).where(RecoveryCodeRow.user_id == user_id))


def replace_recovery_codes(*, session: Session, user_id: int, codes: list[str]) -> None:
    session.execute(delete(RecoveryCodeRow).where(RecoveryCodeRow.user_id == user_id))
    session.add_all(RecoveryCodeRow(user_id=user_id, code_hash=code) for code in codes)
    session.flush()


def use_recovery_code(*, session: Session, user_id: int, code_hash: str, now: datetime) -> bool:
    """Spend one recovery code; False if it is not one of the account's unused codes."""
    done = session.execute(
        update(RecoveryCodeRow)
        .where(
            RecoveryCodeRow.user_id == user_id,
            RecoveryCodeRow.code_hash == code_hash,
            RecoveryCodeRow.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return bool(getattr(done, "rowcount", 0))


def recovery_codes_left(*, session: Session, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(RecoveryCodeRow)
            .where(RecoveryCodeRow.user_id == user_id, RecoveryCodeRow.used_at.is_(None))
        )
        or 0
    )
