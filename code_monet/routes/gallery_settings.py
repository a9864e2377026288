"""``GET|PUT /settings/gallery``: whether the signed-in user's gallery is public.

Opting in reconciles the user's piece index with their gallery directory first, so pieces
written by other paths (CLI import) are listed at once.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, status

from code_monet.db.repository import users
from code_monet.routes.deps import CurrentUser, DatabaseDep, DataDirDep
from code_monet.share.index import reconcile_user
from code_monet.share.schemas import GallerySettings

logger = logging.getLogger(__name__)


def create_gallery_settings_router() -> APIRouter:
    router = APIRouter(tags=["gallery"])

    @router.get("/settings/gallery", response_model=GallerySettings)
    async def get_gallery_settings(user: CurrentUser) -> GallerySettings:
        return GallerySettings(gallery_public=user.gallery_public)

    @router.put("/settings/gallery", response_model=GallerySettings)
    async def put_gallery_settings(
        body: GallerySettings, user: CurrentUser, database: DatabaseDep, data_dir: DataDirDep
    ) -> GallerySettings:
        """Opt in to (or out of) the public gallery."""
        if body.gallery_public:
            try:
                await reconcile_user(database, data_dir, user.id)
            except Exception:  # the index heals lazily; opting in must still work
                logger.exception("Reconciling the gallery index of %s on opt-in failed", user.id)
        async with database.transaction() as session:
            updated = await users.set_gallery_public(session, user.id, body.gallery_public)
        if updated is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Your account no longer exists")
        logger.info("User %s set gallery_public=%s", user.id, updated.gallery_public)
        return GallerySettings(gallery_public=updated.gallery_public)

    return router
