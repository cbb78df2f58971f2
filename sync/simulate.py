"""A scripted node: learners, sittings and credentials written straight into an event
log through ``credentials.issuance``, as the edge node would. The tests, the sync
benchmark and the demo use it to build backlogs of any size quickly; ``hub.simulate``
enrols one at an in-process hub and pushes its log there."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from credentials.certificates import make_request
from credentials.claims import MicroCredential
from credentials.issuance import issue
from credentials.keys import SigningKey
from sync.client import ReissueRequest
from sync.eventlog import EventType, append_event, migrate_events

GIVEN = ("Amina", "Baraka", "Chausiku", "Daudi", "Eshe", "Faraji", "Gati", "Halima", "Imani")
FAMILY = ("Mwangi", "Otieno", "Njeri", "Kamau", "Wanjiru", "Achieng", "Mutua", "Chebet")


@dataclass
class ScriptedNode:
    """A node identity and its log; ``clock`` stamps every event (set it to skew time)."""

    db: Database
    key: SigningKey
    node_id: str
    node_name: str = "Scripted centre"
    clock: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    clock_quality: str = "hub"
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    status_index: int = 0
    learners: int = 0

    def __post_init__(self) -> None:
        migrate_events(self.db)

    @classmethod
    def create(cls, node_id: str, *, seed: int = 1, db: Database | None = None) -> ScriptedNode:
        key = SigningKey.from_seed(bytes([seed]) * 32)
        database = db if db is not None else Database(memory=True)
        return cls(database, key, node_id, rng=random.Random(seed))

    def request(self) -> bytes:
        return make_request(self.key, self.node_id, self.node_name)

    def _append(self, type: EventType, body: dict[str, object]) -> int:
        self.clock += timedelta(seconds=self.rng.randint(20, 90))
        return append_event(
            self.db,
            node_id=self.node_id,
            type=type,
            body=body,
            at=self.clock,
            clock_quality=self.clock_quality,
        )

    def register(
        self, name: str | None = None, *, birth_year: int | None = None, gender: str = "f"
    ) -> str:
        self.learners += 1
        learner = f"{self.node_id}-L{self.learners}"
        with self.db.atomic():
            self._append(
                EventType.learner_registered,
                {
                    "id": learner,
                    "code": f"{self.learners:06d}",
                    "name": name or f"{self.rng.choice(GIVEN)} {self.rng.choice(FAMILY)}",
                    "language": "sw",
                    "birth_year": birth_year or self.rng.randint(1960, 2006),
                    "gender": gender,
                    "consent": True,
                },
            )
        return learner

    def sit_and_issue(
        self, learner: str, *, module: str = "soil-health", items: int = 10, name: str = "A"
    ) -> bytes:
        """One passed sitting and its credential, each event in its own transaction."""
        self.status_index += 1
        sitting = f"S{self.status_index}"
        answers = {f"q{i}": self.rng.randint(0, 3) for i in range(items)}
        score = self.rng.randint(60, 100)
        with self.db.atomic():
            self._append(
                EventType.sitting_submitted,
                {
                    "id": sitting,
                    "learner": learner,
                    "module": module,
                    "module_version": "1.0.0",
                    "route": "course",
                    "answers": answers,
                    "score_percent": score,
                    "passed": True,
                },
            )
        credential = MicroCredential(
            issuer=self.node_id,
            subject=learner,
            issued_at=self.clock.replace(microsecond=0),
            credential_id=self.rng.randbytes(16),
            module_id=module,
            module_version="1.0.0",
            outcomes=(True,) * 6 + (score > 80,),
            score_percent=score,
            route="course",
            holder_name=name,
            status_index=self.status_index,
        )
        cose = issue(self.key, credential)
        with self.db.atomic():
            self._append(
                EventType.credential_issued, {"cose": cose, "learner": learner, "sitting": sitting}
            )
        return cose

    def reissue(self, request: ReissueRequest) -> bytes:
        """Issue a credential the hub asked for again, on the next slot, as a node does."""
        self.status_index += 1
        credential = request.replacement(
            self.key, credential_id=self.rng.randbytes(16), status_index=self.status_index
        )
        cose = issue(self.key, credential)
        with self.db.atomic():
            self._append(
                EventType.credential_issued,
                {"cose": cose, "learner": request.learner, "replaces": request.credential_id},
            )
        return cose

    def backlog(self, credentials: int) -> None:
        """``credentials`` new learners, each registered, passing and credentialled."""
        for _ in range(credentials):
            self.sit_and_issue(self.register())
