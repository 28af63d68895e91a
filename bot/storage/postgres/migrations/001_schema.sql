-- The whole schema of the SQLCipher database (its migrations 001–014) as PostgreSQL.
-- People are known only by a keyed pseudonym (column `pseudonym`: `user` is a reserved word
-- here), never by a Telegram id, name, username or typed text. Days are `date` (UTC, coarse
-- on purpose), lesson times `timestamptz`; run states and release counts are `jsonb`.
-- What SQLCipher's triggers do (first plays, report classes, answer counts, last activity,
-- refusing unknown people) the store methods do in the same transaction
-- (bot/storage/postgres/store.py); the contract is bot/storage/ports.py.

CREATE TABLE users (
    pseudonym text PRIMARY KEY,
    language text NOT NULL,
    age_band text NOT NULL,
    consent text NOT NULL,
    first_seen_on date NOT NULL,
    last_seen_on date NOT NULL   -- for /mydata and for retention
);
CREATE INDEX users_by_last_seen ON users (last_seen_on);

-- Youth workers, evaluators and mentors, known by the same pseudonym as everyone else.
CREATE TABLE roles (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pseudonym text NOT NULL,
    role text NOT NULL,          -- youth_worker | evaluator | mentor
    label text NOT NULL,         -- given by the admin, e.g. "Tumba fritidsgård"
    granted_on date NOT NULL,
    revoked_on date,
    invited_by text              -- a mentor's youth worker (empty: an admin invited)
);
CREATE INDEX roles_by_user ON roles (pseudonym);
CREATE INDEX roles_by_inviter ON roles (invited_by) WHERE invited_by IS NOT NULL;

-- Only a hash of each invitation token is kept: a copy of the database opens no door.
CREATE TABLE invitations (
    token_hash text PRIMARY KEY,
    role text NOT NULL,
    label text NOT NULL,
    created_on date NOT NULL,
    expires_on date NOT NULL,
    used_on date,
    invited_by text
);

CREATE TABLE classes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner text NOT NULL,
    name text NOT NULL,
    code text NOT NULL UNIQUE,
    created_on date NOT NULL,
    expires_on date NOT NULL,
    closed_on date,
    age_min integer NOT NULL DEFAULT 13,
    age_max integer NOT NULL DEFAULT 19,
    school_year integer
);
CREATE INDEX classes_by_owner ON classes (owner);
CREATE INDEX classes_by_name ON classes (name);

-- Joining stores only that a pseudonym belongs to a class.
CREATE TABLE class_members (
    class_id bigint NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    pseudonym text NOT NULL REFERENCES users (pseudonym) ON DELETE CASCADE,
    joined_on date NOT NULL,
    PRIMARY KEY (class_id, pseudonym)
);
CREATE INDEX class_members_by_user ON class_members (pseudonym);

CREATE TABLE class_scenarios (
    class_id bigint NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    scenario_id text NOT NULL,
    PRIMARY KEY (class_id, scenario_id)
);

-- A run: `id` only orders runs (run ids are short and unique per person). `answers` and
-- `helpful` count its choices; `first_play` and `report_class` are fixed when it starts
-- (the class of the person's first run that month, so a person counts in one class a month).
CREATE TABLE runs (
    id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    pseudonym text NOT NULL REFERENCES users (pseudonym) ON DELETE CASCADE,
    run_id text NOT NULL,
    scenario_id text NOT NULL,
    version integer NOT NULL,
    started_on date NOT NULL,
    finished_on date,
    class_id bigint REFERENCES classes (id) ON DELETE SET NULL,
    answers integer NOT NULL DEFAULT 0,
    helpful integer NOT NULL DEFAULT 0,
    first_play boolean NOT NULL,
    report_class bigint REFERENCES classes (id) ON DELETE SET NULL,
    replay boolean NOT NULL DEFAULT false,
    PRIMARY KEY (pseudonym, run_id)
);
CREATE INDEX runs_by_class ON runs (class_id, scenario_id);
CREATE INDEX runs_by_date ON runs (started_on);
CREATE INDEX runs_by_person_date ON runs (pseudonym, started_on);
CREATE INDEX runs_by_person_scenario ON runs (pseudonym, scenario_id);
CREATE INDEX runs_by_report_class ON runs (report_class, started_on);

-- The version is kept per choice: a resumed run may move to a newer scenario version.
CREATE TABLE choices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pseudonym text NOT NULL,
    run_id text NOT NULL,
    scenario_id text NOT NULL,
    version integer NOT NULL,
    step_id text NOT NULL,
    choice_id text NOT NULL,
    strategy text NOT NULL,
    assessment text NOT NULL,
    phase text NOT NULL,
    recorded_on date NOT NULL,
    FOREIGN KEY (pseudonym, run_id) REFERENCES runs (pseudonym, run_id) ON DELETE CASCADE
);
CREATE INDEX choices_by_run ON choices (pseudonym, run_id);
CREATE INDEX choices_by_person ON choices (pseudonym, scenario_id, step_id, strategy);
CREATE INDEX choices_by_date ON choices (recorded_on);

