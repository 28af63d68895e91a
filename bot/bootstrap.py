"""The wiring point: configuration → content, keys, storage and services.

Everything but Telegram, so the server commands and author tools need no Telegram
libraries; bot.telegram.runtime puts these services behind PTB's Application.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import BotConfig, ConfigError, shipped_dir
from bot.content.catalog import Catalog, load_catalog
from bot.content.diagnostics import Report
from bot.content.locales import HELP_FILE, load_locales
from bot.engine.model import SOURCE_LANGUAGE
from bot.services.class_results import ClassResults
from bot.services.classes import ClassService
from bot.services.entry import Entry
from bot.services.facilitation import FacilitationService
from bot.services.group_play import GroupPlayService, GroupSettings
from bot.services.lessons import LessonService
from bot.services.membership import Membership
from bot.services.menus import CommandMenus
from bot.services.presenter import Presenter
from bot.services.reports import ReportService
from bot.services.roles import RoleService
from bot.services.routing import Router
from bot.services.staff import StaffSettings
from bot.services.survey import SurveyService
from bot.services.young_people import YoungPeople, build_young_people
from bot.storage.addresses import AddressBox, ChatKeys
from bot.storage.deletions import DeletionLog
from bot.storage.errors import NoDatabase
from bot.storage.keys import Secrets, holds_data, load_secrets, pseudonym
from bot.storage.memory.store import EphemeralStore
from bot.storage.sqlite.classes import ClassStore
from bot.storage.sqlite.evaluation import EvaluationStore
from bot.storage.sqlite.lessons import LessonStore
from bot.storage.sqlite.store import SqlCipherStore

log = logging.getLogger("bystander")


def load_content(config: BotConfig) -> Catalog:
    catalog = load_catalog([config.scenarios_dir], config.locales_dir)
    if catalog.report.errors:
        first = catalog.report.sorted()[0]
        raise ConfigError(f"the interface strings in {config.locales_dir} have errors: {first}")
    lacking = _texts_lacking(catalog, config)
    if lacking:
        raise ConfigError(
            f"the interface strings in {config.locales_dir} lack {len(lacking)} text(s) this "
            f"version uses, e.g. {lacking[0]}: copy the shipped locales of this version again "
            "(docs/operations.md#local-help-lines)"
        )
    for item in catalog.loaded:
        if item.scenario is None:
            log.warning(
                "scenario %s is not offered: %d error(s); run: bystander lint %s",
                item.path,
                len(item.report.errors),
                item.path,
            )
    for language, coverage in catalog.locales.coverage.items():
        if coverage.missing:
            log.warning(
                "interface language %s lacks %d of %d texts; they are shown in English. "
                "Run: bystander lint",
                language,
                coverage.missing,
                coverage.total,
            )
    if not catalog.scenarios:
        raise ConfigError(f"no playable scenarios in {config.scenarios_dir}")
    return catalog


def _texts_lacking(catalog: Catalog, config: BotConfig) -> list[str]:
    """Swedish texts of the shipped locales that a center's own folder (BYSTANDER_LOCALES)
    lacks, as after an upgrade that added some: the bot would fail where it shows one."""
    shipped = shipped_dir("locales")
    if config.locales_dir.resolve() == shipped.resolve():
        return []
    ours = catalog.locales.strings.get(SOURCE_LANGUAGE, {})
    source = load_locales(shipped, Report(), []).strings.get(SOURCE_LANGUAGE, {})
    return sorted(set(source) - set(ours))


def hidden_help_lines(catalog: Catalog, config: BotConfig) -> list[str]:
    """A sentence for each help line (a local service) waiting for the operator's number."""
    return [
        f"help line {key} is not shown until it has a phone number or web address in "
        f"{config.locales_dir / HELP_FILE} (docs/help-resources.md#local-services)"
        for key in catalog.awaiting_contact
    ]


def require_database(config: BotConfig) -> None:
    """Refuse, naming where it looked, before anything (a key) could be created."""
    if not holds_data(config.database_path):
        raise NoDatabase(
            f"no database at {config.database_path} (BYSTANDER_DATA_DIR); keys are looked for "
            f"in {config.key_dir} (BYSTANDER_KEY_DIR): set both as for `bystander run`, or "
            "create them with `bystander init`"
        )


def build_store(config: BotConfig, secrets: Secrets, *, create: bool = True) -> SqlCipherStore:
    deletions = DeletionLog(config.deletion_log_path, secrets.pseudonym_secret, config.backup_days)
    return SqlCipherStore(
        config.database_path,
        secrets.database_key,
        key_check=secrets.key_check,
        deletions=deletions,
        create=create,
    )


@dataclass
class Services:
    """Everything but Telegram: also what the server CLI (`bystander invite`) uses."""

    config: BotConfig
    catalog: Catalog
    store: SqlCipherStore
    young: YoungPeople
    roles: RoleService
    classes: ClassService
    evaluation: EvaluationStore
    reports: ReportService
    group_play: GroupPlayService
    entry: Entry
    router: Router
    pseudonym_secret: bytes
    menus: CommandMenus


def build_services(config: BotConfig, *, create: bool = True) -> Services:
    """`create`: a first start may create the keys and the database; False refuses."""
    if not create:
        require_database(config)
    catalog = load_content(config)
    secrets = load_secrets(
        config.key_dir, config.data_dir, config.secrets_env, database=config.database_path
    )
    store = build_store(config, secrets, create=create)
    classes = ClassStore(store)
    lessons = LessonStore(store, ChatKeys(secrets.pseudonym_secret))
    evaluation = EvaluationStore(store)
    survey = None
    if catalog.measures is not None:
        presenter = Presenter(catalog.locales, catalog.help)
        addresses = AddressBox(secrets.pseudonym_secret)
        survey = SurveyService(
            catalog.measures, presenter, evaluation, addresses, config.follow_up_days
        )
    admins = frozenset(pseudonym(secrets.pseudonym_secret, i) for i in config.admin_ids)
    settings = StaffSettings(admins, config.min_group, config.class_days, config.invite_days)
    young = build_young_people(
        catalog,
        store,
        EphemeralStore(),
        Membership(classes, lessons),
        survey,
        config.retention_months,
        settings.k,
    )
    roles = RoleService(catalog, classes, settings)
    class_admin = ClassService(catalog, classes, settings)
    results = ClassResults(catalog, classes, settings)
    hours = config.lesson_hours
    facilitation = FacilitationService(catalog, classes, settings, class_admin, lessons, hours)
    lesson_service = LessonService(catalog, classes, settings, lessons, hours)
    reports = ReportService(catalog, evaluation, classes, settings.k)
    group = GroupSettings(config.poll_seconds, hours)
    group_play = GroupPlayService(catalog, classes, settings, lessons, group)
    entry = Entry(young, roles, facilitation)
    staff = [roles, class_admin, results, facilitation, lesson_service, group_play, reports]
    router = Router([entry, *young.capabilities, *staff], roles.roles_of, entry)
    return Services(
        config,
        catalog,
        store,
        young,
        roles,
        class_admin,
        evaluation,
        reports,
        group_play,
        entry,
        router,
        secrets.pseudonym_secret,
        CommandMenus(catalog, classes, settings, router),
    )
