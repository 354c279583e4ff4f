"""Interop fixtures: Medplum's FHIR validator and router, installed from npm on first use."""

from __future__ import annotations

import pytest

from tests.interop.medplum import Medplum


@pytest.fixture(scope="session")
def medplum() -> Medplum:
    """Medplum 4.5.2 in Node and the FHIR R4 JSON schema (fails in CI, skips elsewhere,
    when Node or npm is missing)."""
    return Medplum.install()
