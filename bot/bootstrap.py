"""The wiring point: configuration → content, keys, storage, services and the bot.

The only module that chooses a storage backend (`open_storage`) and builds the services.
Telegram's libraries load only in `build_runtime`, so the server commands and author
tools, which import this module, start without them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import BotConfig, ConfigError, shipped_dir
from bot.content.catalog import Catalog, load_catalog
from bot.content.diagnostics import Diagnostic, Report
from bot.content.locales import HELP_FILE, load_locales
from bot.content.translations import LANGUAGE_FILE, REQUIRED_LANGUAGES
from bot.engine.model import SOURCE_LANGUAGE
from bot.services.class_results import ClassResults
from bot.services.classes import ClassService
from bot.services.entry import Entry
from bot.services.facilitation import FacilitationService
from bot.services.group_play import GroupPlayService, GroupSettings
from bot.services.lessons import LessonService
from bot.services.membership import WRONG_CODE_WINDOW_S, Membership
from bot.services.menus import CommandMenus
from bot.services.presenter import Presenter
from bot.services.projector import ProjectorService
from bot.services.reports import ReportService
from bot.services.research import ResearchService
from bot.services.roles import RoleService
from bot.services.routing import Router
from bot.services.staff import StaffSettings
from bot.services.survey import SurveyService
from bot.services.web_access import WebAccess
from bot.services.web_tokens import web_key
from bot.services.young_people import YoungPeople, build_young_people
from bot.storage.addresses import AddressBox, ChatKeys
from bot.storage.coordination import SingleProcess
from bot.storage.deletions import DeletionLog
from bot.storage.errors import NoDatabase
from bot.storage.keys import Secrets, holds_data, load_secrets, pseudonym
from bot.storage.memory.membership import LocalUnsavedMemory
from bot.storage.memory.store import EphemeralStore
from bot.storage.ports import ClassStore, Coordination, LessonStore, PlayerStore, Storage
from bot.storage.sqlite.classes import SqlCipherClassStore
from bot.storage.sqlite.evaluation import SqlCipherEvaluationStore
from bot.storage.sqlite.lessons import SqlCipherLessonStore
from bot.storage.sqlite.store import SqlCipherStore
from bot.storage.sqlite.web import SqlCipherWebStore

if TYPE_CHECKING:
    from bot.telegram.runtime import Runtime
    from bot.web.site import WebParts

log = logging.getLogger("bystander")


def _optional_translation(diagnostic: Diagnostic) -> bool:
    """An interface file of a language other than Swedish and English: the bot can run
    without it."""
    path = Path(diagnostic.path)
    optional = path.stem not in (SOURCE_LANGUAGE, *REQUIRED_LANGUAGES)
    return optional and LANGUAGE_FILE.fullmatch(path.name) is not None


def load_content(config: BotConfig) -> Catalog:
    catalog = load_catalog([config.scenarios_dir], config.locales_dir, config.offered_translations)
    # The first error, not a warning that happens to come earlier in the file.
    errors = [d for d in catalog.report.sorted() if d in catalog.report.errors]
    for error in [e for e in errors if _optional_translation(e)]:
        # A translator's broken file: what cannot be read shows English; the rest runs.
        log.warning("%s; the bot runs, in English where this file cannot be used", error)
    blocking = [e for e in errors if not _optional_translation(e)]
    if blocking:
        raise ConfigError(
            f"the interface strings in {config.locales_dir} have errors: {blocking[0]}"
        )
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
    """Refuse, naming where it looked, before anything (a key) could be created. (A
    PostgreSQL database is looked for when it is opened: `create=False` refuses there.)"""
    if not config.database_url and not holds_data(config.database_path):
        raise NoDatabase(
            f"no database at {config.database_path} (BYSTANDER_DATA_DIR); keys are looked for "
            f"in {config.key_dir} (BYSTANDER_KEY_DIR): set both as for `bystander run`, or "
            "create them with `bystander init`"
        )


def open_storage(config: BotConfig, secrets: Secrets, *, create: bool = True) -> Storage:
    """The storage backend the configuration asks for: PostgreSQL when
    BYSTANDER_DATABASE_URL is set, else the SQLCipher file. Not opened:
    `storage.lifecycle.initialize()` does that."""
    if config.database_url:
        return open_postgres(config, secrets, create=create)
    store = build_store(config, secrets, create=create)
    evaluation = SqlCipherEvaluationStore(store)
    lessons = SqlCipherLessonStore(store, ChatKeys(secrets.pseudonym_secret))
    classes = SqlCipherClassStore(store)
    return Storage(store, store, classes, lessons, *[evaluation] * 3, SqlCipherWebStore(store))


def open_postgres(config: BotConfig, secrets: Secrets, *, create: bool = True) -> Storage:
    # Imported here: psycopg loads only when PostgreSQL is configured.
    from bot.storage.postgres.classes import PostgresClassStore
    from bot.storage.postgres.lessons import PostgresLessonStore
    from bot.storage.postgres.reports import PostgresReportStore
    from bot.storage.postgres.retention import PostgresRetentionStore
    from bot.storage.postgres.store import PostgresStore
    from bot.storage.postgres.survey import PostgresSurveyStore
    from bot.storage.postgres.web import PostgresWebStore

    store = PostgresStore(
        config.database_url,
        key_check=secrets.key_check,
        deletions=_deletion_log(config, secrets),  # on this host: each worker keeps its own
        create=create,
    )
    return Storage(
        store,
        store,
        PostgresClassStore(store),
        PostgresLessonStore(store, ChatKeys(secrets.pseudonym_secret)),
        PostgresSurveyStore(store),
        PostgresReportStore(store),
        PostgresRetentionStore(store),
        PostgresWebStore(store),
    )


def open_coordination(config: BotConfig, pseudonym_secret: bytes) -> Coordination:
    """How this process takes turns with other workers: only on PostgreSQL are there any."""
    if not config.database_url:
        return SingleProcess(config.database_path)
    from bot.storage.postgres.coordination import PostgresCoordination

    return PostgresCoordination(config.database_url, pseudonym_secret)


@dataclass(frozen=True)
class Unsaved:
    """Where unsaved play and its class memberships are kept, and what forgets the idle."""

    players: PlayerStore
    membership: Membership
    sweeps: tuple[Callable[[], Awaitable[int]], ...] = ()  # for the daily maintenance


def open_unsaved(
    config: BotConfig, secrets: Secrets, storage: Storage, classes: ClassStore, lessons: LessonStore
) -> Unsaved:
    """In this process's memory with SQLite (one process; it forgets as it goes), in
    PostgreSQL (sealed, forgotten as memory is) when several workers share it, so that a
    tap reaching another worker finds them."""
    if not config.database_url:
        local = LocalUnsavedMemory(WRONG_CODE_WINDOW_S)
        return Unsaved(EphemeralStore(), Membership(classes, local, lessons))
    from bot.storage.postgres.unsaved import PostgresUnsavedMemory, PostgresUnsavedStore

    store = storage.lifecycle  # the PostgresStore, whose pool they share
    secret = secrets.pseudonym_secret
    memory = PostgresUnsavedMemory(store, secret, WRONG_CODE_WINDOW_S)
    players = PostgresUnsavedStore(store, secret)
    membership = Membership(classes, memory, lessons)
    return Unsaved(players, membership, (players.forget_idle, memory.forget_idle))


def _deletion_log(config: BotConfig, secrets: Secrets) -> DeletionLog:
    return DeletionLog(config.deletion_log_path, secrets.pseudonym_secret, config.backup_days)


def build_store(config: BotConfig, secrets: Secrets, *, create: bool = True) -> SqlCipherStore:
    deletions = _deletion_log(config, secrets)
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
    storage: Storage
    young: YoungPeople
    roles: RoleService
    classes: ClassService
    reports: ReportService
    group_play: GroupPlayService
    entry: Entry
    router: Router
    pseudonym_secret: bytes
    menus: CommandMenus
    research: ResearchService
    projector: ProjectorService
    web_access: WebAccess
    unsaved_sweeps: tuple[Callable[[], Awaitable[int]], ...] = ()


def build_services(
    config: BotConfig, *, create: bool = True, catalog: Catalog | None = None
) -> Services:
    """`create`: a first start may create the keys and the database; False refuses.
    `catalog`: the configured content, already read and checked by `load_content` (the tests
    read the shipped content once, not at every start); by default it is read here."""
    if not create:
        require_database(config)
    if catalog is None:
        catalog = load_content(config)
    secrets = load_secrets(
        config.key_dir, config.data_dir, config.secrets_env, database=config.database_path
    )
    storage = open_storage(config, secrets, create=create)
    classes, lessons = storage.staff, storage.lessons
    survey = None
    if catalog.measures is not None:
        presenter = Presenter(catalog.locales, catalog.help)
        addresses = AddressBox(secrets.pseudonym_secret)
        survey = SurveyService(
            catalog.measures,
            presenter,
            storage.survey,
            addresses,
            config.follow_up_days,
            config.class_follow_up_days,
        )
    admins = frozenset(pseudonym(secrets.pseudonym_secret, i) for i in config.admin_ids)
    settings = StaffSettings(admins, config.min_group, config.class_days, config.invite_days)
    roles = RoleService(catalog, classes, settings)
    unsaved = open_unsaved(config, secrets, storage, classes, lessons)
    young = build_young_people(
        catalog,
        storage.players,
        unsaved.players,
        unsaved.membership,
        survey,
        config.retention_months,
        settings.k,
        roles.roles_of,
    )
    class_admin = ClassService(catalog, classes, settings)
    results = ClassResults(catalog, classes, settings)
    hours = config.lesson_hours
    facilitation = FacilitationService(catalog, classes, settings, class_admin, lessons, hours)
    lesson_service = LessonService(catalog, classes, settings, lessons, hours)
    reports = ReportService(catalog, storage.reports, classes, settings.k)
    research = ResearchService(catalog, storage.reports, classes, settings.k)
    group = GroupSettings(config.poll_seconds, hours)
    group_play = GroupPlayService(catalog, classes, settings, lessons, group)
    token_key, public_url = web_key(secrets.pseudonym_secret), config.http.public_url
    projector = ProjectorService(
        catalog, classes, settings, lessons, storage.web, results, token_key, public_url
    )
    web_access = WebAccess(catalog, classes, settings, storage.web, token_key, public_url)
    entry = Entry(young, roles, facilitation)
    staff = [
        roles,
        class_admin,
        results,
        facilitation,
        lesson_service,
        group_play,
        reports,
        research,
        projector,
        web_access,
    ]
    router = Router([entry, *young.capabilities, *staff], roles.roles_of, entry)
    return Services(
        config,
        catalog,
        storage,
        young,
        roles,
        class_admin,
        reports,
        group_play,
        entry,
        router,
        secrets.pseudonym_secret,
        CommandMenus(catalog, classes, settings, router),
        research,
        projector,
        web_access,
        unsaved.sweeps,
    )


def build_runtime(config: BotConfig, *, catalog: Catalog | None = None) -> Runtime:
    """The bot: the services behind PTB's Application, with its HTTP server if configured.
    `catalog`: as for `build_services`."""
    # Telegram's libraries load only here, so commands that import this module start fast.
    from bot.http.bot_server import build_bot_http
    from bot.telegram.app import build_application
    from bot.telegram.handlers import Handlers
    from bot.telegram.runtime import Runtime
    from bot.telegram.transport import Transports

    services = build_services(config, catalog=catalog)
    for warning in hidden_help_lines(services.catalog, config):  # at the bot's start, as the
        log.warning("%s", warning)  # operator reads it; `bystander check` says it too
    if config.database_url and holds_data(config.database_path):
        log.warning(
            "the data folder still holds the SQLite database %s, but the bot uses %s: if it "
            "was not moved with `bystander migrate-db --to`, its data is not in PostgreSQL; "
            'once moved and checked, delete it and its backups (docs/operations.md, "Moving '
            'to PostgreSQL")',
            config.database_path,
            config.database_place,
        )
    handlers = Handlers(
        services.router,
        services.entry,
        services.group_play,
        services.pseudonym_secret,
        services.menus,
    )
    runtime = Runtime(
        config,
        services.catalog,
        services.storage,
        services.young,
        services.roles,
        app=None,  # type: ignore[arg-type]
        transports=Transports.through(config.proxy),
        reports=services.reports,
        router=services.router,
        group_play=services.group_play,
        coordination=open_coordination(config, services.pseudonym_secret),
        unsaved_sweeps=services.unsaved_sweeps,
    )
    runtime.app = build_application(
        config.token,
        config.base_url,
        handlers,
        runtime.transports,
        webhook=bool(config.http.webhook_url),
        post_init=runtime.post_init,
        post_shutdown=runtime.post_shutdown,
        coordination=runtime.coordination,
    )
    web = _web_parts(services) if config.http.public_url else None
    runtime.http = build_bot_http(
        config, runtime.app, services.storage.lifecycle, runtime.transports, web
    )
    return runtime


def _web_parts(services: Services) -> WebParts:
    from bot.services.dashboard import ClassDashboard, ReportDesk
    from bot.web.site import WebParts

    return WebParts(
        services.projector,
        services.web_access,
        services.web_access.token_key,
        services.pseudonym_secret,
        services.config.token,
        services.config.http.public_url,
        ClassDashboard(services.classes, services.projector.results),
        ReportDesk(services.reports),
        services.config.http.accessibility_url,
    )
