"""The web app (FastAPI); see :func:`neckcheck.web.app.create_app`."""
