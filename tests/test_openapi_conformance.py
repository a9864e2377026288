"""The published OpenAPI schema and the real server agree (issue 15): a bounded schemathesis
run against ``/openapi.json`` of a running server finds no 5xx and no response that violates
the schema. Few examples per operation (15) keep it to about 20 s."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from test_hardening_renders import public_piece

from tests.fakes.server import running_server

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = 15
CHECKS = "not_a_server_error,response_schema_conformance"


class TestOpenApiConformance:
    """Every operation, fuzzed a little, signed in as the local user."""

    async def test_no_server_errors_nor_schema_violations(self, tmp_path: Path) -> None:
        # Arrange
        assert SCHEMATHESIS.exists(), "schemathesis is missing: pip install -e '.[dev]'"
        async with running_server(tmp_path / "data") as server:
            token = await server.local_token()
            user_id = (await public_piece(server)).split("/")[3]  # a public piece to fetch
            config = tmp_path / "schemathesis.toml"
            config.write_text(
                f'[parameters]\n"path.user_id" = "{user_id}"\n"path.piece_id" = "piece_000001"\n'
            )
            command = [
                str(SCHEMATHESIS),
                f"--config-file={config}",
                "run",
                f"{server.base_url}/openapi.json",
                f"--checks={CHECKS}",
                f"--max-examples={MAX_EXAMPLES}",
                "--seed=15",
                "--request-timeout=20",
                "--phases=examples,fuzzing",
                "--suppress-health-check=all",
                f"--header=Authorization: Bearer {token}",
                "--exclude-path-regex=^/(ws|auth/logout|auth/sessions)",
            ]
            # Act: the CLI in a subprocess, so this event loop keeps serving it
            process = await asyncio.create_subprocess_exec(
                *command,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                cwd=tmp_path,
            )
            output, _ = await asyncio.wait_for(process.communicate(), timeout=240)
        # Assert
        report = output.decode(errors="replace")
        assert process.returncode == 0, report[-6000:]
