"""Tests of the HTTP endpoints; no PostgreSQL server is needed."""

from __future__ import annotations

import psycopg2
import pytest
from fastapi.testclient import TestClient

from app import main


@pytest.fixture
def client() -> TestClient:
    return TestClient(main.app)


def test_health_answers_without_a_database(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_slow_answers_after_the_time_asked_for_within_bounds(client: TestClient) -> None:
    assert client.get("/slow", params={"seconds": 0}).json() == {"slept": 0.0}
    assert client.get("/slow", params={"seconds": -1}).json() == {"slept": 0.0}


def test_db_is_503_when_the_server_refuses(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    response = client.get("/db")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["error"] == "OperationalError"
    assert body["detail"]


def test_db_is_503_for_a_malformed_url(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "not a database url")
    response = client.get("/db")
    assert response.status_code == 503
    assert response.json()["error"] == "ProgrammingError"


class FakeCursor:
    def __enter__(self) -> FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute(self, sql: str) -> None:
        assert sql == "SELECT version()"

    def fetchone(self) -> tuple[str]:
        return ("PostgreSQL 17.0",)


class FakeConnection:
    closed = False

    def cursor(self) -> FakeCursor:
        return FakeCursor()

    def close(self) -> None:
        self.closed = True


def test_db_reports_the_server_version(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = FakeConnection()
    seen: dict[str, object] = {}

    def fake_connect(dsn: str, connect_timeout: int) -> FakeConnection:
        seen.update(dsn=dsn, connect_timeout=connect_timeout)
        return connection

    monkeypatch.setenv("DATABASE_URL", "postgresql://app@postgres:5432/app")
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "3")
    monkeypatch.setattr(psycopg2, "connect", fake_connect)
    response = client.get("/db")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "PostgreSQL 17.0"}
    assert seen == {"dsn": "postgresql://app@postgres:5432/app", "connect_timeout": 3}
    assert connection.closed


def test_default_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DB_CONNECT_TIMEOUT", raising=False)
    assert main.database_url() == main.DEFAULT_DATABASE_URL
    assert main.connect_timeout() == 2
