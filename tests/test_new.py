"""``negsim new`` writes a scenario that checks and runs as it stands; docs/scenarios.md's
messages are the ones the CLI gives."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from negsim.cli import app

runner = CliRunner()
GUIDE = Path(__file__).resolve().parents[1] / "docs" / "scenarios.md"


def test_new_writes_a_valid_scenario_that_runs(tmp_path):
    path = tmp_path / "my_pair.yaml"
    made = runner.invoke(app, ["new", "my_pair", "--out", str(path)])
    assert made.exit_code == 0, made.output
    checked = runner.invoke(app, ["check", str(path)])
    assert checked.exit_code == 0 and "valid (2 issues" in checked.output, checked.output
    ran = runner.invoke(app, ["run", str(path)])
    assert ran.exit_code == 0 and "scenario my_pair" in ran.output, ran.output


def test_new_does_not_overwrite_a_file(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("mine")
    result = runner.invoke(app, ["new", "x", "--out", str(path)])
    assert result.exit_code == 2 and "already exists" in result.output
    assert path.read_text() == "mine"


def test_new_refuses_a_name_that_is_not_an_id(tmp_path):
    result = runner.invoke(app, ["new", "my pair!", "--out", str(tmp_path / "y.yaml")])
    assert result.exit_code == 2 and "letters, digits and underscores" in result.output


def test_the_guides_messages_are_the_clis(tmp_path):
    path = tmp_path / "my_pair.yaml"
    runner.invoke(app, ["new", "my_pair", "--out", str(path)])
    text = path.read_text()
    guide = GUIDE.read_text()
    cases = {
        "economic_need: {value: 0.8": "economic_need: {value: 1.8",
        "    economic_need:": "    economic_needs:",
    }
    expected = [
        "states.A.economic_need.value: must be between 0 and 1 (got 1.8)",
        "states.A.economic_needs: unknown field (check the spelling;",
    ]
    for (old, new), message in zip(cases.items(), expected, strict=True):
        bad = tmp_path / "bad.yaml"
        bad.write_text(text.replace(old, new, 1))
        result = runner.invoke(app, ["check", str(bad)])
        assert result.exit_code == 2 and message in result.output, result.output
        assert message in guide, message
