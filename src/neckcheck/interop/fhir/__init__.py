"""FHIR R4 export and import of a diary (docs/fhir.md describes every resource and choice).

    >>> text = export_bundle(record, now=now)                 # a transaction Bundle (JSON)
    >>> read = import_bundle(text, zone=zone)                 # FhirImport
    >>> read.episodes, read.activities, read.check_ins        # Imported, plain records

* :mod:`.codes`: neckcheck's CodeSystem (``urn:neckcheck:codes``), its episode and
  check-in Questionnaires and the codings the export uses;
* :mod:`.ids`: identifiers unique per installation and patient, and stable;
* :mod:`.export`: the Bundle;
* :mod:`.read`: episodes and check-ins from neckcheck's own Bundles, and other apps' pain
  scores.

The models are fhir.resources' R4B package (FHIR 4.3), whose resources used here have the
same structure as in R4; the tests also validate every resource with Medplum's validator and
the official R4 JSON schema.
"""

from __future__ import annotations

from neckcheck.interop.fhir.codes import (
    CHECK_IN_URL,
    CODE_SYSTEM,
    QUESTIONNAIRE_URL,
    check_in_questionnaire,
    code_system,
    questionnaire,
)
from neckcheck.interop.fhir.export import (
    BundleKind,
    DiaryRecord,
    EpisodeRecord,
    bundle_chunks,
    export_bundle,
    reported_findings,
)
from neckcheck.interop.fhir.ids import episode_key, patient_identifier, source_key
from neckcheck.interop.fhir.read import FhirImport, import_bundle

__all__ = [
    "CHECK_IN_URL",
    "CODE_SYSTEM",
    "QUESTIONNAIRE_URL",
    "BundleKind",
    "DiaryRecord",
    "EpisodeRecord",
    "FhirImport",
    "bundle_chunks",
    "check_in_questionnaire",
    "code_system",
    "episode_key",
    "export_bundle",
    "import_bundle",
    "patient_identifier",
    "questionnaire",
    "reported_findings",
    "source_key",
]
