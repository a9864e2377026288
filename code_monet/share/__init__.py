"""Public sharing: the public gallery and its piece index (:mod:`.index`), share links with
server-rendered pages, social preview images, exports (SVG, plotter SVG, PNG), sitemap and
robots. The HTTP side lives in ``code_monet.routes`` (gathered by ``routes.routers``).
"""
