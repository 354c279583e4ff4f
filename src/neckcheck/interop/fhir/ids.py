"""Identifiers of exported resources: unique per installation and per patient, and stable.

Every resource neckcheck exports has a key, a UUID: its identifier is the key as a URI
(system ``urn:ietf:rfc:3986``, the identifier system for a URI), so that a server can be
asked to create it only if no resource with that identifier exists yet (``ifNoneExist``),
and its ``fullUrl`` is another UUID made from the key (:func:`full_url`)::

    >>> key = episode_key(Origin(None, now), namespace=ns, patient_id=1, episode_id=7)
    >>> identifier(part(key, "pain"))
    {'system': 'urn:ietf:rfc:3986', 'value': 'urn:uuid:...'}

An episode logged here is keyed by the installation's random namespace (kept in the
database), the patient and the episode: two installations, or two patients, never share a
key. An imported episode keeps the key of the record it came from, so that exporting it again
names the same resources, and importing it again is recognised. A weekly check-in is keyed by
the patient and its time (:func:`check_in_key`).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from neckcheck.domain import Origin

__all__ = [
    "MAX_SOURCE_ID",
    "RFC3986",
    "check_in_key",
    "content_source",
    "episode_key",
    "full_url",
    "identifier",
    "part",
    "patient_identifier",
    "patient_key",
    "source_id",
    "source_key",
    "urn",
]

RFC3986 = "urn:ietf:rfc:3986"
MAX_SOURCE_ID = 512  # episodes.source_id; longer identifiers are stored by their hash


def urn(key: uuid.UUID) -> str:
    return f"urn:uuid:{key}"


def full_url(key: uuid.UUID) -> str:
    """The ``fullUrl`` of the resource with key ``key``. It is not the identifier's value:
    a server replaces every use of a ``urn:uuid`` fullUrl in a transaction with the new
    resource's location (Medplum does so in identifiers too), which would erase the
    identifier."""
    return urn(uuid.uuid5(key, "fullUrl"))


def identifier(key: uuid.UUID) -> dict[str, str]:
    return {"system": RFC3986, "value": urn(key)}


def part(key: uuid.UUID, name: str) -> uuid.UUID:
    """The key of a resource made from an episode (``"pain"``, ``"finding/fever"``...)."""
    return uuid.uuid5(key, name)


def patient_key(namespace: uuid.UUID, patient_id: int) -> uuid.UUID:
    return uuid.uuid5(namespace, f"patient/{patient_id}")


def patient_identifier(namespace: uuid.UUID, patient_id: int) -> tuple[str, str]:
    """The identifier (system, value) of a diary's Patient in its exports."""
    named = identifier(patient_key(namespace, patient_id))
    return named["system"], named["value"]


def episode_key(
    origin: Origin, *, namespace: uuid.UUID, patient_id: int, episode_id: int
) -> uuid.UUID:
    """The key an episode is exported under (see the module's docstring)."""
    if origin.source_id is None:
        return uuid.uuid5(namespace, f"patient/{patient_id}/episode/{episode_id}")
    return source_key(origin.source_id)


def check_in_key(patient: uuid.UUID, at: datetime) -> uuid.UUID:
    """The key a check-in is exported under: the patient's key and the check-in's time (in
    UTC, as stored), which is what an import knows a check-in by."""
    return part(patient, f"check-in/{at.astimezone(UTC).isoformat()}")


def source_key(source: str) -> uuid.UUID:
    """The key of an episode imported from ``source`` (a stored ``source_id``): the UUID
    itself for a neckcheck identifier (``urn:ietf:rfc:3986|urn:uuid:...``), otherwise a
    name-based UUID of the whole source."""
    system, _, value = source.partition("|")
    if system == RFC3986 and value.startswith("urn:uuid:"):
        try:
            return uuid.UUID(value.removeprefix("urn:uuid:"))
        except ValueError:
            pass
    return uuid.uuid5(uuid.NAMESPACE_URL, source)


def source_id(system: str, value: str) -> str:
    """``system|value`` as stored in ``episodes.source_id`` (hashed when too long)."""
    text = f"{system}|{value}"
    if len(text) <= MAX_SOURCE_ID:
        return text
    return f"sha256:{hashlib.sha256(text.encode()).hexdigest()}"


def content_source(resource: dict[str, Any]) -> str:
    """A source id for a record that names itself nowhere: the hash of its content (without
    the server's ``id`` and ``meta``), so that the same record gives the same id."""
    content = {k: v for k, v in resource.items() if k not in ("id", "meta")}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"sha256:{hashlib.sha256(text.encode()).hexdigest()}"
