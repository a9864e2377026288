"""Choosing the artist from configuration (``AGENT_PROVIDER``: builtin | claude | openai)."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from code_monet.agent.providers.base import ArtistProvider


class AgentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    agent_provider: Literal["builtin", "claude", "openai"] = "builtin"
    agent_seed: int = 0


def provider_from_env(settings: AgentSettings | None = None) -> ArtistProvider:
    """The configured provider; builtin by default (no keys, no network)."""
    chosen = settings or AgentSettings()
    if chosen.agent_provider == "claude":
        try:
            from code_monet.agent.providers.claude import claude_provider_from_env
        except ImportError as exc:
            raise RuntimeError(
                "AGENT_PROVIDER=claude needs the Claude Agent SDK: pip install 'code-monet[claude]'"
            ) from exc
        return claude_provider_from_env()
    if chosen.agent_provider == "openai":
        from code_monet.agent.providers.openai_compat import openai_provider_from_env

        return openai_provider_from_env()
    from code_monet.agent.providers.builtin import BuiltinProvider

    return BuiltinProvider(seed=chosen.agent_seed)
