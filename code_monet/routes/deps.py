"""FastAPI dependencies shared by the routers: the data directory and the server settings.

``create_app`` stores both on ``app.state``; routers read them through these dependencies so a
test can build an app over a temporary directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI
from starlette.requests import HTTPConnection

from code_monet.app.config import ServerSettings


def install_paths(app: FastAPI, data_dir: Path, settings: ServerSettings) -> None:
    """Make ``data_dir`` and ``settings`` available to every route of ``app``."""
    app.state.data_dir = data_dir
    app.state.server_settings = settings


def get_data_dir(connection: HTTPConnection) -> Path:
    data_dir = getattr(connection.app.state, "data_dir", None)
    if not isinstance(data_dir, Path):
        raise RuntimeError("The data directory is not installed on this app (install_paths)")
    return data_dir


def get_server_settings_dep(connection: HTTPConnection) -> ServerSettings:
    settings = getattr(connection.app.state, "server_settings", None)
    if not isinstance(settings, ServerSettings):
        raise RuntimeError("Server settings are not installed on this app (install_paths)")
    return settings


DataDirDep = Annotated[Path, Depends(get_data_dir)]
ServerSettingsDep = Annotated[ServerSettings, Depends(get_server_settings_dep)]
