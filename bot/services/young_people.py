"""The young person's chat, wired: its capabilities on one `PlayerDesk` each, sharing the
stores, the class membership and the questionnaire."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.catalog import Catalog
from bot.services.account import Account
from bot.services.membership import Membership
from bot.services.onboarding import Onboarding
from bot.services.play import PlayService
from bot.services.player import RolesOf, no_roles
from bot.services.questionnaire import QuestionnaireFlow
from bot.services.survey import SurveyService
from bot.storage.ports import PlayerStore


@dataclass(frozen=True)
class YoungPeople:
    onboarding: Onboarding
    play: PlayService
    questionnaire: QuestionnaireFlow
    account: Account

    @property
    def capabilities(self) -> list[object]:
        """What the router collects buttons and commands from."""
        return [self.onboarding, self.play, self.questionnaire, self.account]


def build_young_people(
    catalog: Catalog,
    store: PlayerStore,
    ephemeral: PlayerStore,
    membership: Membership | None = None,
    survey: SurveyService | None = None,
    retention_months: int = 12,
    min_group: int = 5,
    roles_of: RolesOf = no_roles,
) -> YoungPeople:
    """`roles_of`: a person's staff roles; staff may choose a draft language to preview it."""
    shared = (catalog, store, ephemeral, membership, survey, retention_months, min_group, roles_of)
    play = PlayService(*shared)
    return YoungPeople(
        Onboarding(*shared, play=play),
        play,
        QuestionnaireFlow(*shared, play=play),
        Account(*shared),
    )
