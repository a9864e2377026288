"""Scenes from words: the offline artist's subjects, lexicon, composer and painter.

``marks``/``shapes`` are the drawing vocabulary (unit-box geometry, hatching, stippling);
``subjects`` is the library of drawable things; ``lexicon`` and ``composer`` turn a prompt or
a nudge into a ``ScenePlan`` (``plan``); the painter turns a plan into tool calls.
"""
