"""Generate the web studio's protocol types from the server's Pydantic models.

Writes into ``web/src/generated/`` (or ``--out DIR``):

- ``protocol.schema.json``: one JSON Schema whose ``$defs`` hold the server-message and
  client-message unions (``ServerMessage``, ``ClientMessage``), the path and style models and
  the public gallery listing (``PublicGalleryListing``), as they travel on the wire;
- ``styleDefaults.ts``: the PLOTTER_STYLE / PAINT_STYLE defaults as typed data;
- ``protocol.ts``: TypeScript from the schema, by ``json-schema-to-typescript``
  (``web/scripts/gen-protocol-ts.mjs``; skipped with ``--no-ts``).

Run ``.venv/bin/python scripts/gen_protocol_types.py`` after changing the models, or
``bash scripts/web.sh gen-protocol``; ``bash scripts/web.sh check-generated`` (part of
``bash scripts/web.sh test``) fails when the checked-in files are stale.

Server → client types are the *serialisation* schema: a field with a default is always sent,
so it is required; a field with ``exclude_if=is_none`` is omitted when unset, so it is optional
and never ``null``. Client → server types are the *validation* schema (what the server accepts).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Final, cast

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import core_schema

from code_monet.share.schemas import PublicPieceSummary
from code_monet.types.geometry import Point, is_none
from code_monet.types.messages import ClientMessage, PendingStroke, ServerMessage
from code_monet.types.paths import Path as StrokePath
from code_monet.types.state import GalleryEntry
from code_monet.types.styles import PAINT_STYLE, PLOTTER_STYLE, DrawingStyleConfig, StrokeStyle

ROOT: Final = Path(__file__).resolve().parent.parent
WEB: Final = ROOT / "web"
GENERATED: Final = WEB / "src" / "generated"
SCHEMA_FILE: Final = "protocol.schema.json"
STYLE_DEFAULTS_FILE: Final = "styleDefaults.ts"
TYPES_FILE: Final = "protocol.ts"
TS_GENERATOR: Final = WEB / "scripts" / "gen-protocol-ts.mjs"

SCHEMA_TITLE: Final = "CodeMonetProtocol"
GENERATED_BY: Final = "scripts/gen_protocol_types.py"

# (name in $defs, mode, type, dumped with exclude_none): what the web studio reads and sends.
EXPORTS: Final[tuple[tuple[str, JsonSchemaMode, object, bool], ...]] = (
    ("ServerMessage", "serialization", ServerMessage, False),
    ("ClientMessage", "validation", ClientMessage, False),
    ("Path", "serialization", StrokePath, False),
    ("PendingStroke", "serialization", PendingStroke, False),
    ("Point", "serialization", Point, False),
    ("GalleryEntry", "serialization", GalleryEntry, False),
    ("DrawingStyleConfig", "serialization", DrawingStyleConfig, False),
    ("StrokeStyle", "serialization", StrokeStyle, False),
    # GET /public/gallery (code_monet/routes/public_gallery.py) dumps each summary with
    # exclude_none=True: a field that may be None is left out instead.
    ("PublicGalleryListing", "serialization", list[PublicPieceSummary], True),
)


class WireJsonSchema(GenerateJsonSchema):
    """Pydantic's JSON Schema, made exact about what a serialised message holds."""

    exclude_none: bool = False

    def _omitted_when_none(self, field: core_schema.ModelField) -> bool:
        inner = field["schema"]
        nullable = inner["type"] == "default" and inner["schema"]["type"] == "nullable"
        return nullable and (self.exclude_none or field.get("serialization_exclude_if") is is_none)

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        if self.mode == "serialization" and field["type"] == "model-field":
            # Every field is sent, except those left out when None or by an ``exclude_if``.
            excluded = field.get("serialization_exclude_if") is not None
            return not excluded and not self._omitted_when_none(field)
        return super().field_is_required(field, total)

    def model_field_schema(self, schema: core_schema.ModelField) -> JsonSchemaValue:
        if self.mode == "serialization" and self._omitted_when_none(schema):
            # Left out when None, so never null on the wire.
            inner = schema["schema"]["schema"]
            assert inner["type"] == "nullable"
            return self.generate_inner(inner["schema"])
        return super().model_field_schema(schema)


class ExcludeNoneJsonSchema(WireJsonSchema):
    """For bodies dumped with ``exclude_none=True``."""

    exclude_none = True


def build_schema() -> JsonSchemaValue:
    """The JSON Schema of the exported types (what ``protocol.schema.json`` holds)."""
    defs: JsonSchemaValue = {}
    refs: JsonSchemaValue = {}
    for exclude_none in (False, True):
        group = [(name, mode, kind) for name, mode, kind, flag in EXPORTS if flag is exclude_none]
        generator = ExcludeNoneJsonSchema if exclude_none else WireJsonSchema
        inputs: list[tuple[str, JsonSchemaMode, TypeAdapter[object]]] = [
            (name, mode, TypeAdapter(cast("type[object]", kind))) for name, mode, kind in group
        ]
        mapping, top = TypeAdapter.json_schemas(inputs, schema_generator=generator)
        group_defs: JsonSchemaValue = dict(top.get("$defs", {}))
        for name, mode, _ in group:
            value = mapping[(name, mode)]
            if value.get("$ref") == f"#/$defs/{name}":
                refs[name] = value
                continue
            if name in group_defs:
                raise ValueError(f"{name} is both a model and an exported alias")
            group_defs[name] = {"title": name, **value}
            refs[name] = {"$ref": f"#/$defs/{name}"}
        for name, value in group_defs.items():
            if defs.setdefault(name, value) != value:
                raise ValueError(f"{name} has two shapes on the wire; export it once")
    names = [name for name, _, _, _ in EXPORTS]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": SCHEMA_TITLE,
        "description": f"Generated by {GENERATED_BY} from code_monet's models. Do not edit.",
        "type": "object",
        "properties": {name: refs[name] for name in names},
        "required": names,
        "additionalProperties": False,
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def style_defaults_text() -> str:
    """``styleDefaults.ts``: the server's style defaults, typed with the generated types."""
    lines = [
        f"// Generated by {GENERATED_BY} from code_monet/types/styles.py. Do not edit.",
        'import type { DrawingStyleConfig } from "./protocol";',
        "",
    ]
    for name, style in (("PLOTTER_STYLE", PLOTTER_STYLE), ("PAINT_STYLE", PAINT_STYLE)):
        data = json.dumps(style.model_dump(mode="json"), indent=2, ensure_ascii=False)
        lines += [f"export const {name}: DrawingStyleConfig = {data};", ""]
    return "\n".join(lines)


def write(out: Path, *, typescript: bool = True) -> list[Path]:
    """Write the generated files into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    schema = out / SCHEMA_FILE
    schema.write_text(schema_text(), encoding="utf-8")
    defaults = out / STYLE_DEFAULTS_FILE
    defaults.write_text(style_defaults_text(), encoding="utf-8")
    written = [schema, defaults]
    if typescript:
        types = out / TYPES_FILE
        subprocess.run(["node", str(TS_GENERATOR), str(schema), str(types)], cwd=WEB, check=True)
        written.append(types)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=GENERATED, help="output directory")
    parser.add_argument("--no-ts", action="store_true", help="skip the TypeScript (needs Node.js)")
    parser.add_argument("--quiet", action="store_true", help="do not list the files written")
    args = parser.parse_args(argv)
    for path in write(args.out, typescript=not args.no_ts):
        if not args.quiet:
            print(f"gen_protocol_types: wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
