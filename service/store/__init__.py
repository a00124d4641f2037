"""What the service keeps: the JWT ids already seen, the issued cards and their feedback, the assessments
that card links open, SMART launches under way, and the key that signs those links.

One interface (``Store``), two databases: an embedded SQLite file (the default, one machine) and
PostgreSQL (``BONEMET_DATABASE_URL``), which several instances behind one address share. The schema is
versioned (``migrations``) and brought up to date at start-up by whichever instance starts first.
"""

from __future__ import annotations

from .base import Store, StoreUnavailable

__all__ = ["Store", "StoreUnavailable", "open_store"]


def open_store(database_url: str, sqlite_path: str) -> Store:
    """PostgreSQL when ``database_url`` names one (postgresql://...), else the SQLite file."""
    if database_url:
        if not database_url.startswith(("postgresql://", "postgres://")):
            raise ValueError("BONEMET_DATABASE_URL must be a PostgreSQL URL (postgresql://user@host:port/name); "
                             "leave it empty for the SQLite file BONEMET_FEEDBACK_DB")
        from .postgres import PostgresStore

        return PostgresStore(database_url)
    from .sqlite import SqliteStore

    return SqliteStore(sqlite_path)
