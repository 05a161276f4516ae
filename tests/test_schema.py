"""The JSON Schemas for editors: generated from the model, committed, mapped for VS Code, and in
agreement with the check on the real facts and on the broken fixture's type errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from generator.commands.cli import main
from generator.commands.schema import KINDS, SCHEMA_DIR, schema_for, schema_text
from generator.inputs import yamlsafe
from generator.inputs.load import split_front_matter

from .conftest import FIXTURES, REPO

_INT = re.compile(r"^[-+]?[0-9]+$")


def as_editor_reads_it(node: yamlsafe.Node | None) -> object:
    """YAML nodes -> data as a YAML 1.2 (core schema) parser such as yaml-language-server reads them."""
    if isinstance(node, yamlsafe.Mapping):
        return {k.value: as_editor_reads_it(v) for k, v in node.items}
    if isinstance(node, yamlsafe.Sequence):
        return [as_editor_reads_it(v) for v in node.items]
    if node is None or node.is_null:
        return None
    if node.plain and node.value in ("true", "True", "TRUE", "false", "False", "FALSE"):
        return node.value.lower() == "true"
    if node.plain and _INT.match(node.value):
        return int(node.value)
    return node.value


def validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = schema_for(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def fact_data(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        text = split_front_matter(text).yaml
    return as_editor_reads_it(yamlsafe.parse(text))


def files_of(root: Path, kind: str) -> list[Path]:
    pattern = KINDS[kind][1].split(" ")[0]
    return sorted(root.glob(pattern))


def test_committed_schemas_equal_the_generated_ones():
    folder = REPO / SCHEMA_DIR
    assert sorted(p.name for p in folder.glob("*.json")) == sorted(f"{k}.schema.json" for k in KINDS)
    for kind in KINDS:
        committed = (folder / f"{kind}.schema.json").read_text(encoding="utf-8")
        assert committed == schema_text(kind), f"schema/{kind}.schema.json is stale: run `factsheet schema --write`"


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_real_fact_file_is_valid_under_its_schema(kind):
    files = files_of(REPO, kind)
    assert files
    check = validator(kind)
    for path in files:
        errors = [e.message for e in check.iter_errors(fact_data(path))]
        assert not errors, f"{path.relative_to(REPO)}: {errors}"


@pytest.mark.parametrize(
    ("file", "kind", "complaint"),
    [
        ("facts/positions/wrong-type.yaml", "position", "is not of type 'string'"),
        ("facts/events/unknown-key.yaml", "event", "'titel' was unexpected"),
        ("facts/events/unknown-key.yaml", "event", "'title' is a required property"),
        ("facts/events/unknown-key.yaml", "event", "'happened' is not one of ['occurred', 'scheduled']"),
        ("facts/claims/one-answer.yaml", "claim", "is too short"),
        ("facts/topics/no-citations.yaml", "topic", "[] should be non-empty"),
        ("facts/actors/Bad_Id.yaml", "actor", "does not match"),
    ],
)
def test_schema_rejects_the_broken_fixtures_type_errors(file, kind, complaint):
    errors = [e.message for e in validator(kind).iter_errors(fact_data(FIXTURES / "broken" / file))]
    assert any(complaint in e for e in errors), errors


def test_multiline_text_fields_allow_line_breaks_and_one_line_fields_do_not():
    check = validator("topic")
    base = {"id": "t", "name": "Name", "citations": [{"source": "s", "quote": "q"}]}
    assert not list(check.iter_errors({**base, "summary": "two\nlines"}))
    assert list(check.iter_errors({**base, "name": "two\nlines"}))
    assert list(check.iter_errors({**base, "name": "   "}))


def test_every_fact_folder_is_mapped_in_the_editor_settings():
    settings = json.loads((REPO / ".vscode" / "settings.json").read_text(encoding="utf-8"))["yaml.schemas"]
    for kind, (_, applies_to) in KINDS.items():
        if applies_to.startswith("facts/"):
            assert settings[f"./{SCHEMA_DIR}/{kind}.schema.json"] == applies_to
    for schema_file in settings:
        assert (REPO / schema_file).is_file()


def test_schema_command_prints_the_schema(capsys):
    assert main(["schema", "event"]) == 0
    assert json.loads(capsys.readouterr().out)["properties"]["status"]["enum"] == ["occurred", "scheduled"]
