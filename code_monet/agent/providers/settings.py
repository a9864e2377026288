"""Which artist draws and how its provider is reached: plain models, no environment access.

They live apart from the providers so the application's configuration can name them without
loading an SDK (the Claude Agent SDK is optional; the OpenAI one loads only when used). The
application fills them from the environment once and passes them to ``factory.artist_provider``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, Field, SecretStr

DEFAULT_CLAUDE_MODEL: Final = "claude-sonnet-4-5"
DEFAULT_OPENAI_MODEL: Final = "gpt-4.1-mini"


class AgentSettings(BaseModel):
    """``AGENT_PROVIDER`` (builtin | claude | openai) and the builtin artist's ``AGENT_SEED``."""

    agent_provider: Literal["builtin", "claude", "openai"] = "builtin"
    agent_seed: int = 0


class ClaudeSettings(BaseModel):
    """``ANTHROPIC_API_KEY``, ``ANTHROPIC_BASE_URL``, ``CLAUDE_MODEL``, ``CLAUDE_MAX_RETRIES``."""

    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    claude_model: str = DEFAULT_CLAUDE_MODEL
    claude_max_retries: int = 2
    claude_cli_path: Path | None = None


class OpenAISettings(BaseModel):
    """``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``OPENAI_MODEL``, ``OPENAI_SUPPORTS_VISION``."""

    api_key: SecretStr | None = None
    base_url: str | None = None
    model: str = DEFAULT_OPENAI_MODEL
    supports_vision: bool = True


class ArtistSettings(BaseModel):
    """Everything choosing and reaching the artist needs, one section per provider."""

    agent: AgentSettings = Field(default_factory=AgentSettings)
    claude: ClaudeSettings = Field(default_factory=ClaudeSettings)
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
