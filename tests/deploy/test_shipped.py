"""What a clinic copies from deploy/ holds together: the timings that keep nginx from sending
a request on a connection a server is closing, systemd units (the socket and the server) that
systemd accepts, the server in a hardened sandbox, and an environment file of known
settings."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from neckcheck.settings import Settings
from neckcheck.web import GRACEFUL_SECONDS, KEEP_ALIVE_SECONDS

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SITE = (DEPLOY / "nginx" / "neckcheck.conf").read_text("utf-8")
UNIT = (DEPLOY / "systemd" / "neckcheck@.service").read_text("utf-8")
SOCKET = (DEPLOY / "systemd" / "neckcheck@.socket").read_text("utf-8")
ENV = (DEPLOY / "neckcheck.env.example").read_text("utf-8")


def _seconds(pattern: str, text: str) -> int:
    found = re.findall(pattern, text)
    assert len(found) == 1, f"{pattern!r} found {len(found)} times"
    return int(found[0])


def _exec_start() -> str:
    found = re.search(r"^ExecStart=((?:[^\n]*\\\n)*[^\n]*)", UNIT, re.M)
    assert found is not None
    return found.group(1)


def test_nginx_closes_idle_connections_before_a_server_does() -> None:
    nginx_idle = _seconds(r"keepalive_timeout (\d+)s;", SITE)
    server_idle = _seconds(r"--keep-alive (\d+)", _exec_start())
    graceful = _seconds(r"--graceful-timeout (\d+)", _exec_start())
    stop = _seconds(r"(?m)^TimeoutStopSec=(\d+)$", UNIT)
    assert nginx_idle < server_idle
    assert nginx_idle < KEEP_ALIVE_SECONDS  # also without the unit's flags
    assert nginx_idle < graceful < stop  # a stopping server outwaits nginx; systemd outwaits it
    assert nginx_idle < GRACEFUL_SECONDS


def test_nginx_retries_only_what_was_not_acted_on() -> None:
    [line] = re.findall(r"proxy_next_upstream [^;]*;", SITE)
    assert line == "proxy_next_upstream error timeout;"  # never non_idempotent: no POST twice
    assert "proxy_http_version 1.1;" in SITE and 'proxy_set_header Connection "";' in SITE


def test_the_unit_runs_the_clinic_server_on_its_socket_behind_the_proxy() -> None:
    command = _exec_start().replace("\\\n", " ").split()
    assert command[1:3] == ["serve", "--clinic"]
    assert command[command.index("--fd") + 1] == "3"  # systemd's first passed socket
    assert command[command.index("--trusted-proxies") + 1] == "127.0.0.1"
    assert re.findall(r"(?m)^ListenStream=(.*)$", SOCKET) == ["127.0.0.1:%i"]  # nginx only
    assert "Requires=neckcheck@%i.socket" in UNIT


def test_the_environment_file_names_known_settings_only() -> None:
    names = re.findall(r"^(NECKCHECK_[A-Z_]+)=", ENV, re.M)
    known = {f"NECKCHECK_{field.upper()}" for field in Settings.model_fields}
    assert names and set(names) <= known
    assert "NECKCHECK_SECRET_KEY=\n" in ENV  # shipped empty: each clinic makes its own


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        message = "systemd-analyze is not installed (Debian package systemd)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must install it")
        pytest.skip(message)
    return found


def _unit_here(tmp_path: Path) -> Path:
    """The unit as an instance on this machine: its command and settings file exist here."""
    neckcheck = shutil.which("neckcheck") or str(Path(sys.executable).with_name("neckcheck"))
    text = UNIT.replace("/opt/neckcheck/venv/bin/neckcheck", neckcheck)
    text = text.replace("/etc/neckcheck/neckcheck.env", str(DEPLOY / "neckcheck.env.example"))
    unit = tmp_path / "neckcheck@8001.service"
    unit.write_text(text)
    (tmp_path / "neckcheck@8001.socket").write_text(SOCKET)
    return unit


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = _systemd_analyze()
    unit = _unit_here(tmp_path)
    socket_unit = unit.with_suffix(".socket")
    checked = subprocess.run(
        [analyze, "verify", str(socket_unit), str(unit)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_the_unit_is_sandboxed(tmp_path: Path) -> None:
    analyze = _systemd_analyze()
    unit = _unit_here(tmp_path)
    # The threshold is in tenths: 20 is an exposure of 2.0 out of 10.
    scored = subprocess.run(
        [analyze, "security", "--offline=yes", "--threshold=20", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
    )
    exposure = re.search(r"Overall exposure level for \S+: ([\d.]+)", scored.stdout)
    assert exposure is not None, scored.stdout + scored.stderr
    assert scored.returncode == 0, f"exposure {exposure.group(1)} (0 is best, 10 worst)"
