"""HTTP route handlers (FastAPI routers), one module per area; :mod:`.routers` gathers them."""
