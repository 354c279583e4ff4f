"""The field table names every field a person gives an episode once, and the form, the flags
and the questions of ``neckcheck log`` are made from it."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from neckcheck.cli import app
from neckcheck.domain import EpisodeCreate
from neckcheck.errors import InputError
from neckcheck.fields import EPISODE_FIELDS
from neckcheck.knowledge import load
from neckcheck.web.forms import as_form_error, field_label

TEMPLATES = Path(__file__).parents[1] / "src" / "neckcheck" / "web" / "templates"
# What the check records of the person's answers, never typed in a form or a flag.
NOT_GIVEN = {"declined"}


def test_the_table_holds_every_field_a_person_gives_and_nothing_else() -> None:
    assert set(EPISODE_FIELDS) == set(EpisodeCreate.model_fields) - NOT_GIVEN
    assert set(EPISODE_FIELDS) == set(load().labels.fields)


def test_each_field_has_one_form_name_and_one_flag() -> None:
    forms = [f.form for f in EPISODE_FIELDS.values()]
    flags = [f.flag for f in EPISODE_FIELDS.values()]
    assert len(set(forms)) == len(forms) and len(set(flags)) == len(flags)


def test_the_log_form_names_its_inputs_as_the_table_does() -> None:
    names = {
        name
        for template in TEMPLATES.glob("*.html")
        for name in re.findall(r'name="([a-z_]+)"', template.read_text("utf-8"))
    }
    # The answered warning signs are flag_<id> (yes/no) and the remedies remedy_<id>.
    given = {f.form for f in EPISODE_FIELDS.values()} - {"flags", "remedies"}
    assert given <= names
    for name in ("flag_", "remedy_"):
        assert any(name in t.read_text("utf-8") for t in TEMPLATES.glob("log.html"))


def test_an_error_is_shown_beside_the_field_and_named_by_its_label() -> None:
    for field in EPISODE_FIELDS.values():
        [problem] = as_form_error(InputError("wrong", field=f"{field.name}.0")).problems
        assert problem.field == field.form
        assert field.label == load().labels.fields[field.name]
        # The form asks what was said no to as the warning signs' yes/no answers.
        named = "Warning signs" if field.name == "absent" else field.label
        assert field_label(field.form) == named


def test_the_flags_and_their_help_come_from_the_table_and_the_vocabulary() -> None:
    log = get_command(app).commands["log"]  # type: ignore[attr-defined]
    options = {opt: p for p in log.params for opt in p.opts}
    for field in EPISODE_FIELDS.values():
        option = options[field.flag]
        assert option.help == field.help
        assert option.multiple is field.many
        if field.short:
            assert field.short in option.opts
        for value in field.vocabulary or ():
            assert value.value in field.help
