"""Subjects: people (see scene/marks.py for the contract every subject follows)."""

from __future__ import annotations

from code_monet.agent.builtin.scene.marks import SubjectSpec

SUBJECTS: tuple[SubjectSpec, ...] = ()
