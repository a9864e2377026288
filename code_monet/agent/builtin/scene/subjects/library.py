"""The library of drawable subjects, by canonical name.

Each module contributes a ``SUBJECTS`` tuple of ``SubjectSpec``; this registry is the one
place the rest of the artist looks subjects up, and checks at import that names are unique.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from code_monet.agent.builtin.scene.marks import SubjectSpec
from code_monet.agent.builtin.scene.subjects import animals, built, nature, objects, people


def _collect(*groups: tuple[SubjectSpec, ...]) -> MappingProxyType[str, SubjectSpec]:
    found: dict[str, SubjectSpec] = {}
    for group in groups:
        for spec in group:
            if spec.name in found:
                raise ValueError(f"Subject {spec.name!r} is defined twice")
            found[spec.name] = spec
    return MappingProxyType(found)


LIBRARY: Final = _collect(
    animals.SUBJECTS, people.SUBJECTS, nature.SUBJECTS, built.SUBJECTS, objects.SUBJECTS
)
