"""The artist: ``DrawingAgent`` (:mod:`.drawing_agent`) runs turns against a provider."""
