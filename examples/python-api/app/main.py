"""HTTP endpoints: /health without a database, /db with one, /slow for a request in flight."""

from __future__ import annotations

import asyncio
import contextlib
import os

import psycopg2
from fastapi import FastAPI
from fastapi.responses import JSONResponse

# Where the service looks for PostgreSQL when DATABASE_URL is not set (a Compose service "db").
DEFAULT_DATABASE_URL = "postgresql://postgres@db:5432/postgres"

app = FastAPI(title="python-api", version="1.0.0")


def database_url() -> str:
    return os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)


def connect_timeout() -> int:
    """Seconds psycopg2 (libpq) waits for a connection; short, so /db fails fast."""
    return int(os.environ.get("DB_CONNECT_TIMEOUT", "2"))


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness: the process answers; the database is not consulted."""
    return {"status": "ok"}


@app.get("/slow")
async def slow(seconds: float = 2.0) -> dict[str, float]:
    """A request that takes a while (at most 30 s), to show that `docker stop` lets it finish."""
    seconds = min(max(seconds, 0.0), 30.0)
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@app.get("/db")
def db() -> JSONResponse:
    """Readiness of the database: 200 with the server version, or 503 with the reason."""
    try:
        with contextlib.closing(psycopg2.connect(database_url(), connect_timeout=connect_timeout())) as conn:
            with conn.cursor() as cursor:
                cursor.execute("SELECT version()")
                (version,) = cursor.fetchone()
    except psycopg2.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return JSONResponse(
            status_code=503,
            content={"status": "unavailable", "error": type(error).__name__, "detail": reason},
        )
    return JSONResponse(content={"status": "ok", "version": version})
