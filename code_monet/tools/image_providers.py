"""The vendor image providers: Gemini (google-genai) and OpenAI (openai SDK).

Why: the vendor-specific request, error-mapping and response-parsing code is the bulk of image
generation, kept apart from the settings and the ``imagine`` tool in ``image_generation``. The
SDKs are imported only when a provider is constructed or used, so start-up stays fast.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from typing import TYPE_CHECKING

from code_monet.tools.image_types import (
    MAX_IMAGE_BYTES,
    GeneratedImage,
    ImageErrorReason,
    ImageGenerationError,
    _timeout_error,
    _too_large_bytes,
    _unexpected_error,
)

if TYPE_CHECKING:  # the vendor SDKs are imported when a provider is configured (fast start-up)
    import openai
    from google.genai import errors as genai_errors
    from google.genai import types as genai_types

__all__ = [
    "DEFAULT_GEMINI_IMAGE_MODEL",
    "DEFAULT_OPENAI_IMAGE_MODEL",
    "DEFAULT_OPENAI_IMAGE_SIZE",
    "GeminiImageProvider",
    "OpenAIImageProvider",
]

# Logs under the image generation logger, as before this module was split out of it.
logger = logging.getLogger("code_monet.tools.image_generation")

DEFAULT_GEMINI_IMAGE_MODEL = "gemini-2.5-flash-image"
# gpt-image-1 is marked shut down in the openai SDK's model list; gpt-image-2 is current.
DEFAULT_OPENAI_IMAGE_MODEL = "gpt-image-2"
DEFAULT_OPENAI_IMAGE_SIZE = "1024x1024"

_DETAIL_CHARS = 200
_GEMINI_REFUSAL_REASONS = frozenset(
    {
        "SAFETY",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "RECITATION",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
        "MODEL_ARMOR",
    }
)
_OPENAI_REFUSAL_CODES = frozenset({"moderation_blocked", "content_policy_violation"})
# Key-shaped strings a vendor might echo back (OpenAI echoes a masked key on 401s).
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_\-*]{4,}|AIza[0-9A-Za-z_\-]{8,})")


# --- helpers shared by the providers -------------------------------------------------------


def _sanitize(text: str | None, secret: str) -> str:
    """Vendor text safe to show: the key (and key-shaped strings) removed, length bounded."""
    if not text:
        return ""
    cleaned = text.replace(secret, "[redacted]") if len(secret) >= 8 else text
    cleaned = _KEY_PATTERN.sub("[redacted]", cleaned)
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > _DETAIL_CHARS:
        cleaned = cleaned[: _DETAIL_CHARS - 1] + "…"
    return cleaned


def _with_detail(message: str, detail: str) -> str:
    return f"{message} (provider said: {detail})" if detail else message


def _status_error(
    provider: str, status: int, detail: str, *, refused: bool = False
) -> ImageGenerationError:
    """Map an HTTP status from the vendor to a model-actionable error."""
    if status in (401, 403):
        # No vendor text here: auth errors are where vendors echo (masked) keys back.
        return ImageGenerationError(
            f"The {provider} image provider rejected its API key (HTTP {status}). This is a "
            "server configuration problem; retrying will not help — continue without "
            "reference images.",
            reason=ImageErrorReason.AUTH,
        )
    if status == 429:
        return ImageGenerationError(
            f"The {provider} image provider is rate limiting requests or the quota is "
            "exhausted (HTTP 429). Wait a while before imagining again, or draw without a "
            "reference.",
            reason=ImageErrorReason.RATE_LIMIT,
        )
    if status >= 500:
        return ImageGenerationError(
            f"The {provider} image provider had a server error (HTTP {status}). This is "
            "usually temporary; try again shortly.",
            reason=ImageErrorReason.SERVER,
        )
    if refused:
        return _refusal_error(provider, detail)
    return ImageGenerationError(
        _with_detail(f"The {provider} image provider rejected the request (HTTP {status})", detail)
        + ". Adjust the prompt and try again.",
        reason=ImageErrorReason.PROVIDER,
    )


def _refusal_error(provider: str, detail: str) -> ImageGenerationError:
    return ImageGenerationError(
        _with_detail(f"The {provider} image provider refused the prompt (content policy)", detail)
        + ". Rephrase the prompt without the sensitive content and try again.",
        reason=ImageErrorReason.REFUSED,
    )


def _no_image_error(provider: str, detail: str) -> ImageGenerationError:
    return ImageGenerationError(
        _with_detail(f"The {provider} image provider returned no image", detail)
        + ". Describe a concrete visual scene and try again.",
        reason=ImageErrorReason.NO_IMAGE,
    )


def _connection_error(provider: str, exc: BaseException) -> ImageGenerationError:
    return ImageGenerationError(
        f"Could not reach the {provider} image provider ({type(exc).__name__}). Try again "
        "shortly, or continue without a reference.",
        reason=ImageErrorReason.CONNECTION,
    )


# --- Gemini --------------------------------------------------------------------------------


class GeminiImageProvider:
    """Gemini native image generation via google-genai ``models.generate_content``."""

    name: str = "gemini"

    def __init__(
        self,
        *,
        api_key: str,
        model: str = DEFAULT_GEMINI_IMAGE_MODEL,
        base_url: str | None = None,
        max_retries: int = 1,
    ) -> None:
        if not api_key:
            raise ValueError("GeminiImageProvider needs a non-empty API key (GOOGLE_API_KEY)")
        from google import genai
        from google.genai import types as genai_types

        self.model = model
        self._secret = api_key
        http_options = genai_types.HttpOptions(
            base_url=base_url,
            retry_options=genai_types.HttpRetryOptions(
                attempts=max(0, max_retries) + 1, initial_delay=1.0, max_delay=8.0
            ),
        )
        self._client = genai.Client(api_key=api_key, vertexai=False, http_options=http_options)

    def __repr__(self) -> str:
        return f"GeminiImageProvider(model={self.model!r})"

    async def aclose(self) -> None:
        await self._client.aio.aclose()

    async def generate(self, prompt: str, *, timeout: float) -> GeneratedImage:  # noqa: ASYNC109
        import httpx2
        from google.genai import errors as genai_errors
        from google.genai import types as genai_types

        config = genai_types.GenerateContentConfig(
            response_modalities=["IMAGE"],
            http_options=genai_types.HttpOptions(timeout=max(1, round(timeout * 1000))),
        )
        try:
            response = await self._client.aio.models.generate_content(
                model=self.model, contents=prompt, config=config
            )
        except genai_errors.APIError as exc:
            raise self._api_error(exc) from None
        except httpx2.TimeoutException:
            logger.warning("Gemini image request timed out after %gs", timeout)
            raise _timeout_error(timeout) from None
        except httpx2.TransportError as exc:
            logger.warning("Gemini image request could not connect: %s", type(exc).__name__)
            raise _connection_error(self.name, exc) from None
        except Exception as exc:
            logger.warning("Gemini image request failed: %s", type(exc).__name__)
            raise _unexpected_error(self.name, exc) from None
        return self._extract(response)

    def _api_error(self, exc: genai_errors.APIError) -> ImageGenerationError:
        detail = _sanitize(exc.message, self._secret)
        status = exc.code
        logger.warning(
            "Gemini image request failed: HTTP %s %s: %s", status, exc.status or "", detail
        )
        if status == 400 and (
            "API_KEY_INVALID" in str(exc.details) or "api key not valid" in detail.lower()
        ):
            # The Gemini API reports a bad key as 400 INVALID_ARGUMENT / API_KEY_INVALID.
            status = 401
        return _status_error(self.name, status, detail)

    def _extract(self, response: genai_types.GenerateContentResponse) -> GeneratedImage:
        feedback = response.prompt_feedback
        if feedback is not None and feedback.block_reason is not None:
            reason = str(feedback.block_reason.value)
            logger.warning("Gemini blocked the image prompt: %s", reason)
            detail = _sanitize(feedback.block_reason_message or reason, self._secret)
            raise _refusal_error(self.name, detail)
        texts: list[str] = []
        finish_reasons: list[str] = []
        for candidate in response.candidates or []:
            if candidate.finish_reason is not None:
                finish_reasons.append(str(candidate.finish_reason.value))
            parts = candidate.content.parts if candidate.content is not None else None
            for part in parts or []:
                if part.thought:
                    continue
                blob = part.inline_data
                if blob is not None and blob.data and (blob.mime_type or "").startswith("image/"):
                    return GeneratedImage(
                        data=blob.data,
                        mime_type=blob.mime_type or "image/png",
                        provider=self.name,
                        model=self.model,
                        revised_prompt=" ".join(texts) or None,
                    )
                if part.text:
                    texts.append(part.text)
        refusals = [r for r in finish_reasons if r in _GEMINI_REFUSAL_REASONS]
        said = _sanitize(" ".join(texts), self._secret)
        logger.warning("Gemini returned no image (finish reasons: %s)", finish_reasons or "none")
        if refusals:
            raise _refusal_error(self.name, said or refusals[0])
        raise _no_image_error(self.name, said or ", ".join(finish_reasons))


# --- OpenAI --------------------------------------------------------------------------------


class OpenAIImageProvider:
    """OpenAI GPT image generation via the openai SDK ``images.generate`` (base64 output)."""

    name: str = "openai"

    def __init__(
        self,
        *,
        api_key: str,
        model: str = DEFAULT_OPENAI_IMAGE_MODEL,
        base_url: str | None = None,
        size: str = DEFAULT_OPENAI_IMAGE_SIZE,
        max_retries: int = 1,
    ) -> None:
        if not api_key:
            raise ValueError("OpenAIImageProvider needs a non-empty API key (OPENAI_API_KEY)")
        import openai

        self.model = model
        self.size = size
        self._secret = api_key
        self._client = openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, max_retries=max(0, max_retries)
        )

    def __repr__(self) -> str:
        return f"OpenAIImageProvider(model={self.model!r})"

    async def aclose(self) -> None:
        await self._client.close()

    async def generate(self, prompt: str, *, timeout: float) -> GeneratedImage:  # noqa: ASYNC109
        import openai

        try:
            response = await self._client.images.generate(
                model=self.model, prompt=prompt, n=1, size=self.size, timeout=timeout
            )
        except openai.APITimeoutError:
            logger.warning("OpenAI image request timed out after %gs", timeout)
            raise _timeout_error(timeout) from None
        except openai.APIConnectionError as exc:
            logger.warning("OpenAI image request could not connect: %s", type(exc).__name__)
            raise _connection_error(self.name, exc) from None
        except openai.APIStatusError as exc:
            detail = _sanitize(exc.message, self._secret)
            logger.warning(
                "OpenAI image request failed: HTTP %s (%s): %s", exc.status_code, exc.code, detail
            )
            refused = exc.code in _OPENAI_REFUSAL_CODES
            raise _status_error(self.name, exc.status_code, detail, refused=refused) from None
        except Exception as exc:
            logger.warning("OpenAI image request failed: %s", type(exc).__name__)
            raise _unexpected_error(self.name, exc) from None
        return self._extract(response)

    def _extract(self, response: openai.types.ImagesResponse) -> GeneratedImage:
        first = response.data[0] if response.data else None
        if first is None or not first.b64_json:
            logger.warning("OpenAI returned no base64 image data")
            hint = "only a URL, which is not fetched" if first is not None and first.url else ""
            raise _no_image_error(self.name, hint)
        if len(first.b64_json) > MAX_IMAGE_BYTES * 4 // 3 + 4:
            raise _too_large_bytes(len(first.b64_json) * 3 // 4)
        try:
            data = base64.b64decode(first.b64_json, validate=True)
        except (binascii.Error, ValueError):
            raise ImageGenerationError(
                f"The {self.name} image provider returned data that is not valid base64. Try "
                "again.",
                reason=ImageErrorReason.INVALID_IMAGE,
            ) from None
        output_format = response.output_format or "png"
        return GeneratedImage(
            data=data,
            mime_type=f"image/{output_format}",
            provider=self.name,
            model=self.model,
            revised_prompt=first.revised_prompt,
        )
