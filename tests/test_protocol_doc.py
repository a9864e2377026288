"""docs/protocol.md keeps up with the message models in code_monet/types/messages.py.

Every server and client message type, and every field of every message, must be named in the
document, in the place that describes that message; and the document must not point outside
the repository.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest
from pydantic import BaseModel

from code_monet.types.messages import (
    CLIENT_MESSAGE_TYPES,
    ClientMessage,
    PendingStroke,
    ServerMessage,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DOC_PATH = REPO_ROOT / "docs" / "protocol.md"

_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _models(union: object) -> list[type[BaseModel]]:
    """The models of a discriminated union such as ``ServerMessage``."""
    (inner, *_metadata) = get_args(union)
    return [model for model in get_args(inner) if issubclass(model, BaseModel)]


def _type_literal(model: type[BaseModel]) -> str:
    (literal,) = get_args(model.model_fields["type"].annotation)
    assert isinstance(literal, str)
    return literal


def _payload_fields(model: type[BaseModel]) -> list[str]:
    """Every field a message has besides ``type`` and ``seq`` (checked on their own)."""
    return [name for name in model.model_fields if name not in {"type", "seq"}]


def _code_identifiers(text: str) -> set[str]:
    """Identifiers written inside `code spans` of ``text``."""
    return {word for span in _CODE_SPAN.findall(text) for word in _IDENTIFIER.findall(span)}


def _section(doc: str, heading: str) -> str:
    """The text under a heading line starting with ``heading``, up to the next heading of the
    same or a higher level."""
    level = heading.split(" ", 1)[0]
    lines = doc.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    body: list[str] = []
    for line in lines[start + 1 :]:
        marks = line.split(" ", 1)[0]
        if marks and set(marks) == {"#"} and len(marks) <= len(level):
            break
        body.append(line)
    return "\n".join(body)


def _table_row(section: str, type_literal: str) -> str:
    """The table row of ``section`` whose first cell is the `type` literal."""
    rows = [line for line in section.splitlines() if line.startswith(f"| `{type_literal}` |")]
    assert rows, f"no table row for `{type_literal}`"
    return rows[0]


def _slug(heading: str) -> str:
    """A heading's anchor as Markdown renderers make it (lower case, punctuation dropped)."""
    text = heading.lstrip("#").strip().lower()
    text = re.sub(r"[^a-z0-9 _-]", "", text)
    return text.replace(" ", "-")


SERVER_MODELS = _models(ServerMessage)
CLIENT_MODELS = _models(ClientMessage)


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC_PATH.read_text(encoding="utf-8")


class TestMessageModelsAreFound:
    """The helpers see every message model (otherwise the checks below would check nothing)."""

    def test_every_server_message_model_is_listed(self) -> None:
        """The server union holds the 17 messages of protocol v1 and v2."""
        # Arrange / Act
        types = {_type_literal(model) for model in SERVER_MODELS}
        # Assert
        assert len(types) == len(SERVER_MODELS) == 17
        assert {"init", "strokes", "agent_strokes_ready", "paused"} <= types

    def test_every_client_message_model_is_listed(self) -> None:
        """The client union matches the set of types the handlers accept."""
        # Arrange / Act
        types = {_type_literal(model) for model in CLIENT_MODELS}
        # Assert
        assert types == CLIENT_MESSAGE_TYPES


class TestServerMessagesDocumented:
    """Each server → client message, and each of its fields, is in the document."""

    @pytest.mark.parametrize("model", SERVER_MODELS, ids=_type_literal)
    def test_type_is_named(self, doc: str, model: type[BaseModel]) -> None:
        """The message's `type` literal is written as code somewhere in the document."""
        # Arrange
        literal = _type_literal(model)
        # Act
        named = _code_identifiers(doc)
        # Assert
        assert literal in named, f"server message `{literal}` is not in docs/protocol.md"

    @pytest.mark.parametrize("model", SERVER_MODELS, ids=_type_literal)
    def test_fields_are_named_where_the_message_is_described(
        self, doc: str, model: type[BaseModel]
    ) -> None:
        """``init``'s fields are in its own table; every other message's are in its row of
        the server-message table."""
        # Arrange
        literal = _type_literal(model)
        if literal == "init":
            place = _section(doc, "### 4.1 ")
        else:
            place = _table_row(_section(doc, "## 5. "), literal)
        # Act
        named = _code_identifiers(place)
        missing = [name for name in _payload_fields(model) if name not in named]
        # Assert
        assert not missing, f"`{literal}` fields not documented: {missing}"

    def test_seq_is_documented(self, doc: str) -> None:
        """The sequence number every logged server message carries is explained."""
        # Arrange
        section = _section(doc, "### 5.1 ")
        # Act
        named = _code_identifiers(section)
        # Assert
        assert "seq" in named
        assert all("seq" in model.model_fields for model in SERVER_MODELS)


class TestClientMessagesDocumented:
    """Each client → server message, and each of its fields, is in the document."""

    @pytest.mark.parametrize("model", CLIENT_MODELS, ids=_type_literal)
    def test_type_and_fields_are_in_its_row(self, doc: str, model: type[BaseModel]) -> None:
        """The client-message table has a row for the type naming every field."""
        # Arrange
        literal = _type_literal(model)
        row = _table_row(_section(doc, "### 6.2 "), literal)
        # Act
        named = _code_identifiers(row)
        missing = [name for name in _payload_fields(model) if name not in named]
        # Assert
        assert not missing, f"`{literal}` client fields not documented: {missing}"


class TestSharedShapesDocumented:
    """Shapes the messages carry are described too."""

    def test_pending_stroke_fields_are_named(self, doc: str) -> None:
        """``PendingStroke`` is described with all of its fields."""
        # Arrange
        section = _section(doc, "### PendingStroke")
        # Act
        named = _code_identifiers(section)
        # Assert
        assert set(PendingStroke.model_fields) <= named


class TestDocumentStaysInsideTheRepository:
    """The document points only at itself and at files of this repository."""

    def test_no_external_addresses(self, doc: str) -> None:
        """No URL with a scheme (http, https, …) appears anywhere."""
        # Arrange / Act
        addresses = re.findall(r"[a-z][a-z0-9+.-]*://", doc)
        # Assert
        assert addresses == []

    def test_links_are_anchors_or_repository_files(self, doc: str) -> None:
        """Every Markdown link is an anchor of a heading here or an existing repository path."""
        # Arrange
        anchors = {_slug(line) for line in doc.splitlines() if line.startswith("#")}
        # Act
        broken = []
        for target in _LINK.findall(doc):
            if target.startswith("#"):
                if target[1:] not in anchors:
                    broken.append(target)
                continue
            resolved = (DOC_PATH.parent / target).resolve()
            if not resolved.is_relative_to(REPO_ROOT) or not resolved.exists():
                broken.append(target)
        # Assert
        assert broken == []
