"""Runs of scenario s1 played through the ports, for the report and retention tests."""

from __future__ import annotations

from bot.storage import ChoiceRecord, Profile
from bot.storage.ports import PlayerStore

Pick = tuple[str, str, str, str]  # step, choice, strategy, assessment


async def play(
    players: PlayerStore,
    user: str,
    run_id: str,
    picks: list[Pick],
    *,
    finish: bool = True,
    class_id: int | None = None,
) -> None:
    """One run of scenario s1 making `picks`, finished after the last unless not `finish`."""
    run = {"scenario": "s1", "version": 1, "run": run_id, "at": "x", "path": [], "finished": False}
    await players.start_run(user, run, class_id)
    for n, (step, choice, strategy, assessment) in enumerate(picks):
        last = finish and n == len(picks) - 1
        record = ChoiceRecord(run_id, "s1", 1, step, choice, strategy, assessment, "during")
        await players.save_progress(user, run, record, last)


async def seed(players: PlayerStore, users: int, prefix: str, class_id: int | None = None) -> None:
    """`users` people, half of each of two age bands, each with a finished run (two
    thirds helpful at step a) and a run left in progress."""
    for n in range(users):
        user = f"{prefix}{n}"
        await players.save_profile(Profile(user, "sv", "16_17" if n % 2 else "18_19", "save"))
        helpful = n % 3 != 0
        pick = ("a", "good", "delegate", "helpful") if helpful else ("a", "bad", "none", "harmful")
        await play(players, user, "r1", [pick, ("b", "ok", "delay", "helpful")], class_id=class_id)
        await play(players, user, "r2", [("a", "good", "delegate", "helpful")], finish=False)
