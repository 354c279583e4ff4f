"""A clinician turns the pages of their patients: each page's links carry the place in the
list where the next (or previous) page starts, the pages say which of how many they are,
and a link from before the pages had places (``?page=2``) still works."""

from __future__ import annotations

import re

import pytest

from neckcheck.storage import accounts, repo
from neckcheck.storage.db import open_database
from tests.factories import NOW
from tests.web.clinic_app import SECRET, Clinic


@pytest.fixture
def many(clinic: Clinic) -> list[int]:
    """120 more patients shared with the clinician "shared" (121 with the owner)."""
    db = open_database(clinic.url)
    ids = []
    with db.session() as session:
        for number in range(120):
            patient = repo.create_patient(
                session=session, display_name=f"Patient {number:03}", now=NOW
            )
            code = accounts.create_invitation(
                session=session, patient_id=patient, now=NOW, secret=SECRET
            )
            accounts.redeem_invitation(
                session=session, code=code, clinician=clinic.users["shared"], now=NOW, secret=SECRET
            )
            ids.append(patient)
    db.close()
    return ids


def _listed(page: str) -> list[int]:
    return [int(p) for p in re.findall(r'href="/clinician/patients/(\d+)"', page)]


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_pages_links_list_every_patient_once(clinic: Clinic, many: list[int]) -> None:
    doctor = clinic.client("shared")
    pages = [doctor.get("/clinician").text]
    while (following := _link(pages[-1], "next")) is not None:
        assert re.fullmatch(r"/clinician\?page=\d+&after=\d+\.-?\d+\.\d+", following)
        pages.append(doctor.get(following).text)
    listed = [patient for page in pages for patient in _listed(page)]
    assert sorted(listed) == sorted([*many, clinic.users["owner"].patient_id])
    assert [len(_listed(page)) for page in pages] == [50, 50, 21]
    assert [re.search(r"page (\d) of (\d)", page).groups() for page in pages] == [  # type: ignore[union-attr]
        ("1", "3"),
        ("2", "3"),
        ("3", "3"),
    ]
    assert _link(pages[0], "prev") is None
    assert "First page" not in pages[1] and 'href="/clinician">First page' in pages[2]
    # Back from the last page: the second page again, then the first.
    back = doctor.get(_link(pages[2], "prev") or "").text
    assert _listed(back) == _listed(pages[1])
    first = doctor.get(_link(back, "prev") or "").text
    assert _listed(first) == _listed(pages[0])
    assert _link(first, "prev") is None
    # A link from before pages had places: the second page, counted from the first.
    assert _listed(doctor.get("/clinician?page=2").text) == _listed(pages[1])


@pytest.mark.parametrize("query", ["after=x", "before=1.2", "after=1.2.3.4", "after=" + "9" * 70])
def test_a_place_that_is_none_is_refused(clinic: Clinic, query: str) -> None:
    answer = clinic.client("shared").get(f"/clinician?{query}")
    assert answer.status_code == 422