-- At most one run in progress per person, and their last finished run (a replay starts
-- from it): the engine's Run.to_json().
CREATE TABLE active_runs (
    pseudonym text PRIMARY KEY REFERENCES users (pseudonym) ON DELETE CASCADE,
    run_id text NOT NULL,
    state jsonb NOT NULL,
    FOREIGN KEY (pseudonym, run_id) REFERENCES runs (pseudonym, run_id) ON DELETE CASCADE
);

CREATE TABLE finished_runs (
    pseudonym text PRIMARY KEY REFERENCES users (pseudonym) ON DELETE CASCADE,
    run_id text NOT NULL,
    state jsonb NOT NULL,
    FOREIGN KEY (pseudonym, run_id) REFERENCES runs (pseudonym, run_id) ON DELETE CASCADE
);

-- Lessons (issue 14): open while ended_at is empty and ends_at is still ahead. A group is
-- found by a keyed hash of its chat id (chat_ref); the id itself is kept sealed.
CREATE TABLE lessons (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    class_id bigint NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    leader text NOT NULL,
    mode text NOT NULL CHECK (mode IN ('group', 'room', 'phones')),
    scenario_id text,
    chat_ref text,
    chat_address text,
    thread_id bigint,
    started_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    ended_at timestamptz,
    CHECK ((mode = 'group') = (chat_ref IS NOT NULL AND chat_address IS NOT NULL)),
    CHECK (thread_id IS NULL OR mode = 'group')
);
CREATE INDEX lessons_by_class ON lessons (class_id) WHERE ended_at IS NULL;
CREATE INDEX lessons_by_chat ON lessons (chat_ref, thread_id) WHERE ended_at IS NULL;
CREATE INDEX lessons_by_leader ON lessons (leader);
CREATE INDEX lessons_by_end ON lessons (ends_at) WHERE ended_at IS NULL;

-- Facilitator mode and the plays of lessons: only hand counts and poll totals are stored.
CREATE TABLE facilitations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    class_id bigint NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    owner text NOT NULL,
    scenario_id text NOT NULL,
    version integer NOT NULL,
    state jsonb NOT NULL,
    started_on date NOT NULL,
    finished_on date,
    lesson_id bigint REFERENCES lessons (id) ON DELETE SET NULL,
    source text NOT NULL DEFAULT 'hands' CHECK (source IN ('hands', 'poll')),
    revision integer NOT NULL DEFAULT 0
);
CREATE INDEX facilitations_by_lesson ON facilitations (lesson_id);
CREATE INDEX facilitations_by_owner ON facilitations (owner);

CREATE TABLE facilitated_counts (
    facilitation_id bigint NOT NULL REFERENCES facilitations (id) ON DELETE CASCADE,
    step_id text NOT NULL,
    choice_id text NOT NULL,
    strategy text NOT NULL,
    assessment text NOT NULL,
    phase text NOT NULL,
    hands integer NOT NULL,
    recorded_on date NOT NULL,
    PRIMARY KEY (facilitation_id, step_id, choice_id)
);

