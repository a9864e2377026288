"""Choosing the artist from configuration (``AGENT_PROVIDER``: builtin | claude | openai)."""

from __future__ import annotations

from code_monet.agent.providers.base import ArtistProvider
from code_monet.agent.providers.settings import AgentSettings, ArtistSettings

__all__ = ["AgentSettings", "ArtistSettings", "artist_provider"]


def artist_provider(settings: ArtistSettings) -> ArtistProvider:
    """The configured provider; builtin by default (no keys, no network). SDKs load only for
    the provider chosen."""
    chosen = settings.agent.agent_provider
    if chosen == "claude":
        try:
            from code_monet.agent.providers.claude import claude_provider_from_settings
        except ImportError as exc:
            raise RuntimeError(
                "AGENT_PROVIDER=claude needs the Claude Agent SDK: pip install 'code-monet[claude]'"
            ) from exc
        return claude_provider_from_settings(settings.claude)
    if chosen == "openai":
        from code_monet.agent.providers.openai_compat import openai_provider_from_settings

        return openai_provider_from_settings(settings.openai)
    from code_monet.agent.providers.builtin import BuiltinProvider

    return BuiltinProvider(seed=settings.agent.agent_seed)
