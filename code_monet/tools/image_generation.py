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

from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from code_monet.tools.context import ToolContext
from code_monet.tools.image_providers import (
    DEFAULT_GEMINI_IMAGE_MODEL,
    DEFAULT_OPENAI_IMAGE_MODEL,
    DEFAULT_OPENAI_IMAGE_SIZE,
    GeminiImageProvider,
    OpenAIImageProvider,
)
from code_monet.tools.image_types import (
    MAX_IMAGE_BYTES,
    GeneratedImage,
    ImageErrorReason,
    ImageGenerationError,
    ImageProvider,
    _timeout_error,
    _too_large_bytes,
    _unexpected_error,
)
from code_monet.tools.results import ToolReply, error_result, text_result

# Public API, including the names moved to image_providers/image_types (re-exported here).
__all__ = [
    "DEFAULT_GEMINI_IMAGE_MODEL",
    "DEFAULT_OPENAI_IMAGE_MODEL",
    "DEFAULT_OPENAI_IMAGE_SIZE",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_SIDE",
    "MAX_NAME_CHARS",
    "MAX_PROMPT_CHARS",
    "PREVIEW_JPEG_QUALITY",
    "PREVIEW_MAX_EDGE",
    "GeminiImageProvider",
    "GeneratedImage",
    "ImageErrorReason",
    "ImageGenerationError",
    "ImageGenerationSettings",
    "ImageProvider",
    "ImageProviderChoice",
    "ImagineInput",
    "OpenAIImageProvider",
    "ReferenceImage",
    "clean_prompt",
    "imagine",
    "imagine_tool",
    "provider_from_settings",
    "reference_name",
    "slugify",
]

logger = logging.getLogger(__name__)

MAX_PROMPT_CHARS = 2000
MAX_NAME_CHARS = 48
MAX_IMAGE_SIDE = 4096
PREVIEW_MAX_EDGE = 768
PREVIEW_JPEG_QUALITY = 85
_MAX_NAME_ATTEMPTS = 1000
_ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")


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


class ImageProviderChoice(StrEnum):
    AUTO = "auto"
    GEMINI = "gemini"
    OPENAI = "openai"
    NONE = "none"


class ImageGenerationSettings(BaseModel):
    """Image provider configuration (see the module docstring); the application fills it from
    the environment once."""

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


async def imagine_tool(ctx: ToolContext, args: ImagineInput) -> ToolReply:
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
    return text_result(text, image_png=ref.preview_bytes, image_mime=ref.preview_mime)
