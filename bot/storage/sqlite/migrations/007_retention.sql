-- Retention of everything linked to a person (docs/evaluation.md, "Retention"): profiles
-- expire after the retention period without activity, and aggregate rows of fewer than K
-- people are merged into coarser rows or deleted (EvaluationStore.purge).

-- A person's last activity is the last day they did anything: played (migration 006),
-- changed a setting, or answered a question. Dates stay days, coarse on purpose.
CREATE TRIGGER measure_answers_seen AFTER INSERT ON measure_answers BEGIN
    UPDATE users SET last_seen_on = max(last_seen_on, NEW.answered_on) WHERE user = NEW.user;
END;

UPDATE users SET last_seen_on = max(last_seen_on, (
    SELECT max(answered_on) FROM measure_answers a WHERE a.user = users.user))
WHERE EXISTS (SELECT 1 FROM measure_answers a WHERE a.user = users.user);

CREATE INDEX users_by_last_seen ON users (last_seen_on);

-- Merged rows have no class and no age band, and merged answer pairs no month: those
-- columns may now be empty. SQLite cannot drop NOT NULL in place, so each table is copied
-- aside, made again and filled back (not renamed: a rename checks every trigger, and
-- SQLite rejects the UPDATE … FROM of migration 005's age-band trigger while doing so).
CREATE TABLE choice_aggregates_007 AS SELECT * FROM choice_aggregates;
DROP TABLE choice_aggregates;
CREATE TABLE choice_aggregates (
    month TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    choice_id TEXT NOT NULL,
    strategy TEXT NOT NULL,
    assessment TEXT NOT NULL,
    phase TEXT NOT NULL,
    class_id INTEGER,
    age_band TEXT,               -- empty once merged with other age bands
    first_play INTEGER NOT NULL,
    answers INTEGER NOT NULL,
    participants INTEGER NOT NULL
) STRICT;
INSERT INTO choice_aggregates SELECT * FROM choice_aggregates_007;
DROP TABLE choice_aggregates_007;

CREATE TABLE run_aggregates_007 AS SELECT * FROM run_aggregates;
DROP TABLE run_aggregates;
CREATE TABLE run_aggregates (
    month TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    class_id INTEGER,
    age_band TEXT,               -- empty once merged with other age bands
    starts INTEGER NOT NULL,
    completions INTEGER NOT NULL,
    participants INTEGER NOT NULL
) STRICT;
INSERT INTO run_aggregates SELECT * FROM run_aggregates_007;
DROP TABLE run_aggregates_007;

CREATE TABLE measure_pair_archive_007 AS SELECT * FROM measure_pair_archive;
DROP TABLE measure_pair_archive;
CREATE TABLE measure_pair_archive (
    month TEXT,                  -- empty once merged with other months
    scenario_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    comparison TEXT NOT NULL,
    before INTEGER NOT NULL,
    after INTEGER NOT NULL
) STRICT;
INSERT INTO measure_pair_archive SELECT * FROM measure_pair_archive_007;
DROP TABLE measure_pair_archive_007;

-- Hand counts of facilitated sessions, kept when their class is removed (no class, no
-- owner: only what the room showed).
CREATE TABLE facilitated_aggregates (
    month TEXT NOT NULL,         -- when the session started
    scenario_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    choice_id TEXT NOT NULL,
    strategy TEXT NOT NULL,
    hands INTEGER NOT NULL,
    sessions INTEGER NOT NULL
) STRICT;
