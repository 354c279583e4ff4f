"""Start-up time of `neckcheck --help` and `neckcheck assess`, against `python -c pass`.

Each command runs many times, interleaved so machine noise hits all of them alike; the figure
is the median wall time, and the ratio is against the baseline measured in the same run.

    python bench/cli_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

DOC = json.dumps({"findings": ["neck_pain", "dizziness"], "intensity": 5})


def _time(command: list[str], stdin: str | None) -> float:
    start = time.perf_counter()
    subprocess.run(command, input=stdin, capture_output=True, text=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    script = str(Path(sys.executable).with_name("neckcheck"))
    commands = {
        "python -c pass (baseline)": ([sys.executable, "-c", "pass"], None),
        "neckcheck --help": ([script, "--help"], None),
        "neckcheck assess (stdin)": ([script, "assess"], DOC),
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for command, stdin in commands.values():  # warm the file cache once
        _time(command, stdin)
    for _ in range(args.runs):
        for name, (command, stdin) in commands.items():
            samples[name].append(_time(command, stdin))
    base = statistics.median(samples["python -c pass (baseline)"])
    print(f"start-up, median of {args.runs} runs each")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"  {name:28} {median * 1000:7.1f} ms   x{median / base:5.2f} of baseline")


if __name__ == "__main__":
    main()
