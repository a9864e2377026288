"""The library of drawable subjects, one module per family; :mod:`.library` gathers them."""
