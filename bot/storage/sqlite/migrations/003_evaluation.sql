-- Learning-effect evaluation: questionnaire answers, opt-in follow-ups, and the aggregate
-- tables that raw events are folded into when they pass the retention period.

-- T1 before a scenario's first run, T2 after its debrief, T3 at the follow-up.
CREATE TABLE measure_answers (
    user TEXT NOT NULL REFERENCES users (user) ON DELETE CASCADE,
    scenario_id TEXT NOT NULL,
    wave TEXT NOT NULL,          -- T1 | T2 | T3
    item_id TEXT NOT NULL,
    value INTEGER NOT NULL,      -- 1..5
    answered_on TEXT NOT NULL,
    PRIMARY KEY (user, scenario_id, wave, item_id)
) STRICT;

-- An opt-in reminder. The address to send it to is encrypted with a key kept outside the
-- database, and deleted as soon as the reminder is sent or cancelled.
CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users (user) ON DELETE CASCADE,
    scenario_id TEXT NOT NULL,
    due_on TEXT NOT NULL,
    address TEXT,
    status TEXT NOT NULL,        -- scheduled | sent | cancelled
    opportunity TEXT,            -- yes | no | unsure
    acted TEXT,                  -- a strategy, or none
    UNIQUE (user, scenario_id)
) STRICT;
CREATE INDEX follow_ups_due ON follow_ups (status, due_on);

-- Folded raw events (older than the retention period): counts only, no pseudonyms.
CREATE TABLE choice_aggregates (
    month TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    choice_id TEXT NOT NULL,
    strategy TEXT NOT NULL,
    assessment TEXT NOT NULL,
    phase TEXT NOT NULL,
    class_id INTEGER,
    age_band TEXT NOT NULL,
    first_play INTEGER NOT NULL,
    answers INTEGER NOT NULL,
    participants INTEGER NOT NULL
) STRICT;

CREATE TABLE run_aggregates (
    month TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    class_id INTEGER,
    age_band TEXT NOT NULL,
    starts INTEGER NOT NULL,
    completions INTEGER NOT NULL,
    participants INTEGER NOT NULL
) STRICT;

-- Answer pairs keep their two values but lose who gave them.
CREATE TABLE measure_pair_archive (
    month TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    comparison TEXT NOT NULL,    -- T1-T2 | T1-T3
    before INTEGER NOT NULL,
    after INTEGER NOT NULL
) STRICT;

CREATE INDEX choices_by_scenario ON choices (scenario_id, step_id);
CREATE INDEX choices_by_date ON choices (recorded_on);
CREATE INDEX runs_by_date ON runs (started_on);
