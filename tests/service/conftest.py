"""A service app under FastAPI's test client, with fast classical methods first and the bundled model."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("fastapi", reason="hush[serve] not installed")
    pytest.importorskip("httpx", reason="httpx not installed (hush[serve-test])")
    from fastapi.testclient import TestClient

    from hush.service import ServiceConfig, create_app

    app = create_app(ServiceConfig(methods=("wiener", "mmse-lsa", "default"), max_upload_mb=1, max_seconds=20))
    with TestClient(app) as c:
        assert app.state.hush.catalog.wait(60)
        yield c