CREATE TABLE lesson_polls (
    poll_id text PRIMARY KEY,
    facilitation_id bigint NOT NULL REFERENCES facilitations (id) ON DELETE CASCADE,
    step_id text NOT NULL,
    message_id bigint NOT NULL,
    closed boolean NOT NULL DEFAULT false
);
CREATE INDEX lesson_polls_by_play ON lesson_polls (facilitation_id);

-- The live class view's releases, each audited against all earlier ones.
CREATE TABLE class_releases (
    class_id bigint NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    scenario_id text NOT NULL,
    step_id text NOT NULL,
    answers integer NOT NULL,
    counts jsonb NOT NULL,       -- choice id -> answers
    shown jsonb NOT NULL,        -- choice id -> answers as shown, null where hidden
    released_on date NOT NULL,
    PRIMARY KEY (class_id, scenario_id, step_id, answers)
);

-- The command menu the bot set in a person's private chat ('' = none).
CREATE TABLE command_menus (
    pseudonym text PRIMARY KEY,
    menu text NOT NULL
);

CREATE TABLE settings (
    key text PRIMARY KEY,
    value text NOT NULL
);

-- The evaluation: questionnaire answers (T1, T2, T3) and opt-in follow-ups, whose sealed
-- address is deleted as soon as the reminder is sent or cancelled.
CREATE TABLE measure_answers (
    pseudonym text NOT NULL REFERENCES users (pseudonym) ON DELETE CASCADE,
    scenario_id text NOT NULL,
    wave text NOT NULL,
    item_id text NOT NULL,
    value integer NOT NULL,
    answered_on date NOT NULL,
    PRIMARY KEY (pseudonym, scenario_id, wave, item_id)
);

CREATE TABLE follow_ups (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pseudonym text NOT NULL REFERENCES users (pseudonym) ON DELETE CASCADE,
    scenario_id text NOT NULL,
    due_on date NOT NULL,
    address text,
    status text NOT NULL,        -- scheduled | sent | cancelled
    opportunity text,            -- yes | no | unsure
    acted text,                  -- a strategy, or none
    UNIQUE (pseudonym, scenario_id)
);
CREATE INDEX follow_ups_due ON follow_ups (status, due_on);

-- Raw events folded past the retention period: counts only, no pseudonyms. Merged rows
-- have no class, no age band, or (answer pairs) no month.
CREATE TABLE choice_aggregates (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- retention merges rows by it
    month text NOT NULL,
    scenario_id text NOT NULL,
    step_id text NOT NULL,
    choice_id text NOT NULL,
    strategy text NOT NULL,
    assessment text NOT NULL,
    phase text NOT NULL,
    class_id bigint,
    age_band text,
    first_play boolean NOT NULL,
    answers integer NOT NULL,
    participants integer NOT NULL
);

CREATE TABLE run_aggregates (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- retention merges rows by it
    month text NOT NULL,
    scenario_id text NOT NULL,
    class_id bigint,
    age_band text,
    starts integer NOT NULL,
    completions integer NOT NULL,
    participants integer NOT NULL
);

CREATE TABLE measure_pair_archive (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- retention merges rows by it
    month text,
    scenario_id text NOT NULL,
    item_id text NOT NULL,
    comparison text NOT NULL,    -- T1-T2 | T1-T3
    before integer NOT NULL,
    after integer NOT NULL
);

CREATE TABLE facilitated_aggregates (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- retention merges rows by it
    month text NOT NULL,
    scenario_id text NOT NULL,
    step_id text NOT NULL,
    choice_id text NOT NULL,
    strategy text NOT NULL,
    hands integer NOT NULL,
    sessions integer NOT NULL
);

-- Released report periods: fixed when first released; the body is emptied ('') once the
-- period is past retention, and the row stays so it is never released again.
CREATE TABLE report_releases (
    period text PRIMARY KEY,     -- a month: 2026-11
    last_day date NOT NULL,
    released_on date NOT NULL,
    body text NOT NULL
);
