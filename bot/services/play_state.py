"""A scenario played together, in the room (hands counted aloud) or in a Telegram group
(a poll): where its story is and what the room is doing, stored as JSON with the play.
One format for both ways, so the projector page reads either."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.engine.engine import Run
from bot.storage.records import Play

COUNTS = "counts"  # in the room: the youth worker types the step's hands
VOTES = "votes"  # in a group: a poll is open (or about to be posted)
FOLLOW = "follow"  # the step's numbers are in; the leader picks the path
DONE = "done"  # the story has ended


@dataclass
class PlayState:
    run: Run
    awaiting: str  # COUNTS | VOTES | FOLLOW | DONE
    poll_id: str | None = None  # a group's open poll
    poll_message: int | None = None
    counts: list[int] = field(default_factory=list)  # FOLLOW: the step's hands or votes

    def to_json(self) -> dict:
        return {
            "run": self.run.to_json(),
            "awaiting": self.awaiting,
            "poll": self.poll_id,
            "poll_message": self.poll_message,
            "counts": self.counts,
        }

    @classmethod
    def of(cls, play: Play) -> PlayState:
        data = play.state
        return cls(
            Run.from_json(data["run"]),
            data["awaiting"],
            data.get("poll"),
            data.get("poll_message"),
            list(data.get("counts", [])),
        )

    @property
    def shown_counts(self) -> list[int] | None:
        """The step's numbers while the room looks at them, else None."""
        return self.counts if self.awaiting == FOLLOW else None
