"""CDS Hooks feedback, kept in the service's store (``service.store``) across restarts and instances.

Feedback is checked against the cards the service issued (remembered for
``BONEMET_FEEDBACK_WINDOW_HOURS``): a card it never issued, a suggestion that card did
not carry, or an accepted outcome without the accepted suggestions is refused with the
reason. The same feedback sent twice is stored once.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from ..store import Store, StoreUnavailable

__all__ = ["FeedbackRefused", "FeedbackStore", "StoreUnavailable"]


class FeedbackRefused(ValueError):
    """Feedback that does not match a card the service issued; the message says which and why."""


class FeedbackStore:
    def __init__(self, store: Store, window_hours: float = 72.0) -> None:
        self.store = store
        self.window = int(window_hours * 3600)

    def writable(self) -> str | None:
        """None when the store can be written now, else why not (the readiness probe asks)."""
        return self.store.writable()

    def remember_cards(self, service_id: str, cards: list[dict]) -> None:
        """Remember the cards about to be sent (and their suggestions) so that feedback can be checked: done
        before the answer leaves, so that feedback sent at once finds its card. Raises ``StoreUnavailable``."""
        now = int(time.time())
        rows = [(card["uuid"], service_id, json.dumps([s["uuid"] for s in card.get("suggestions") or []]), now)
                for card in cards]
        if rows:
            self.store.remember_cards(rows, now - self.window)

    def check(self, service_id: str, items: list[dict]) -> None:
        """Raise ``FeedbackRefused`` naming the first item that does not match an issued card."""
        try:
            found = self.store.issued_suggestions(service_id, [item["card"] for item in items],
                                                  int(time.time()) - self.window)
        except StoreUnavailable as error:
            raise StoreUnavailable(f"the feedback could not be checked ({error}); send it again later") from None
        issued = {card: json.loads(suggestions) if suggestions else None for card, suggestions in found.items()}
        for index, item in enumerate(items):
            where = f"feedback[{index}]"
            suggestions = issued[item["card"]]
            if suggestions is None:
                raise FeedbackRefused(f"{where}.card {item['card']} is not a card this service ({service_id}) issued "
                                      f"in the last {self.window // 3600} hours")
            accepted = [s["id"] for s in item.get("acceptedSuggestions") or []]
            if item["outcome"] == "accepted" and not accepted:
                raise FeedbackRefused(f"{where}: an accepted outcome needs acceptedSuggestions (CDS Hooks)")
            unknown = [s for s in accepted if s not in suggestions]
            if unknown:
                raise FeedbackRefused(f"{where}.acceptedSuggestions: {', '.join(unknown)} is not a suggestion of "
                                      f"card {item['card']}")

    def add(self, service_id: str, items: list[dict]) -> tuple[int, int]:
        """Store the feedback; (stored, already stored before)."""
        received = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [(service_id, item["card"], item["outcome"],
                 json.dumps(item.get("acceptedSuggestions")) if item.get("acceptedSuggestions") else None,
                 json.dumps(item.get("overrideReason")) if item.get("overrideReason") else None,
                 item["outcomeTimestamp"].isoformat(), received) for item in items]
        try:
            stored = self.store.add_feedback(rows)
        except StoreUnavailable as error:
            raise StoreUnavailable(f"the feedback could not be stored ({error}); send it again later") from None
        return stored, len(rows) - stored

    def all(self) -> list[dict[str, Any]]:
        return self.store.all_feedback()
