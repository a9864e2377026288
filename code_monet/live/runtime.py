"""The live parts of a running server, shared by the WebSocket endpoint and the routes.

``create_app``'s lifespan builds one ``ServerRuntime`` and puts it in the app's services
(``routes.services.AppServices.runtime``); handlers reach it through ``routes.deps.RuntimeDep``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from code_monet.auth.service import AuthService
from code_monet.db.engine import Database
from code_monet.live.connections import ConnectionManager
from code_monet.live.options import ServerSettings
from code_monet.live.registry import WorkspaceRegistry
from code_monet.live.shutdown import ShutdownCoordinator
from code_monet.render.cache import ContentCache
from code_monet.render.gate import RenderGate
from code_monet.tools.parse_slots import ParseSlots


@dataclass
class ServerRuntime:
    settings: ServerSettings
    data_dir: Path
    database: Database
    auth: AuthService
    connections: ConnectionManager
    registry: WorkspaceRegistry
    shutdown: ShutdownCoordinator
    content_cache: ContentCache  # rendered artefacts: one per server, shared by every route
    parses: ParseSlots  # the server-wide cap on agent-output parses, shared by every agent
    dev_mode: bool = False
    renders: RenderGate = field(default_factory=RenderGate)  # the app's PNG render budget
    started_at: float = field(default_factory=time.time)
