"""A fake Telegram Bot API for end-to-end tests with a real python-telegram-bot Application.

Example::

    async def test_start(fake_bot_api: FakeBotApi) -> None:
        app = build_my_bot(fake_bot_api.application_builder())
        user = fake_bot_api.user(user_id=42, first_name="Alva", language_code="sv")
        async with running_application(app):
            await user.send("/start")  # returns once the bot has settled
            assert user.buttons() == ["Ja", "Nej"]
            await user.click("Ja")
        assert user.last.text == "Du valde: yes"
        assert fake_bot_api.unanswered_callback_queries() == []

Groups, forum topics and native polls::

        klass = fake_bot_api.group("8B", [teacher, pupil], forum=True)
        await klass.add_bot(by=teacher)  # my_chat_member, then privacy mode applies
        lesson = await klass.topic("Lektion")
        await teacher.send_in(klass, "/lesson", thread_id=lesson)
        await klass.vote(pupil, 0)  # the bot gets a `poll` update with the new counts
        assert klass.last_poll.counts[0] == 1 and klass.last_poll.is_anonymous
"""

from .application import running_application
from .errors import ApiError
from .group import FakeGroup
from .server import FakeBotApi, Hold, RecordedRequest
from .state import CallbackQueryRecord
from .user import TINY_PNG, FakeUser, PollView, VisibleMessage

__all__ = [
    "TINY_PNG",
    "ApiError",
    "CallbackQueryRecord",
    "FakeBotApi",
    "FakeGroup",
    "FakeUser",
    "Hold",
    "PollView",
    "RecordedRequest",
    "VisibleMessage",
    "running_application",
]
