"""The annotated corpora follow ANNOTATION.md with the catalogue's ids, and the scorer reads
corpora written as JSON lines the same way as YAML ones."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from neckcheck.knowledge import load
from neckcheck.knowledge.loader import parse_yaml
from neckcheck.nlp.evaluate import CorpusError, load_cases, main, score
from neckcheck.vocab import Helped, Movement, PainQuality, Region

HERE = Path(__file__).parent
CORPORA = sorted(p.name for p in HERE.glob("*.yaml") if p.name != "targets.yaml")  # not a corpus
REGISTERS = {
    # ANNOTATION.md's registers, and those of the real-style corpora.
    "phone", "forum", "parent", "older", "non_native", "run_on", "several", "plain",
    "story", "buried", "carer", "joking", "inability", "events", "question",
}  # fmt: skip
LISTS = ("findings", "absent", "uncertain", "past")
KEYS = {
    "id", "text", "register", *LISTS, "intensity", "onset", "age_years", "temperature_c",
    "started", "duration_hours", "ongoing", "regions", "movements", "qualities", "triggers",
    "remedies",
}  # fmt: skip


def _problems(case: dict[str, Any]) -> list[str]:
    kb = load()
    findings = {f.id for f in kb.findings}
    details = kb.nlp.details
    problems = [f"unknown key {key!r}" for key in case if key not in KEYS]
    if not isinstance(case.get("text"), str) or not case["text"].strip():
        problems.append("no text")
    if "register" in case and case["register"] not in REGISTERS:
        problems.append(f"unknown register {case['register']!r}")
    said: dict[str, str] = {}
    for key in LISTS:
        for finding in case.get(key) or []:
            if finding not in findings:
                problems.append(f"{key}: unknown finding {finding!r}")
            if finding in said:
                problems.append(f"{finding!r} both in {said[finding]} and {key}")
            said[finding] = key
    known = {
        "regions": {r.value for r in Region},
        "movements": {m.value for m in Movement},
        "qualities": {q.value for q in PainQuality},
        "triggers": set(details.triggers),
    }
    for key, ids in known.items():
        problems += [f"{key}: unknown {v!r}" for v in case.get(key) or [] if v not in ids]
    for item in case.get("remedies") or []:
        if item.get("remedy") not in details.remedies:
            problems.append(f"remedies: unknown {item.get('remedy')!r}")
        if "helped" in item and item["helped"] not in {h.value for h in Helped}:
            problems.append(f"remedies: unknown helped {item['helped']!r}")
    if "intensity" in case and not 0 <= case["intensity"] <= 10:
        problems.append("intensity out of 0-10")
    if "onset" in case and case["onset"] not in ("sudden", "gradual"):
        problems.append(f"onset {case['onset']!r}")
    if "ongoing" in case and not isinstance(case["ongoing"], bool):
        problems.append("ongoing is true or false")
    if "started" in case:
        datetime.fromisoformat(str(case["started"]))  # a day or a time, or it raises
    return problems


@pytest.mark.parametrize("name", CORPORA)
def test_every_corpus_item_uses_the_catalogue(name: str) -> None:
    cases = parse_yaml((HERE / name).read_text("utf-8"))
    assert cases, name
    wrong = {
        f"{name}:{number}": problems
        for number, case in enumerate(cases)
        if (problems := _problems(case))
    }
    assert wrong == {}


def test_the_validator_sees_a_slip() -> None:
    slips = _problems(
        {
            "text": "neck pain",
            "findings": ["neck_pain", "stiff_neck"],
            "absent": ["neck_pain"],
            "regions": ["left"],
            "remedies": [{"remedy": "heat", "helped": "loads"}],
            "mood": "low",
        }
    )
    assert len(slips) == 5, slips


def _write_jsonl(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), "utf-8")
    return path


def test_the_scorer_reads_json_lines_like_a_yaml_corpus(tmp_path: Path) -> None:
    items = [
        {
            "text": "My neck locked this morning and I can't turn left. No fever.",
            "present": ["cramping_knot", "reduced_range_of_motion"],
            "absent": ["fever"],
            "nums": {"onset": "sudden"},
            "level": "self_care",
            "register": "blog",
            "source": "written for this test",
        },
        {
            "text": "He is 14 and his head is pulled to the right, he feels sick.",
            "present": ["head_pulled_to_side", "nausea_vomiting"],
            "absent": [],
            "nums": {"age_years": 14},
            "register": "forum",
        },
    ]
    jsonl = _write_jsonl(tmp_path / "posts.jsonl", items)
    as_yaml = [
        {
            "text": item["text"],
            "findings": item["present"],
            "absent": item["absent"],
            **item["nums"],
            **{k: item[k] for k in ("level", "register", "source") if k in item},
        }
        for item in items
    ]
    assert load_cases([jsonl]) == as_yaml
    from_jsonl, from_yaml = score(load_cases([jsonl])), score(as_yaml)
    assert set(from_jsonl) == {"all", "blog", "forum"}
    assert from_jsonl["all"].overall() == from_yaml["all"].overall()
    assert from_jsonl["all"].numbers_total == from_yaml["all"].numbers_total
    # The onset is not stated, so it is a miss of its own kind.
    assert ("onset", "expected 'sudden', got None in " + repr(items[0]["text"])) in (
        from_jsonl["all"].misses
    )


def test_the_scorer_prints_the_misses_by_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jsonl = _write_jsonl(
        tmp_path / "posts.jsonl",
        [{"text": "my neck is sore", "present": ["neck_pain", "fever"], "nums": {"age_years": 40}}],
    )
    assert main([str(jsonl), "--misses", "--min-warning-recall", "1"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("1 texts")
    kinds = out.split("misses by kind:")[1].split("misses:")[0]
    assert "warning sign missed" in kinds and "age_years" in kinds and "findings" in kinds
    assert "  warning sign missed: 'fever' in 'my neck is sore'" in out


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not JSON"),
        ('["a list"]', "an item is an object with a text"),
        ('{"text": "neck pain", "nums": 3}', "nums is an object"),
    ],
)
def test_a_bad_json_line_names_its_place(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "neck pain"}\n\n' + line + "\n", "utf-8")
    with pytest.raises(CorpusError, match=rf"bad\.jsonl:3: {message}"):
        load_cases([path])
