"""Errors and the raw generated-image type shared by the image providers and ``imagine``.

Why: the vendor providers (``image_providers``) and the ``imagine`` tool (``image_generation``)
both raise these errors and pass ``GeneratedImage`` around; keeping them here avoids an import
cycle between the two modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

__all__ = ["MAX_IMAGE_BYTES", "GeneratedImage", "ImageErrorReason", "ImageGenerationError"]

MAX_IMAGE_BYTES = 20 * 1024 * 1024


class ImageErrorReason(StrEnum):
    """Why image generation failed (lets the caller decide whether a retry can help)."""

    INVALID_REQUEST = "invalid_request"
    TIMEOUT = "timeout"
    AUTH = "auth"
    RATE_LIMIT = "rate_limit"
    SERVER = "server"
    CONNECTION = "connection"
    REFUSED = "refused"
    NO_IMAGE = "no_image"
    INVALID_IMAGE = "invalid_image"
    TOO_LARGE = "too_large"
    STORAGE = "storage"
    PROVIDER = "provider"


class ImageGenerationError(Exception):
    """Any ``imagine`` failure; ``str(error)`` is written for the model to act on."""

    def __init__(self, message: str, *, reason: ImageErrorReason) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class GeneratedImage:
    """Raw bytes a provider returned, before validation."""

    data: bytes = field(repr=False)
    mime_type: str
    provider: str
    model: str
    revised_prompt: str | None = None


def _timeout_error(timeout: float) -> ImageGenerationError:
    return ImageGenerationError(
        f"Image generation timed out after {timeout:g} s. Try again, perhaps with a simpler "
        "prompt, or continue drawing without a reference.",
        reason=ImageErrorReason.TIMEOUT,
    )


def _unexpected_error(provider: str, exc: BaseException) -> ImageGenerationError:
    return ImageGenerationError(
        f"The {provider} image provider failed unexpectedly ({type(exc).__name__}). Try "
        "again, or continue without a reference.",
        reason=ImageErrorReason.PROVIDER,
    )


def _too_large_bytes(size: int) -> ImageGenerationError:
    return ImageGenerationError(
        f"The generated image is {size / 1_048_576:.1f} MB; the limit is "
        f"{MAX_IMAGE_BYTES // 1_048_576} MB. Try again.",
        reason=ImageErrorReason.TOO_LARGE,
    )


class ImageProvider(Protocol):
    """A text-to-image backend. ``generate`` raises ``ImageGenerationError`` on failure."""

    name: str

    # ``timeout`` is forwarded to the SDK's HTTP timeout; ``imagine`` also enforces it with
    # ``asyncio.wait_for``, hence the ASYNC109 exemptions.
    async def generate(self, prompt: str, *, timeout: float) -> GeneratedImage: ...  # noqa: ASYNC109

    async def aclose(self) -> None: ...
