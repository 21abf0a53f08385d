"""JSON log lines (PROMPTPRO_LOG_FORMAT=json): one object a line, and never a secret."""

from __future__ import annotations

import io
import json
import logging

import httpx

from promptpro.app import create_app
from promptpro.config import Settings
from promptpro.logs import configure_logging

SECRET = "pp_s3cr3t-token-that-must-not-leak"


def capture_root_handlers() -> io.StringIO:
    """Point the handlers configure_logging installed at a buffer, and return it."""
    buffer = io.StringIO()
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(buffer)
    return buffer


def lines(buffer: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_each_line_is_one_json_object() -> None:
    configure_logging("INFO", "json")
    buffer = capture_root_handlers()
    log = logging.getLogger("promptpro.test")
    try:
        log.info("hello %s", "world\nsecond line")
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("it failed")
    finally:
        configure_logging("INFO")
    first, second = lines(buffer)
    assert first["message"] == "hello world\nsecond line"
    assert (first["level"], first["logger"]) == ("INFO", "promptpro.test")
    assert first["time"].endswith("+00:00")
    assert second["message"] == "it failed"
    assert "ValueError: boom" in second["exception"]


async def test_request_lines_carry_no_query_token_or_header(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"log_format": "json"}))
    buffer = capture_root_handlers()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                await client.get(
                    f"/api/v1/prompts?token={SECRET}",
                    headers={"Authorization": f"Bearer {SECRET}"},
                )
                await client.post("/api/v1/auth/login", json={"username": "x", "password": SECRET})
    finally:
        configure_logging("INFO")
    logged = lines(buffer)
    access = [line for line in logged if line["logger"] == "promptpro.access"]
    assert [line["message"].split()[:3] for line in access] == [
        ["GET", "/api/v1/prompts", "401"],
        ["POST", "/api/v1/auth/login", "401"],
    ]
    assert SECRET not in json.dumps(logged)
