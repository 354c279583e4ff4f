"""The web app (FastAPI; see :func:`neckcheck.web.app.create_app`), and how it is served.

The server's timings live here, where the command line reads them without importing the app.
"""

# How long an idle connection stays open: longer than a proxy keeps its idle connections to
# the server (the shipped nginx: 4 s), so that the proxy, not the server, closes them.
KEEP_ALIVE_SECONDS = 75
# How long a stopping server waits for requests in progress and for a proxy's idle
# connections to close: longer than the proxy's keep-alive.
GRACEFUL_SECONDS = 30
