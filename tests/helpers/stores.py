"""The PostgreSQL server the hub's store tests use, or a skip where none answers."""

from __future__ import annotations

import pytest

PG_URL = "postgresql://127.0.0.1:5432/test"


def postgres_or_skip() -> str:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=2):
            pass
    except Exception as error:  # any failure to connect means: no PostgreSQL here
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 did not answer ({type(error).__name__})")
    return PG_URL
