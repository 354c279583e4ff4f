"""Passwords are hashed with Argon2id at argon2-cffi's default parameters (RFC 9106's
low-memory profile). The suite hashes with the cheapest ones (tests/conftest.py:
cheap_argon2), so the real ones are checked here in an interpreter the suite has not touched."""

from __future__ import annotations

import json
import subprocess
import sys

from argon2 import extract_parameters, profiles

from neckcheck.auth.passwords import hash_password, verify_nothing, verify_password

PASSWORD = "correct horse battery"

_REAL = """
import json, sys
from argon2 import extract_parameters
from neckcheck.auth.passwords import _dummy_hash, hash_password, verify_password

stored = hash_password(sys.argv[1])
made = extract_parameters(stored)
dummy = extract_parameters(_dummy_hash())
print(json.dumps({
    "stored": stored,
    "made": [made.type.name, made.version, made.time_cost, made.memory_cost, made.parallelism,
             made.hash_len, made.salt_len],
    "dummy": [dummy.time_cost, dummy.memory_cost, dummy.parallelism],
    "verified": verify_password(stored, sys.argv[1]),
    "wrong": verify_password(stored, sys.argv[1] + "!"),
}))
"""


def test_passwords_are_hashed_with_the_real_parameters() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _REAL, PASSWORD], capture_output=True, text=True, check=True
    )
    real = json.loads(done.stdout)
    want = profiles.RFC_9106_LOW_MEMORY
    assert real["made"] == [
        "ID",
        want.version,
        want.time_cost,  # 3 passes
        want.memory_cost,  # 64 MiB
        want.parallelism,  # 4 lanes
        want.hash_len,
        want.salt_len,
    ]
    # An unknown account costs what a real check does: the same parameters.
    assert real["dummy"] == [want.time_cost, want.memory_cost, want.parallelism]
    assert (real["verified"], real["wrong"]) == (True, False)
    # It is checked with its own parameters in this process too, whose hasher is the cheap
    # one: a stored hash carries them.
    assert verify_password(real["stored"], PASSWORD)
    assert not verify_password(real["stored"], "not the password")


def test_the_suite_hashes_with_the_cheapest_parameters() -> None:
    made = extract_parameters(hash_password(PASSWORD))
    cheapest = profiles.CHEAPEST
    assert (made.time_cost, made.memory_cost, made.parallelism) == (
        cheapest.time_cost,
        cheapest.memory_cost,
        cheapest.parallelism,
    )
    assert verify_password(hash_password(PASSWORD), PASSWORD)
    assert verify_nothing(PASSWORD) is False
