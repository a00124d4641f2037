"""What the service keeps: the JWT ids already seen, the issued cards and their feedback, the assessments
that card links open, SMART launches under way, and the key that signs those links.

One interface (``Store``), two databases: an embedded SQLite file (the default, one machine) and
PostgreSQL (``BONEMET_DATABASE_URL``), which several instances behind one address share. The schema is
versioned (``migrations``) and brought up to date at start-up by whichever instance starts first.
"""

from __future__ import annotations

from .base import Store, StoreUnavailable, open_store

__all__ = ["Store", "StoreUnavailable", "open_store"]
