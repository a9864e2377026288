"""Artist providers: the builtin generative artist, Claude (Agent SDK) and OpenAI-compatible."""
