"""The ``imagine`` tool: text-to-image reference generation through a pluggable provider.

Providers (chosen by ``provider_from_settings``; ``IMAGE_PROVIDER``: auto|gemini|openai|none):

* **Gemini** (google-genai SDK, ``generate_content`` with ``response_modalities=["IMAGE"]``) —
  used when ``GOOGLE_API_KEY`` is set and ``IMAGE_PROVIDER`` is ``auto`` (the default) or
  ``gemini``. ``GEMINI_IMAGE_MODEL`` picks the model, ``GEMINI_BASE_URL`` the API root.
* **OpenAI** (openai SDK, ``images.generate``) — used only when ``IMAGE_PROVIDER=openai`` and
  ``OPENAI_API_KEY`` is set (an OpenAI key alone never switches it on, since it is often present
  for other reasons). ``OPENAI_IMAGE_MODEL`` picks the model, ``OPENAI_BASE_URL`` the API root
  (including ``/v1``).
* Nothing configured, or ``IMAGE_PROVIDER=none``: no provider, and the tool is not offered.

``imagine`` validates the prompt and file name, calls the provider under a wall-clock timeout
(``IMAGINE_TIMEOUT_SECONDS``), checks the result is a real, bounded image, saves it atomically as
``references/<name>.png`` (never overwriting; names are uniquified) and returns a small preview
for the agent. Every failure is one ``ImageGenerationError`` whose message tells the model what
happened and what to do; API keys never appear in messages or logs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import io
import logging
import os
import re
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import httpx2
import mcp_types as types
from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from code_monet.tools.results import error_result, image_content

if TYPE_CHECKING:  # the vendor SDKs are imported when a provider is configured (fast start-up)
    import openai
    from google.genai import errors as genai_errors
    from google.genai import types as genai_types

    from code_monet.tools.context import ToolContext

logger = logging.getLogger(__name__)

DEFAULT_GEMINI_IMAGE_MODEL = "gemini-2.5-flash-image"
# gpt-image-1 is marked shut down in the openai SDK's model list; gpt-image-2 is current.
DEFAULT_OPENAI_IMAGE_MODEL = "gpt-image-2"
DEFAULT_OPENAI_IMAGE_SIZE = "1024x1024"

MAX_PROMPT_CHARS = 2000
MAX_NAME_CHARS = 48
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_SIDE = 4096
PREVIEW_MAX_EDGE = 768
PREVIEW_JPEG_QUALITY = 85
_MAX_NAME_ATTEMPTS = 1000
_DETAIL_CHARS = 200
_ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")
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


@dataclass(frozen=True, slots=True)
class ReferenceImage:
    """A validated reference image saved under ``references/``, with a preview for the agent."""

    path: Path
    name: str
    width: int
    height: int
    preview_bytes: bytes = field(repr=False)
    preview_mime: str
    provider: str
    model: str
    revised_prompt: str | None = None


class ImageProvider(Protocol):
    """A text-to-image backend. ``generate`` raises ``ImageGenerationError`` on failure."""

    name: str

    # ``timeout`` is forwarded to the SDK's HTTP timeout; ``imagine`` also enforces it with
    # ``asyncio.wait_for``, hence the ASYNC109 exemptions.
    async def generate(self, prompt: str, *, timeout: float) -> GeneratedImage: ...  # noqa: ASYNC109

    async def aclose(self) -> None: ...


class ImageProviderChoice(StrEnum):
    AUTO = "auto"
    GEMINI = "gemini"
    OPENAI = "openai"
    NONE = "none"


class ImageGenerationSettings(BaseSettings):
    """Image provider configuration from the environment (see the module docstring)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    image_provider: ImageProviderChoice = ImageProviderChoice.AUTO
    google_api_key: SecretStr | None = None
    gemini_image_model: str = Field(default=DEFAULT_GEMINI_IMAGE_MODEL, min_length=1)
    gemini_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_image_model: str = Field(default=DEFAULT_OPENAI_IMAGE_MODEL, min_length=1)
    imagine_timeout_seconds: float = Field(default=60.0, gt=0, le=600)

    @field_validator(
        "google_api_key", "openai_api_key", "gemini_base_url", "openai_base_url", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("image_provider", mode="before")
    @classmethod
    def _provider_case_insensitive(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _explicit_provider_needs_key(self) -> ImageGenerationSettings:
        if self.image_provider is ImageProviderChoice.GEMINI and self.google_api_key is None:
            raise ValueError("IMAGE_PROVIDER=gemini requires GOOGLE_API_KEY to be set")
        if self.image_provider is ImageProviderChoice.OPENAI and self.openai_api_key is None:
            raise ValueError("IMAGE_PROVIDER=openai requires OPENAI_API_KEY to be set")
        return self


def provider_from_settings(settings: ImageGenerationSettings) -> ImageProvider | None:
    """The configured provider, or ``None`` when image generation is off (tool not offered)."""
    choice = settings.image_provider
    if choice is ImageProviderChoice.NONE:
        logger.info("Image generation disabled (IMAGE_PROVIDER=none)")
        return None
    if choice is ImageProviderChoice.OPENAI and settings.openai_api_key is not None:
        logger.info("Image generation: OpenAI, model %s", settings.openai_image_model)
        return OpenAIImageProvider(
            api_key=settings.openai_api_key.get_secret_value(),
            model=settings.openai_image_model,
            base_url=settings.openai_base_url,
        )
    if choice in (ImageProviderChoice.AUTO, ImageProviderChoice.GEMINI) and (
        settings.google_api_key is not None
    ):
        logger.info("Image generation: Gemini, model %s", settings.gemini_image_model)
        return GeminiImageProvider(
            api_key=settings.google_api_key.get_secret_value(),
            model=settings.gemini_image_model,
            base_url=settings.gemini_base_url,
        )
    logger.info("Image generation off: no GOOGLE_API_KEY (or IMAGE_PROVIDER=openai) configured")
    return None


# --- helpers shared by the providers -------------------------------------------------------


def _timeout_error(timeout: float) -> ImageGenerationError:
    return ImageGenerationError(
        f"Image generation timed out after {timeout:g} s. Try again, perhaps with a simpler "
        "prompt, or continue drawing without a reference.",
        reason=ImageErrorReason.TIMEOUT,
    )


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


# --- imagine -------------------------------------------------------------------------------


def clean_prompt(prompt: str) -> str:
    """The trimmed prompt; raises ``ImageGenerationError`` if empty or too long."""
    text = prompt.strip()
    if not text:
        raise ImageGenerationError(
            "The prompt is empty; describe the image you want to see.",
            reason=ImageErrorReason.INVALID_REQUEST,
        )
    if len(text) > MAX_PROMPT_CHARS:
        raise ImageGenerationError(
            f"The prompt is {len(text)} characters; the limit is {MAX_PROMPT_CHARS}. "
            "Shorten it and try again.",
            reason=ImageErrorReason.INVALID_REQUEST,
        )
    return text


def slugify(text: str, *, max_length: int = MAX_NAME_CHARS) -> str:
    """Lower-case ``[a-z0-9-]`` slug of ``text`` (at most ``max_length``), possibly empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def reference_name(name: str | None, prompt: str) -> str:
    """A safe file stem: the slugified ``name``, else the prompt's first words, else "reference"."""
    if name is not None:
        stem = name.strip()
        if stem.lower().endswith(_IMAGE_SUFFIXES):
            stem = stem.rsplit(".", 1)[0]
        slug = slugify(stem)
        if slug:
            return slug
        logger.info("Reference name %r has no usable characters; deriving one", name[:64])
    return slugify(" ".join(prompt.split()[:6])) or "reference"


def _candidate_names(base: str) -> list[str]:
    names = [base]
    for index in range(2, _MAX_NAME_ATTEMPTS + 1):
        suffix = f"-{index}"
        names.append(base[: MAX_NAME_CHARS - len(suffix)].rstrip("-") + suffix)
    return names


@dataclass(frozen=True, slots=True)
class _ProcessedImage:
    png: bytes
    width: int
    height: int
    preview: bytes
    preview_mime: str


def _process_image(data: bytes, provider: str) -> _ProcessedImage:
    """Decode and bound the provider's bytes; re-encode as PNG plus a preview (CPU-bound)."""
    if not data:
        raise ImageGenerationError(
            f"The {provider} image provider returned an empty image. Try again.",
            reason=ImageErrorReason.INVALID_IMAGE,
        )
    if len(data) > MAX_IMAGE_BYTES:
        raise _too_large_bytes(len(data))
    try:
        with Image.open(io.BytesIO(data), formats=_ACCEPTED_FORMATS) as opened:
            width, height = opened.size
            if width < 1 or height < 1 or width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
                raise ImageGenerationError(
                    f"The generated image is {width}×{height} pixels; the limit is "
                    f"{MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE}. Try again.",
                    reason=ImageErrorReason.TOO_LARGE,
                )
            opened.load()
            image = ImageOps.exif_transpose(opened)
            has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
                "transparency" in image.info
            )
            image = image.convert("RGBA" if has_alpha else "RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageGenerationError(
            f"The generated image declares too many pixels; the limit is "
            f"{MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE}. Try again.",
            reason=ImageErrorReason.TOO_LARGE,
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageGenerationError(
            f"The {provider} image provider returned data that is not a valid PNG, JPEG, WebP "
            f"or GIF image ({type(exc).__name__}). Try again.",
            reason=ImageErrorReason.INVALID_IMAGE,
        ) from None
    full = io.BytesIO()
    image.save(full, format="PNG")
    preview_image = image.copy()
    preview_image.thumbnail((PREVIEW_MAX_EDGE, PREVIEW_MAX_EDGE), Image.Resampling.LANCZOS)
    preview = io.BytesIO()
    if has_alpha:
        preview_image.save(preview, format="PNG")
        preview_mime = "image/png"
    else:
        preview_image.save(preview, format="JPEG", quality=PREVIEW_JPEG_QUALITY)
        preview_mime = "image/jpeg"
    return _ProcessedImage(
        png=full.getvalue(),
        width=image.width,
        height=image.height,
        preview=preview.getvalue(),
        preview_mime=preview_mime,
    )


def _inside(root: Path, file_name: str) -> Path:
    """``root/file_name`` for a plain file name (the last component is not resolved, so a
    symlink squatting on the name is treated as taken rather than followed)."""
    path = root / file_name
    if path.name != file_name or path.parent != root or file_name.startswith("."):
        raise ImageGenerationError(
            f"Refusing to save reference {file_name!r}: it would land outside references/.",
            reason=ImageErrorReason.INVALID_REQUEST,
        )
    return path


def _save_unique(references_dir: Path, base: str, png: bytes) -> tuple[Path, str]:
    """Write ``png`` as ``<name>.png`` for the first free name; never overwrites (blocking)."""
    references_dir.mkdir(parents=True, exist_ok=True)
    root = references_dir.resolve()
    tmp = root / f".{base}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with tmp.open("xb") as handle:
            handle.write(png)
            handle.flush()
            os.fsync(handle.fileno())
        for candidate in _candidate_names(base):
            target = _inside(root, f"{candidate}.png")
            try:
                # A hard link publishes the complete file atomically and fails if the name exists.
                target.hardlink_to(tmp)
            except FileExistsError:
                continue
            except OSError:
                # No hard links on this filesystem: reserve the name exclusively, then replace.
                try:
                    target.open("xb").close()
                except FileExistsError:
                    continue
                tmp.replace(target)
            return target, candidate
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    raise ImageGenerationError(
        f"Could not find a free file name for {base!r} after {_MAX_NAME_ATTEMPTS} tries; "
        "choose a different name.",
        reason=ImageErrorReason.STORAGE,
    )


async def imagine(
    provider: ImageProvider,
    prompt: str,
    *,
    name: str | None = None,
    references_dir: Path,
    timeout: float,  # noqa: ASYNC109 - a wall-clock budget enforced with asyncio.wait_for
) -> ReferenceImage:
    """Generate, validate and save one reference image; raises ``ImageGenerationError``."""
    if timeout <= 0:
        raise ValueError(f"timeout must be positive, got {timeout}")
    text = clean_prompt(prompt)
    base = reference_name(name, text)
    started = time.monotonic()
    try:
        generated = await asyncio.wait_for(provider.generate(text, timeout=timeout), timeout)
    except TimeoutError:
        logger.warning("Image provider %s timed out after %gs", provider.name, timeout)
        raise _timeout_error(timeout) from None
    except ImageGenerationError:
        raise
    except Exception as exc:
        logger.warning("Image provider %s failed: %s", provider.name, type(exc).__name__)
        raise _unexpected_error(provider.name, exc) from None
    processed = await asyncio.to_thread(_process_image, generated.data, generated.provider)
    try:
        path, final_name = await asyncio.to_thread(
            _save_unique, references_dir, base, processed.png
        )
    except OSError as exc:
        logger.error("Could not save reference image in %s: %s", references_dir, exc)
        raise ImageGenerationError(
            f"The image was generated but could not be saved ({type(exc).__name__}). Try again.",
            reason=ImageErrorReason.STORAGE,
        ) from None
    logger.info(
        "Reference image %s saved (%dx%d, %s/%s, %.1fs)",
        final_name,
        processed.width,
        processed.height,
        generated.provider,
        generated.model,
        time.monotonic() - started,
    )
    return ReferenceImage(
        path=path,
        name=final_name,
        width=processed.width,
        height=processed.height,
        preview_bytes=processed.preview,
        preview_mime=processed.preview_mime,
        provider=generated.provider,
        model=generated.model,
        revised_prompt=generated.revised_prompt,
    )


# --- MCP tool handler ----------------------------------------------------------------------


class ImagineInput(BaseModel):
    prompt: str = Field(
        max_length=10_000,
        description=f"What the reference image should show (1–{MAX_PROMPT_CHARS} characters).",
    )
    name: str | None = Field(
        default=None,
        max_length=200,
        description="Optional file name; saved as references/<name>.png (slugified, made unique).",
    )


async def imagine_tool(ctx: ToolContext, args: ImagineInput) -> types.CallToolResult:
    """The ``imagine`` tool: generate a reference image and show the agent a preview."""
    provider = ctx.image_provider
    if provider is None:
        return error_result("Image generation is not configured on this server.")
    try:
        ref = await imagine(
            provider,
            args.prompt,
            name=args.name,
            references_dir=ctx.references_dir,
            timeout=ctx.image_timeout,
        )
    except ImageGenerationError as exc:
        return error_result(str(exc))
    text = (
        f"Reference image saved as references/{ref.path.name} ({ref.width}×{ref.height}, "
        f"{ref.provider} {ref.model}). It is for study only and is not on the canvas."
    )
    if ref.revised_prompt:
        text += f"\nProvider notes: {ref.revised_prompt[:500]}"
    return types.CallToolResult(
        content=[
            types.TextContent(type="text", text=text),
            image_content(ref.preview_bytes, ref.preview_mime),
        ],
        is_error=False,
    )
