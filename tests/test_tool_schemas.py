"""Tool input schemas: generated from the tools' Pydantic models, and agreeing with them."""

from __future__ import annotations

import json
from typing import cast

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from pydantic import BaseModel, ValidationError

from code_monet.tools.drawing import DrawPathsInput
from code_monet.tools.path_parsing import parse_paths
from code_monet.tools.registry import TOOLS, tool_input_schema
from code_monet.types.brushes import BRUSH_NAMES
from code_monet.types.geometry import PathType
from code_monet.types.paths import MAX_SVG_D_LENGTH, STYLE_KEYS, PathInput

JsonObject = dict[str, object]

LINE: JsonObject = {"type": "line", "points": [{"x": 0, "y": 0}, {"x": 10, "y": 10}]}

# (tool, arguments) the model may send; each must pass the model and the schema it is shown.
VALID_ARGUMENTS: tuple[tuple[str, JsonObject], ...] = (
    ("draw_paths", {"paths": [LINE]}),
    ("draw_paths", {"paths": [LINE], "done": True}),
    ("generate_svg", {"code": "output_paths([line(0, 0, 10, 10)])"}),
    ("generate_svg", {"code": "print(1)", "done": False}),
    ("view_canvas", {}),
    ("mark_piece_done", {}),
    ("name_piece", {"title": "Harbour at dusk"}),
    ("sign_canvas", {}),
    ("sign_canvas", {"position": "bottom_left", "size": "large", "color": "#AA3300"}),
    ("imagine", {"prompt": "a lighthouse in fog"}),
    ("imagine", {"prompt": "a lighthouse in fog", "name": "lighthouse"}),
)

# (tool, arguments) both the model and the schema refuse.
INVALID_ARGUMENTS: tuple[tuple[str, JsonObject], ...] = (
    ("draw_paths", {}),
    ("draw_paths", {"paths": "a line"}),
    ("draw_paths", {"paths": [LINE], "done": "maybe"}),
    ("generate_svg", {}),
    ("generate_svg", {"code": ""}),
    ("name_piece", {}),
    ("name_piece", {"title": "x" * 2001}),
    ("sign_canvas", {"position": "top_left"}),
    ("sign_canvas", {"size": "huge"}),
    ("sign_canvas", {"color": "red"}),
    ("imagine", {}),
    ("imagine", {"prompt": "x" * 10_001}),
)

VALID_PATHS: tuple[JsonObject, ...] = (
    LINE,
    {"type": "polyline", "points": [{"x": 0, "y": 0}, {"x": 5, "y": 5}, {"x": 9, "y": 1}]},
    {"type": "quadratic", "points": [{"x": 0, "y": 0}, {"x": 5, "y": 9}, {"x": 9, "y": 0}]},
    {
        "type": "cubic",
        "points": [{"x": 0, "y": 0}, {"x": 3, "y": 9}, {"x": 6, "y": 9}, {"x": 9, "y": 0}],
    },
    {"type": "svg", "d": "M 10 10 A 30 30 0 0 1 70 10"},
    {**LINE, "color": "#e94560", "stroke_width": 6, "opacity": 0.5, "brush": "watercolor"},
    {**LINE, "color": "#E94560"},
)

