from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.engine import callback_data
from bot.engine.callback_data import Action, decode


def test_answers_round_trip() -> None:
    action = callback_data.answer("abc123", "bus", "driver")
    assert decode(action.encode()) == action


def test_forged_or_malformed_data_decodes_to_nothing() -> None:
    for forged in ("", None, "a::", "x" * 65, "a:abc:ste p:x", "a:ä:b:c", "🙂"):
        assert decode(forged) is None


def test_encoding_refuses_data_over_telegrams_limit() -> None:
    try:
        Action("a", ("x" * 70,)).encode()
    except ValueError:
        return
    raise AssertionError("64-byte limit not enforced")


@given(st.text(max_size=200))
def test_decode_never_raises(data: str) -> None:
    action = decode(data)
    assert action is None or action.encode() == data
