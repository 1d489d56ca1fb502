"""The HTTP API (FastAPI): OpenAPI is the contract. Build the app with :func:`create_app`."""

from councilplan.api.app import create_app

__all__ = ["create_app"]
