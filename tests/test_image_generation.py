"""``imagine``: providers driven end to end through their real SDKs against a loopback fake API.

The fake vendor API is a Starlette app served by uvicorn on 127.0.0.1 (ephemeral port). It answers
the exact endpoints the SDKs call — OpenAI ``POST /v1/images/generations`` and Gemini
``POST /<version>/models/<model>:generateContent`` — and records each request, so tests can check
the API key header arrived. Nothing here touches the internet.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import logging
import socket
import struct
import time
import uuid
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from PIL import Image
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from code_monet.app.config import load_config
from code_monet.tools.context import ToolContext
from code_monet.tools.image_generation import (
    DEFAULT_GEMINI_IMAGE_MODEL,
    MAX_IMAGE_BYTES,
    MAX_NAME_CHARS,
    GeminiImageProvider,
    GeneratedImage,
    ImageErrorReason,
    ImageGenerationError,
    ImageGenerationSettings,
    ImageProvider,
    ImagineInput,
    OpenAIImageProvider,
    imagine,
    imagine_tool,
    provider_from_settings,
    slugify,
)
from code_monet.tools.results import to_mcp_result
from code_monet.workspace import WorkspaceState

GEMINI_KEY = "AIzaFAKE-gemini-test-key-0123456789"
OPENAI_KEY = "sk-fake-openai-test-key-0123456789"
GEMINI_MODEL = "gemini-test-image"
OPENAI_MODEL = "gpt-image-test"
VENDORS = ["gemini", "openai"]
_ENV_VARS = (
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "GEMINI_IMAGE_MODEL",
    "GEMINI_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_IMAGE_MODEL",
    "IMAGE_PROVIDER",
    "IMAGINE_TIMEOUT_SECONDS",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_GENAI_USE_ENTERPRISE",
    "GOOGLE_GENAI_HTTP_CLIENT",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


# --- images --------------------------------------------------------------------------------


def png_bytes(width: int = 1200, height: int = 800, mode: str = "RGB") -> bytes:
    color = (30, 90, 160, 128) if mode == "RGBA" else (30, 90, 160)
    image = Image.new(mode, (width, height), color)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def jpeg_bytes(width: int = 640, height: int = 480) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(buf, format="JPEG")
    return buf.getvalue()


def forged_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width``×``height`` (a decompression-bomb shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def files_under(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- the loopback fake vendor API ----------------------------------------------------------


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, object]


@dataclass
class FakeVendorAPI:
    """Scriptable stand-in for the OpenAI and Gemini HTTP APIs."""

    image: bytes = field(default_factory=png_bytes)
    status: int = 200
    error_body: dict[str, object] | None = None
    success_body: dict[str, object] | None = None
    delay: float = 0.0
    requests: list[Recorded] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    base_url: str = ""

    async def _record(self, request: Request) -> Recorded:
        raw = await request.body()
        body = json.loads(raw) if raw else {}
        recorded = Recorded(request.url.path, dict(request.headers), body)
        self.requests.append(recorded)
        if self.delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), self.delay)
        return recorded

    def _error(self, default_body: dict[str, object]) -> JSONResponse:
        return JSONResponse(self.error_body or default_body, status_code=self.status)

    async def openai_images(self, request: Request) -> Response:
        recorded = await self._record(request)
        if recorded.headers.get("authorization") != f"Bearer {OPENAI_KEY}":
            return JSONResponse({"error": {"message": "no key", "code": None}}, status_code=401)
        if self.status != 200:
            return self._error(
                {
                    "error": {
                        "message": f"Simulated failure {self.status}",
                        "type": "server_error" if self.status >= 500 else "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                }
            )
        body = self.success_body or {
            "created": 1_700_000_000,
            "data": [{"b64_json": b64(self.image)}],
            "output_format": "png",
            "size": "1024x1024",
        }
        return JSONResponse(body)

    async def gemini_generate(self, request: Request) -> Response:
        recorded = await self._record(request)
        if recorded.headers.get("x-goog-api-key") != GEMINI_KEY:
            return JSONResponse(
                {"error": {"code": 401, "message": "no key", "status": "UNAUTHENTICATED"}},
                status_code=401,
            )
        if self.status != 200:
            return self._error(
                {
                    "error": {
                        "code": self.status,
                        "message": f"Simulated failure {self.status}",
                        "status": "INTERNAL" if self.status >= 500 else "FAILED_PRECONDITION",
                    }
                }
            )
        body = self.success_body or {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {"text": "Here is your lighthouse."},
                            {"inlineData": {"mimeType": "image/png", "data": b64(self.image)}},
                        ],
                    },
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "modelVersion": GEMINI_MODEL,
            "responseId": "fake-response",
        }
        return JSONResponse(body)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real keys, proxies or a developer's .env leak into these tests."""
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeVendorAPI]:
    fake = FakeVendorAPI()
    app = Starlette(
        routes=[
            Route("/v1/images/generations", fake.openai_images, methods=["POST"]),
            Route("/{version}/models/{target}", fake.gemini_generate, methods=["POST"]),
        ]
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, "fake vendor API did not start"
    fake.base_url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        fake.release.set()
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


@contextlib.asynccontextmanager
async def make_provider(vendor: str, fake: FakeVendorAPI) -> AsyncIterator[ImageProvider]:
    provider: ImageProvider
    if vendor == "gemini":
        provider = GeminiImageProvider(
            api_key=GEMINI_KEY, model=GEMINI_MODEL, base_url=fake.base_url, max_retries=0
        )
    else:
        provider = OpenAIImageProvider(
            api_key=OPENAI_KEY, model=OPENAI_MODEL, base_url=f"{fake.base_url}/v1", max_retries=0
        )
    try:
        yield provider
    finally:
        await provider.aclose()


async def run_imagine(
    vendor: str,
    fake: FakeVendorAPI,
    refs: Path,
    *,
    prompt: str = "A lighthouse at dusk, oil painting",
    name: str | None = None,
    timeout: float = 10.0,  # noqa: ASYNC109 - forwarded to imagine
) -> ImageGenerationError:
    """Run ``imagine`` expecting failure; returns the error."""
    async with make_provider(vendor, fake) as provider:
        with pytest.raises(ImageGenerationError) as info:
            await imagine(provider, prompt, name=name, references_dir=refs, timeout=timeout)
    return info.value


# --- an in-memory provider for the validation and naming tests -----------------------------


@dataclass
class StubProvider:
    """Returns fixed bytes (or raises, or hangs), recording the prompts it was given."""

    data: bytes = field(default_factory=lambda: png_bytes(300, 200))
    name: str = "stub"
    hang: bool = False
    error: Exception | None = None
    prompts: list[str] = field(default_factory=list)

    async def generate(self, prompt: str, *, timeout: float) -> GeneratedImage:  # noqa: ASYNC109
        self.prompts.append(prompt)
        if self.hang:
            await asyncio.Event().wait()
        if self.error is not None:
            raise self.error
        return GeneratedImage(self.data, "image/png", self.name, "stub-model", None)

    async def aclose(self) -> None:
        return None


async def stub_imagine(
    refs: Path, *, name: str | None = None, prompt: str = "A red fox in snow", **stub: object
) -> Path:
    provider = StubProvider(**stub)  # type: ignore[arg-type]
    ref = await imagine(provider, prompt, name=name, references_dir=refs, timeout=5.0)
    return ref.path


# --- tests ---------------------------------------------------------------------------------


class TestGeminiEndToEnd:
    """GeminiImageProvider through google-genai against the fake generateContent endpoint."""

    async def test_success_saves_png_and_returns_preview(
        self, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """The inline image is saved as a PNG under references/ with a ≤768 px preview."""
        # Arrange
        refs = tmp_path / "references"
        # Act
        async with make_provider("gemini", fake_api) as provider:
            ref = await imagine(
                provider,
                "  A lighthouse at dusk, oil painting  ",
                name=None,
                references_dir=refs,
                timeout=10,
            )
        # Assert
        assert ref.path == (refs / "a-lighthouse-at-dusk-oil-painting.png").resolve()
        with Image.open(ref.path) as saved:
            assert saved.format == "PNG"
            assert saved.size == (1200, 800)
        with Image.open(io.BytesIO(ref.preview_bytes)) as preview:
            assert max(preview.size) <= 768
            assert preview.format == ref.preview_mime.split("/")[1].upper()
        assert (ref.width, ref.height, ref.provider, ref.model) == (
            1200,
            800,
            "gemini",
            GEMINI_MODEL,
        )
        assert ref.revised_prompt == "Here is your lighthouse."
        request = fake_api.requests[-1]
        assert request.headers["x-goog-api-key"] == GEMINI_KEY
        version, target = request.path.strip("/").split("/models/")
        assert version in {"v1", "v1beta"}
        assert target == f"{GEMINI_MODEL}:generateContent"
        assert request.body["contents"] == [
            {"parts": [{"text": "A lighthouse at dusk, oil painting"}], "role": "user"}
        ]
        assert request.body["generationConfig"] == {"responseModalities": ["IMAGE"]}

    async def test_jpeg_from_provider_is_stored_as_png(
        self, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """Whatever format the vendor returns, the reference on disk is a PNG."""
        # Arrange
        fake_api.image = jpeg_bytes(640, 480)
        # Act
        async with make_provider("gemini", fake_api) as provider:
            ref = await imagine(
                provider, "a cat", name="cat", references_dir=tmp_path / "r", timeout=10
            )
        # Assert
        with Image.open(ref.path) as saved:
            assert (saved.format, saved.size) == ("PNG", (640, 480))

    async def test_invalid_key_reported_as_400_is_an_auth_error(
        self, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """Gemini reports a bad key as 400 API_KEY_INVALID; that is still an auth error."""
        # Arrange
        fake_api.status = 400
        fake_api.error_body = {
            "error": {
                "code": 400,
                "message": f"API key not valid: {GEMINI_KEY}. Please pass a valid API key.",
                "status": "INVALID_ARGUMENT",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "API_KEY_INVALID",
                        "domain": "googleapis.com",
                    }
                ],
            }
        }
        # Act
        error = await run_imagine("gemini", fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.AUTH
        assert "rejected its API key" in str(error)
        assert GEMINI_KEY not in str(error)

    async def test_text_only_response_is_a_no_image_error(
        self, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """A reply with no inline image says so and passes on what the model said."""
        # Arrange
        fake_api.success_body = {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": "I can only describe it."}]},
                    "finishReason": "STOP",
                }
            ]
        }
        # Act
        error = await run_imagine("gemini", fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.NO_IMAGE
        assert "returned no image" in str(error)
        assert "I can only describe it." in str(error)
        assert not (tmp_path / "references").exists()

    async def test_blocked_prompt_is_a_refusal(
        self, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """promptFeedback.blockReason becomes a content-policy refusal."""
        # Arrange
        fake_api.success_body = {"promptFeedback": {"blockReason": "SAFETY"}}
        # Act
        error = await run_imagine("gemini", fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.REFUSED
        assert "content policy" in str(error)
        assert "Rephrase" in str(error)

    async def test_image_safety_finish_reason_is_a_refusal(
        self, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """A candidate stopped for IMAGE_SAFETY without an image is a refusal too."""
        # Arrange
        fake_api.success_body = {
            "candidates": [
                {"content": {"role": "model", "parts": []}, "finishReason": "IMAGE_SAFETY"}
            ]
        }
        # Act
        error = await run_imagine("gemini", fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.REFUSED


class TestOpenAIEndToEnd:
    """OpenAIImageProvider through the openai SDK against the fake images endpoint."""

    async def test_success_saves_png_and_sends_bearer_key(
        self, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """b64_json is decoded and saved; the request carried the key and the model."""
        # Arrange
        refs = tmp_path / "references"
        # Act
        async with make_provider("openai", fake_api) as provider:
            ref = await imagine(
                provider, "A lighthouse at dusk", name="Lighthouse", references_dir=refs, timeout=10
            )
        # Assert
        assert ref.path == (refs / "lighthouse.png").resolve()
        with Image.open(ref.path) as saved:
            assert (saved.format, saved.size) == ("PNG", (1200, 800))
        with Image.open(io.BytesIO(ref.preview_bytes)) as preview:
            assert preview.size == (768, 512)
        assert (ref.provider, ref.model) == ("openai", OPENAI_MODEL)
        request = fake_api.requests[-1]
        assert request.path == "/v1/images/generations"
        assert request.headers["authorization"] == f"Bearer {OPENAI_KEY}"
        assert request.body["model"] == OPENAI_MODEL
        assert request.body["prompt"] == "A lighthouse at dusk"
        assert request.body["n"] == 1

    async def test_moderation_block_is_a_refusal(
        self, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """A 400 moderation_blocked becomes a content-policy refusal the model can act on."""
        # Arrange
        fake_api.status = 400
        fake_api.error_body = {
            "error": {
                "message": "Your request was rejected by the safety system.",
                "type": "image_generation_user_error",
                "param": None,
                "code": "moderation_blocked",
            }
        }
        # Act
        error = await run_imagine("openai", fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.REFUSED
        assert "safety system" in str(error)

    async def test_url_only_response_is_not_fetched(
        self, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """A URL instead of b64_json is a clear no-image error (no fetching arbitrary URLs)."""
        # Arrange
        fake_api.success_body = {"created": 1, "data": [{"url": "http://127.0.0.1:9/x.png"}]}
        # Act
        error = await run_imagine("openai", fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.NO_IMAGE
        assert "URL" in str(error)
        assert len(fake_api.requests) == 1

    async def test_invalid_base64_is_an_invalid_image(
        self, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """b64_json that is not base64 is rejected as invalid image data."""
        # Arrange
        fake_api.success_body = {"created": 1, "data": [{"b64_json": "***not base64***"}]}
        # Act
        error = await run_imagine("openai", fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.INVALID_IMAGE
        assert "base64" in str(error)


@pytest.mark.parametrize("vendor", VENDORS)
class TestProviderFailures:
    """HTTP failures from either vendor map to clear errors, without leaking the key."""

    async def test_401_is_an_auth_error_without_the_key(
        self, vendor: str, fake_api: FakeVendorAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The vendor echoes the key in its 401 body; neither the error nor our logs show it."""
        # Arrange
        caplog.set_level(logging.DEBUG, logger="code_monet.tools.image_generation")
        key = GEMINI_KEY if vendor == "gemini" else OPENAI_KEY
        fake_api.status = 401
        fake_api.error_body = {
            "error": {"code": 401, "message": f"Incorrect API key provided: {key}."}
        }
        # Act
        error = await run_imagine(vendor, fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.AUTH
        assert f"{vendor} image provider rejected its API key (HTTP 401)" in str(error)
        assert key not in str(error)
        assert key not in repr(error.args)
        assert key not in caplog.text
        assert error.__cause__ is None

    async def test_429_is_a_rate_limit_error_and_not_retried(
        self, vendor: str, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """429 says to wait; with retries off the SDK makes exactly one request."""
        # Arrange
        fake_api.status = 429
        # Act
        error = await run_imagine(vendor, fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.RATE_LIMIT
        assert "HTTP 429" in str(error)
        assert "Wait" in str(error)
        assert len(fake_api.requests) == 1

    async def test_500_is_a_server_error(
        self, vendor: str, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """5xx is reported as a temporary server error."""
        # Arrange
        fake_api.status = 500
        # Act
        error = await run_imagine(vendor, fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.SERVER
        assert "server error (HTTP 500)" in str(error)
        assert len(fake_api.requests) == 1

    async def test_slow_vendor_times_out(
        self, vendor: str, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """A vendor slower than the budget gives a timeout error promptly."""
        # Arrange
        fake_api.delay = 10.0
        started = time.monotonic()
        # Act
        error = await run_imagine(vendor, fake_api, tmp_path, timeout=0.5)
        # Assert
        assert error.reason is ImageErrorReason.TIMEOUT
        assert "Image generation timed out after 0.5 s" in str(error)
        assert time.monotonic() - started < 3.0

    async def test_garbage_bytes_are_an_invalid_image(
        self, vendor: str, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """Bytes that are not an image are rejected and nothing is saved."""
        # Arrange
        fake_api.image = b"this is definitely not an image" * 10
        # Act
        error = await run_imagine(vendor, fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.INVALID_IMAGE
        assert "not a valid PNG, JPEG, WebP or GIF image" in str(error)
        assert not (tmp_path / "references").exists()

    async def test_huge_declared_dimensions_are_rejected(
        self, vendor: str, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """A tiny PNG declaring 100000×100000 pixels is refused before decoding."""
        # Arrange
        fake_api.image = forged_png(100_000, 100_000)
        # Act
        error = await run_imagine(vendor, fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.TOO_LARGE
        assert "4096×4096" in str(error)

    async def test_side_over_4096_is_rejected(
        self, vendor: str, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """A real image wider than 4096 px is refused with its size in the message."""
        # Arrange
        fake_api.image = png_bytes(5000, 4)
        # Act
        error = await run_imagine(vendor, fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.TOO_LARGE
        assert "5000×4 pixels" in str(error)

    async def test_unreachable_vendor_is_a_connection_error(
        self, vendor: str, fake_api: FakeVendorAPI, tmp_path: Path
    ) -> None:
        """Nothing listening on the port gives a connection error, not a crash."""
        # Arrange
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        fake_api.base_url = f"http://127.0.0.1:{probe.getsockname()[1]}"
        probe.close()
        # Act
        error = await run_imagine(vendor, fake_api, tmp_path)
        # Assert
        assert error.reason is ImageErrorReason.CONNECTION
        assert f"Could not reach the {vendor} image provider" in str(error)


class TestNamesAndPaths:
    """File names are slugified, unique and always inside references/."""

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("Sunset Over Water", "sunset-over-water"),
            ("../../etc/passwd", "etc-passwd"),
            ("Café   Münch!", "cafe-munch"),
            ("--a--b--", "a-b"),
            ("日本", ""),
            ("x" * 100, "x" * MAX_NAME_CHARS),
        ],
    )
    def test_slugify(self, raw: str, expected: str) -> None:
        """Slugs are lower-case [a-z0-9-], at most 48 characters."""
        # Arrange / Act
        slug = slugify(raw)
        # Assert
        assert slug == expected

    async def test_path_escape_is_neutralised(self, tmp_path: Path) -> None:
        """name="../../etc/passwd" lands in references/ as etc-passwd.png."""
        # Arrange
        refs = tmp_path / "deep" / "references"
        # Act
        path = await stub_imagine(refs, name="../../etc/passwd")
        # Assert
        assert path == (refs / "etc-passwd.png").resolve()
        assert path.parent == refs.resolve()
        assert files_under(tmp_path) == ["etc-passwd.png"]

    async def test_extension_in_name_is_dropped(self, tmp_path: Path) -> None:
        """A name given with .png is not doubled up."""
        # Arrange / Act
        path = await stub_imagine(tmp_path, name="My Sunset.PNG")
        # Assert
        assert path.name == "my-sunset.png"

    async def test_existing_names_are_uniquified_not_overwritten(self, tmp_path: Path) -> None:
        """Same name twice gives sunset.png then sunset-2.png; the first file is untouched."""
        # Arrange
        first = await stub_imagine(tmp_path, name="sunset")
        original = first.read_bytes()
        # Act
        second = await stub_imagine(tmp_path, name="sunset", data=png_bytes(10, 10))
        third = await stub_imagine(tmp_path, name="Sunset")
        # Assert
        assert [first.name, second.name, third.name] == [
            "sunset.png",
            "sunset-2.png",
            "sunset-3.png",
        ]
        assert first.read_bytes() == original
        assert files_under(tmp_path) == ["sunset-2.png", "sunset-3.png", "sunset.png"]

    async def test_uniquified_long_name_stays_within_limit(self, tmp_path: Path) -> None:
        """The -N suffix never pushes a name past 48 characters."""
        # Arrange
        await stub_imagine(tmp_path, name="y" * 60)
        # Act
        second = await stub_imagine(tmp_path, name="y" * 60)
        # Assert
        assert second.stem == "y" * (MAX_NAME_CHARS - 2) + "-2"
        assert len(second.stem) <= MAX_NAME_CHARS

    async def test_symlink_at_target_is_not_followed(self, tmp_path: Path) -> None:
        """A symlink squatting on the name is skipped; its target is never written."""
        # Arrange
        refs = tmp_path / "references"
        refs.mkdir()
        outside = tmp_path / "outside.txt"
        outside.write_text("keep me")
        (refs / "trap.png").symlink_to(outside)
        # Act
        path = await stub_imagine(refs, name="trap")
        # Assert
        assert path.name == "trap-2.png"
        assert outside.read_text() == "keep me"

    async def test_unusable_name_falls_back_to_prompt(self, tmp_path: Path) -> None:
        """A name with no usable characters is derived from the prompt's first words."""
        # Arrange / Act
        path = await stub_imagine(tmp_path, name="/// ..", prompt="Two herons by a misty river")
        # Assert
        assert path.name == "two-herons-by-a-misty-river.png"

    async def test_concurrent_same_name_gets_distinct_files(self, tmp_path: Path) -> None:
        """Parallel calls with one name never clobber each other."""
        # Arrange
        calls = [stub_imagine(tmp_path, name="storm") for _ in range(5)]
        # Act
        paths = await asyncio.gather(*calls)
        # Assert
        assert len({p.name for p in paths}) == 5
        assert all(p.stat().st_size > 0 for p in paths)


class TestPromptAndImageValidation:
    """Prompt limits, byte limits, formats and the wall-clock timeout."""

    @pytest.mark.parametrize("prompt", ["", "   \n\t "])
    async def test_empty_prompt_is_refused_before_calling_provider(
        self, prompt: str, tmp_path: Path
    ) -> None:
        """An empty prompt never reaches the provider."""
        # Arrange
        provider = StubProvider()
        # Act
        with pytest.raises(ImageGenerationError, match="prompt is empty") as info:
            await imagine(provider, prompt, name=None, references_dir=tmp_path, timeout=5)
        # Assert
        assert info.value.reason is ImageErrorReason.INVALID_REQUEST
        assert provider.prompts == []

    async def test_prompt_length_limit(self, tmp_path: Path) -> None:
        """2000 characters is fine, 2001 is refused with both numbers in the message."""
        # Arrange
        provider = StubProvider()
        # Act
        ok = await imagine(provider, "a" * 2000, name="ok", references_dir=tmp_path, timeout=5)
        with pytest.raises(ImageGenerationError, match="2001 characters; the limit is 2000"):
            await imagine(provider, "a" * 2001, name="no", references_dir=tmp_path, timeout=5)
        # Assert
        assert ok.path.exists()
        assert provider.prompts == ["a" * 2000]

    async def test_oversized_bytes_are_rejected(self, tmp_path: Path) -> None:
        """More than 20 MB is refused before any decoding."""
        # Arrange
        data = b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_IMAGE_BYTES
        # Act
        with pytest.raises(ImageGenerationError, match="the limit is 20 MB") as info:
            await stub_imagine(tmp_path, data=data)
        # Assert
        assert info.value.reason is ImageErrorReason.TOO_LARGE

    @pytest.mark.parametrize("data", [b"", b"BM" + b"\x00" * 64])
    async def test_empty_or_unsupported_format_is_invalid(
        self, data: bytes, tmp_path: Path
    ) -> None:
        """Empty data and formats outside PNG/JPEG/WebP/GIF are invalid images."""
        # Arrange / Act
        with pytest.raises(ImageGenerationError) as info:
            await stub_imagine(tmp_path, data=data)
        # Assert
        assert info.value.reason is ImageErrorReason.INVALID_IMAGE

    async def test_transparent_image_keeps_alpha_and_png_preview(self, tmp_path: Path) -> None:
        """RGBA stays RGBA on disk and the preview is a PNG; opaque previews are JPEG."""
        # Arrange
        refs = tmp_path / "references"
        # Act
        alpha = await imagine(
            StubProvider(data=png_bytes(1000, 1000, "RGBA")),
            "glass",
            references_dir=refs,
            timeout=5,
        )
        opaque = await imagine(StubProvider(), "stone", references_dir=refs, timeout=5)
        # Assert
        with Image.open(alpha.path) as saved:
            assert saved.mode == "RGBA"
        assert alpha.preview_mime == "image/png"
        with Image.open(io.BytesIO(alpha.preview_bytes)) as preview:
            assert preview.size == (768, 768)
        assert opaque.preview_mime == "image/jpeg"

    async def test_hanging_provider_hits_wall_clock_timeout(self, tmp_path: Path) -> None:
        """A provider that ignores its timeout is still cut off by asyncio.wait_for."""
        # Arrange
        provider = StubProvider(hang=True)
        # Act
        with pytest.raises(ImageGenerationError, match=r"timed out after 0\.2 s") as info:
            await imagine(provider, "waves", references_dir=tmp_path, timeout=0.2)
        # Assert
        assert info.value.reason is ImageErrorReason.TIMEOUT

    async def test_unexpected_provider_exception_is_wrapped(self, tmp_path: Path) -> None:
        """A provider bug surfaces as an ImageGenerationError naming the exception type."""
        # Arrange
        provider = StubProvider(error=RuntimeError("boom"))
        # Act
        with pytest.raises(ImageGenerationError, match="failed unexpectedly") as info:
            await imagine(provider, "waves", references_dir=tmp_path, timeout=5)
        # Assert
        assert info.value.reason is ImageErrorReason.PROVIDER
        assert "RuntimeError" in str(info.value)


def _image_settings(environ: dict[str, str]) -> ImageGenerationSettings:
    """The image section of the application's configuration read from ``environ`` only."""
    return load_config(environ, env_file=None).images


class TestSettings:
    """ImageGenerationSettings (read by the application's config) and provider_from_settings."""

    async def test_nothing_configured_means_no_provider(self) -> None:
        """No keys: no provider, so the imagine tool is not offered."""
        # Arrange
        settings = _image_settings({})
        # Act
        provider = provider_from_settings(settings)
        # Assert
        assert provider is None
        assert settings.imagine_timeout_seconds == 60.0

    async def test_google_key_selects_gemini(self) -> None:
        """GOOGLE_API_KEY alone (IMAGE_PROVIDER=auto) gives the Gemini provider."""
        # Arrange
        settings = _image_settings({"GOOGLE_API_KEY": GEMINI_KEY})
        # Act
        provider = provider_from_settings(settings)
        # Assert
        assert isinstance(provider, GeminiImageProvider)
        assert provider.model == DEFAULT_GEMINI_IMAGE_MODEL
        assert GEMINI_KEY not in repr(settings)
        assert GEMINI_KEY not in repr(provider)
        await provider.aclose()

    async def test_image_provider_openai_selects_openai(self) -> None:
        """IMAGE_PROVIDER=openai with OPENAI_API_KEY gives OpenAI, even if a Google key exists."""
        # Arrange
        settings = _image_settings(
            {
                "IMAGE_PROVIDER": "OpenAI",
                "OPENAI_API_KEY": OPENAI_KEY,
                "OPENAI_IMAGE_MODEL": "gpt-image-custom",
                "GOOGLE_API_KEY": GEMINI_KEY,
                "IMAGINE_TIMEOUT_SECONDS": "12.5",
            }
        )
        # Act
        provider = provider_from_settings(settings)
        # Assert
        assert isinstance(provider, OpenAIImageProvider)
        assert provider.model == "gpt-image-custom"
        assert settings.imagine_timeout_seconds == 12.5
        assert OPENAI_KEY not in repr(settings)
        await provider.aclose()

    async def test_openai_key_alone_does_not_enable_openai(self) -> None:
        """An OPENAI_API_KEY present for other reasons does not switch image generation on."""
        # Arrange
        settings = _image_settings({"OPENAI_API_KEY": OPENAI_KEY})
        # Act
        provider = provider_from_settings(settings)
        # Assert
        assert provider is None

    @pytest.mark.parametrize(("choice", "google_key"), [("none", GEMINI_KEY), ("auto", "  ")])
    async def test_disabled_or_blank_key_means_no_provider(
        self, choice: str, google_key: str
    ) -> None:
        """IMAGE_PROVIDER=none wins over a key; a blank key counts as unset."""
        # Arrange
        settings = _image_settings({"IMAGE_PROVIDER": choice, "GOOGLE_API_KEY": google_key})
        # Act
        provider = provider_from_settings(settings)
        # Assert
        assert provider is None

    @pytest.mark.parametrize(("choice", "missing"), [("openai", "OPENAI"), ("gemini", "GOOGLE")])
    async def test_explicit_provider_without_key_is_a_config_error(
        self, choice: str, missing: str
    ) -> None:
        """Choosing a provider explicitly without its key fails loudly at startup."""
        # Arrange
        environ = {"IMAGE_PROVIDER": choice}
        # Act
        with pytest.raises(ValidationError) as info:
            _image_settings(environ)
        # Assert
        assert f"{missing}_API_KEY" in str(info.value)


class TestImagineTool:
    """The MCP handler wraps imagine: preview image on success, tool error on failure."""

    async def _context(self, tmp_path: Path, provider: ImageProvider | None) -> ToolContext:
        state = await WorkspaceState.load_for_user(uuid.uuid4(), data_dir=tmp_path, durable=False)
        return ToolContext(state=state, image_provider=provider, image_timeout=5.0)

    async def test_success_returns_text_and_preview(self, tmp_path: Path) -> None:
        """The result names the saved file and carries the preview image."""
        # Arrange
        ctx = await self._context(tmp_path, StubProvider())
        # Act
        result = to_mcp_result(
            await imagine_tool(ctx, ImagineInput(prompt="a heron", name="heron"))
        )
        # Assert
        assert not result.is_error
        text, image = result.content
        assert text.type == "text" and "references/heron.png" in text.text
        assert image.type == "image" and image.mime_type == "image/jpeg"
        assert (ctx.references_dir / "heron.png").exists()

    async def test_failure_is_a_tool_error(self, tmp_path: Path) -> None:
        """An ImageGenerationError comes back as an is_error result with its message."""
        # Arrange
        ctx = await self._context(tmp_path, StubProvider(data=b"nope"))
        # Act
        result = to_mcp_result(await imagine_tool(ctx, ImagineInput(prompt="a heron")))
        # Assert
        assert result.is_error
        assert "not a valid PNG" in result.content[0].text
