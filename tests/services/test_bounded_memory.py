"""What the bot keeps in memory per person is bounded in size and forgotten when idle, so
people opening the bot from many accounts cannot make it grow without end."""

from __future__ import annotations

from bot.bounded import BoundedDict
from bot.services.membership import WRONG_CODE_LIMIT, WRONG_CODE_WINDOW_S, Membership
from bot.storage.memory.membership import LocalUnsavedMemory
from bot.storage.memory.store import EphemeralStore
from bot.storage.records import Profile


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_least_recently_used_goes_first_and_the_idle_expire() -> None:
    clock = Clock()
    memory: BoundedDict[str, int] = BoundedDict(2, 60, clock)
    memory["a"], memory["b"] = 1, 2
    assert memory.get("a") == 1  # a use: now "b" is the least recently used
    memory["c"] = 3
    assert "b" not in memory and memory.get("a") == 1 and len(memory) == 2
    clock.now += 30
    assert memory.get("c") == 3
    clock.now += 31  # "a" unused for 61 s, "c" for 31 s
    assert "a" not in memory and memory.get("c") == 3
    assert memory.pop("c") == 3 and len(memory) == 0


async def test_memory_only_play_is_forgotten_when_full_or_idle() -> None:
    clock = Clock()
    store = EphemeralStore(max_people=3, max_idle_s=3600, clock=clock)
    for n in range(5):
        await store.save_profile(Profile(f"p{n}", "sv", "16_17", "nosave"))
        await store.start_run(f"p{n}", {"run": f"r{n}"})
    assert len(store) == 3
    assert await store.get_profile("p0") is None and await store.get_active_run("p1") is None
    assert (await store.get_active_run("p4"))["run"] == "r4"
    clock.now += 1800
    assert await store.get_profile("p4") is not None  # playing keeps it
    clock.now += 1801
    assert await store.get_profile("p2") is None, "an hour without use"
    assert await store.get_profile("p4") is not None
    assert len(store) == 1


async def test_class_links_and_wrong_codes_are_bounded_and_still_limit() -> None:
    clock = Clock()
    memory = LocalUnsavedMemory(WRONG_CODE_WINDOW_S, max_people=3, clock=clock)
    membership = Membership(classes=None, memory=memory)  # type: ignore[arg-type]
    for n in range(10):
        await membership.remember(f"p{n}", 7)
        await membership.note_wrong_code(f"p{n}")
    assert len(memory.classes) == 3 and len(memory.wrong) == 3
    for _ in range(WRONG_CODE_LIMIT - 1):
        await membership.note_wrong_code("p9")
    assert await membership.too_many_wrong_codes("p9")
    clock.now += WRONG_CODE_WINDOW_S + 1
    assert not await membership.too_many_wrong_codes("p9")
    assert len(memory.wrong) == 0, "forgotten once their window has passed"
