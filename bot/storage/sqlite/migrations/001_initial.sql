-- Users are known only by a keyed pseudonym: never Telegram ids, names, usernames or typed text.
-- Dates are days (YYYY-MM-DD, UTC), coarse on purpose.

CREATE TABLE users (
    user TEXT PRIMARY KEY,
    language TEXT NOT NULL,
    age_band TEXT NOT NULL,
    consent TEXT NOT NULL,
    first_seen_on TEXT NOT NULL,
    last_seen_on TEXT NOT NULL  -- for /mydata and for retention
) STRICT;

CREATE TABLE runs (
    user TEXT NOT NULL REFERENCES users (user) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    started_on TEXT NOT NULL,
    finished_on TEXT,
    PRIMARY KEY (user, run_id)  -- run ids are short and unique only per user
) STRICT;

-- The version is kept per choice: a resumed run may move to a newer scenario version.
CREATE TABLE choices (
    id INTEGER PRIMARY KEY,
    user TEXT NOT NULL,
    run_id TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    step_id TEXT NOT NULL,
    choice_id TEXT NOT NULL,
    strategy TEXT NOT NULL,
    assessment TEXT NOT NULL,
    phase TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    FOREIGN KEY (user, run_id) REFERENCES runs (user, run_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX choices_by_run ON choices (user, run_id);

-- At most one run in progress per user: the engine's Run.to_json() as JSON text.
CREATE TABLE active_runs (
    user TEXT PRIMARY KEY REFERENCES users (user) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    state TEXT NOT NULL,
    FOREIGN KEY (user, run_id) REFERENCES runs (user, run_id) ON DELETE CASCADE
) STRICT;
