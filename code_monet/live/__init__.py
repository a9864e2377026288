"""The live pipeline: everything between an artist's tool call and a viewer's socket.

``registry`` keeps one session per active user; ``orchestrator`` decides when the artist works;
``log`` is the user's durable, append-only record of canvas changes and messages; ``channel``
fans committed messages out to ``connections`` and owns the stroke queue and cursors;
``handlers`` validate what sockets send; ``runtime`` and ``shutdown`` hold and stop it all.
"""