INVALID_PATHS: tuple[JsonObject, ...] = (
    {"points": LINE["points"]},
    {"type": "spiral", "points": LINE["points"]},
    {"type": "line", "points": [{"x": "a", "y": 0}, {"x": 1, "y": 1}]},
    {"type": "svg", "d": "M0 0 L1 1" * (MAX_SVG_D_LENGTH // 8)},
    {**LINE, "color": "red"},
    {**LINE, "opacity": "half"},
    {**LINE, "brush": "crayon"},
)


TOOL_NAMES = [spec.name for spec in TOOLS]


def _schema_keys(node: object) -> set[str]:
    """Every keyword used in a schema (property names are not keywords)."""
    if isinstance(node, list):
        return set().union(*(_schema_keys(item) for item in node))
    if not isinstance(node, dict):
        return set()
    keys = set(node)
    for key, value in node.items():
        children = value.values() if key == "properties" and isinstance(value, dict) else [value]
        keys |= set().union(*(_schema_keys(child) for child in children))
    return keys


# Shape rules across fields (point counts per kind, svg needs d): the schema states them in the
# type's description rather than as JSON Schema conditionals, which not every
# OpenAI-compatible server handles; the model and the parser enforce them.
BAD_SHAPES: tuple[JsonObject, ...] = (
    {"type": "line", "points": [{"x": 0, "y": 0}]},
    {"type": "polyline", "points": [{"x": 0, "y": 0}]},
    {"type": "quadratic", "points": LINE["points"]},
    {"type": "cubic", "points": LINE["points"]},
    {"type": "svg"},
)


def _schema(name: str) -> JsonObject:
    return next(spec.input_schema for spec in TOOLS if spec.name == name)


def _model(name: str) -> type[BaseModel]:
    return next(spec.model for spec in TOOLS if spec.name == name)


def _item_schema() -> JsonObject:
    properties = cast(dict[str, JsonObject], _schema("draw_paths")["properties"])
    return cast(JsonObject, properties["paths"]["items"])


def _item_properties() -> dict[str, JsonObject]:
    return cast(dict[str, JsonObject], _item_schema()["properties"])


def _valid(schema: JsonObject, instance: object) -> bool:
    return bool(Draft202012Validator(schema).is_valid(instance))


def _model_accepts(model: type[BaseModel], instance: object) -> bool:
    try:
        model.model_validate(instance)
    except ValidationError:
        return False
    return True


class TestGeneratedSchemas:
    """Every tool shows the schema generated from its input model, self-contained."""

    @pytest.mark.parametrize("name", TOOL_NAMES)
    def test_schema_is_generated_from_the_model(self, name: str) -> None:
        """The listed schema is exactly the one generated from the tool's model."""
        # Arrange
        model = _model(name)
        # Act
        generated = tool_input_schema(model)
        # Assert
        assert _schema(name) == generated
        Draft202012Validator.check_schema(generated)

    @pytest.mark.parametrize("name", TOOL_NAMES)
    def test_schema_is_self_contained(self, name: str) -> None:
        """No $ref or $defs (not every OpenAI-compatible server resolves them), no titles."""
        # Arrange
        schema = _schema(name)
        # Act
        keys = _schema_keys(schema)
        # Assert
        assert not keys & {"$ref", "$defs", "title"}
        assert schema["type"] == "object"
        json.dumps(schema)  # plain JSON

    def test_draw_paths_items_describe_the_path_input_model(self) -> None:
        """A path item lists every PathInput field, the path kinds and the brush names."""
        # Arrange
        items = _item_schema()
        # Act
        properties = _item_properties()
        # Assert
        assert list(properties) == list(PathInput.model_fields)
        assert properties["type"]["enum"] == [kind.value for kind in PathType]
        assert properties["brush"]["enum"] == list(BRUSH_NAMES)
        assert items["required"] == ["type"]
        assert set(STYLE_KEYS) < set(properties)
        assert all("description" in properties[key] for key in ("type", "d", "color", "brush"))

    def test_optional_arguments_are_plain_types(self) -> None:
        """An optional argument reads as its type (left out when unset), not a null union."""
        # Arrange
        properties = cast(dict[str, JsonObject], _schema("sign_canvas")["properties"])
        # Act
        schema = properties["color"]
        # Assert
        assert schema == {
            "pattern": "^#[0-9a-fA-F]{6}$",
            "type": "string",
            "description": "#rrggbb (paint style only)",
        }


class TestSampleArguments:
    """Sample arguments: the model and the schema the model is shown agree."""

    @pytest.mark.parametrize(("name", "arguments"), VALID_ARGUMENTS)
    def test_valid_arguments_pass_model_and_schema(self, name: str, arguments: JsonObject) -> None:
        """What the schema allows, the model accepts."""
        # Arrange
        schema, model = _schema(name), _model(name)
        # Act
        by_schema, by_model = _valid(schema, arguments), _model_accepts(model, arguments)
        # Assert
        assert by_schema and by_model

    @pytest.mark.parametrize(("name", "arguments"), INVALID_ARGUMENTS)
    def test_invalid_arguments_fail_model_and_schema(
        self, name: str, arguments: JsonObject
    ) -> None:
        """What the schema refuses, the model refuses too."""
        # Arrange
        schema, model = _schema(name), _model(name)
        # Act
        by_schema, by_model = _valid(schema, arguments), _model_accepts(model, arguments)
        # Assert
        assert not by_schema and not by_model


class TestSamplePaths:
    """Sample draw_paths items: schema, PathInput and the tool's parser agree."""

    @pytest.mark.parametrize("path", VALID_PATHS)
    def test_valid_paths_are_drawn(self, path: JsonObject) -> None:
        """A path the schema allows validates as PathInput and is drawn."""
        # Arrange
        items = _item_schema()
        # Act
        parsed = parse_paths([path], canvas_width=800, canvas_height=600)
        # Assert
        assert _valid(items, path)
        assert _model_accepts(PathInput, path)
        assert len(parsed.paths) == 1 and not parsed.failures

    @pytest.mark.parametrize("path", INVALID_PATHS)
    def test_invalid_paths_are_refused(self, path: JsonObject) -> None:
        """A path the schema refuses fails PathInput and is reported, not drawn."""
        # Arrange
        items = _item_schema()
        # Act
        parsed = parse_paths([path], canvas_width=800, canvas_height=600)
        # Assert
        assert not _valid(items, path)
        assert not _model_accepts(PathInput, path)
        assert parsed.paths == [] and len(parsed.failures) == 1

    @pytest.mark.parametrize("path", BAD_SHAPES)
    def test_bad_shapes_are_refused_and_described(self, path: JsonObject) -> None:
        """A wrong point count (or an svg without d) fails PathInput and the parser, and the
        type's description tells the model the rule."""
        # Arrange
        description = str(_item_properties()["type"]["description"])
        # Act
        parsed = parse_paths([path], canvas_width=800, canvas_height=600)
        # Assert
        assert not _model_accepts(PathInput, path)
        assert parsed.paths == [] and len(parsed.failures) == 1
        assert f"{path['type']}:" in description

    def test_one_bad_path_does_not_fail_the_arguments(self) -> None:
        """The arguments model keeps paths raw: a bad path is the parser's to report."""
        # Arrange
        arguments = {"paths": [LINE, INVALID_PATHS[1]]}
        # Act
        args = DrawPathsInput.model_validate(arguments)
        # Assert
        assert args.paths == [LINE, INVALID_PATHS[1]]
