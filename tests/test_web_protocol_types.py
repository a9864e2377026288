"""The web studio's generated protocol types (``web/src/generated/``) match the Python models.

``scripts/gen_protocol_types.py`` exports the Pydantic models as JSON Schema and the style
defaults as TypeScript; ``bash scripts/web.sh check-generated`` compares everything including
the TypeScript (needs Node.js). These tests catch drift from the Python side alone.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import get_args

import pytest
from pydantic.json_schema import JsonSchemaValue

from code_monet.types.messages import ClientMessage, ServerMessage

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "web" / "src" / "generated"
SCRIPT = ROOT / "scripts" / "gen_protocol_types.py"
REGENERATE = "run: bash scripts/web.sh gen-protocol"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_protocol_types", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def schema(generator: ModuleType) -> JsonSchemaValue:
    built: JsonSchemaValue = generator.build_schema()
    return built


def union_types(union: object) -> list[str]:
    """The ``type`` literal of every member of a discriminated message union."""
    members = get_args(get_args(union)[0])
    return [member.model_fields["type"].annotation.__args__[0] for member in members]


class TestCheckedInFilesAreCurrent:
    """What is checked in under web/src/generated equals a fresh export."""

    def test_schema_file_equals_the_python_export(self, schema: JsonSchemaValue) -> None:
        # Arrange
        checked_in = json.loads((GENERATED / "protocol.schema.json").read_text(encoding="utf-8"))

        # Act
        fresh = json.loads(json.dumps(schema))

        # Assert
        assert checked_in == fresh, f"web/src/generated/protocol.schema.json is stale; {REGENERATE}"

    def test_schema_file_is_byte_identical(self, generator: ModuleType) -> None:
        # Arrange
        checked_in = (GENERATED / "protocol.schema.json").read_text(encoding="utf-8")

        # Act
        fresh = generator.schema_text()

        # Assert
        assert checked_in == fresh, REGENERATE

    def test_style_defaults_equal_the_python_styles(self, generator: ModuleType) -> None:
        # Arrange
        checked_in = (GENERATED / "styleDefaults.ts").read_text(encoding="utf-8")

        # Act
        fresh = generator.style_defaults_text()

        # Assert
        assert checked_in == fresh, f"web/src/generated/styleDefaults.ts is stale; {REGENERATE}"


class TestSchemaContent:
    """The export covers both message unions and the models the client reads."""

    def test_server_union_lists_every_server_message(self, schema: JsonSchemaValue) -> None:
        # Arrange
        defs = schema["$defs"]
        expected = union_types(ServerMessage)

        # Act
        members = [ref["$ref"].rsplit("/", 1)[1] for ref in defs["ServerMessage"]["oneOf"]]
        literals = [defs[name]["properties"]["type"]["const"] for name in members]

        # Assert
        assert literals == expected

    def test_client_union_lists_every_client_message(self, schema: JsonSchemaValue) -> None:
        # Arrange
        defs = schema["$defs"]
        expected = union_types(ClientMessage)

        # Act
        members = [ref["$ref"].rsplit("/", 1)[1] for ref in defs["ClientMessage"]["oneOf"]]
        literals = [defs[name]["properties"]["type"]["const"] for name in members]

        # Assert
        assert literals == expected

    def test_omitted_fields_are_optional_and_never_null(self, schema: JsonSchemaValue) -> None:
        # Arrange
        init = schema["$defs"]["InitMessage"]

        # Act
        seq = init["properties"]["seq"]

        # Assert
        assert "seq" not in init["required"]
        assert seq == {"title": "Seq", "type": "integer"}
        assert "title" in init["required"], "init always sends its title (null when unset)"

    def test_public_listing_leaves_out_none_fields(self, schema: JsonSchemaValue) -> None:
        # Arrange
        summary = schema["$defs"]["PublicPieceSummary"]

        # Act
        required = set(summary["required"])

        # Assert
        assert "title" not in required
        assert summary["properties"]["title"] == {"title": "Title", "type": "string"}
        assert {"id", "user_id", "thumbnail_url", "created_at"} <= required


class TestGeneratedTypeScript:
    """``protocol.ts`` (json-schema-to-typescript's output) names every server message."""

    def test_every_server_message_type_appears_in_the_typescript(self) -> None:
        # Arrange
        source = (GENERATED / "protocol.ts").read_text(encoding="utf-8")

        # Act
        literals = set(re.findall(r'^\s*type: "([a-z_]+)";$', source, flags=re.MULTILINE))

        # Assert
        missing = set(union_types(ServerMessage)) - literals
        assert not missing, f"protocol.ts lacks {sorted(missing)}; {REGENERATE}"

    def test_typescript_declares_the_server_union(self) -> None:
        # Arrange
        source = (GENERATED / "protocol.ts").read_text(encoding="utf-8")

        # Act
        declared = re.search(r"export type ServerMessage =([^;]+);", source)

        # Assert
        assert declared is not None
        names = set(re.findall(r"\w+", declared.group(1)))
        assert {"InitMessage", "StrokesMessage", "PieceTitleMessage"} <= names
