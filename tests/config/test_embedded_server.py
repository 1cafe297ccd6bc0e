"""The embedded PostgreSQL runs with settings sized for the sweep, not the defaults of 128 MB."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from config import embedded

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("memory_mb", "shared_buffers", "cache"),
    [
        (256, "128MB", "512MB"),  # a quarter is below PostgreSQL's default: the default
        (512, "128MB", "512MB"),
        (516, "129MB", "512MB"),
        (4096, "1024MB", "2048MB"),
        (24 * 1024, "6144MB", "12288MB"),
        (32 * 1024, "8192MB", "16384MB"),  # a quarter is 8 GB: the cap
        (64 * 1024, "8192MB", "32768MB"),
    ],
)
def test_shared_buffers_are_a_quarter_of_the_memory_between_128_mb_and_8_gb(
    memory_mb, shared_buffers, cache
):
    assert embedded.server_settings(memory_mb * MB) == {
        "shared_buffers": shared_buffers,
        "effective_cache_size": cache,
        "max_wal_size": "2048MB",
    }


@pytest.mark.django_db
def test_the_embedded_server_runs_with_them():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('data_directory')")
        if Path(cursor.fetchone()[0]).resolve() != embedded.PG_DATA.resolve():
            pytest.skip("the tests run on a server of DATABASE_URL, not the embedded one")
        for name, value in embedded.server_settings(embedded._memory_bytes()).items():
            cursor.execute(
                "SELECT pg_size_bytes(current_setting(%s)) = pg_size_bytes(%s)", [name, value]
            )
            assert cursor.fetchone()[0], name
