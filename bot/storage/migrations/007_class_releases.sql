-- The live class view shows each step's answers as a release that changes only once at
-- least K more students have answered (bot/services/disclosure.py). This is the last
-- release of each step: the true counts it was made from, never shown as they are.
CREATE TABLE class_releases (
    class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    scenario_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    answers INTEGER NOT NULL,
    counts TEXT NOT NULL,        -- JSON: choice id -> answers
    released_on TEXT NOT NULL,
    PRIMARY KEY (class_id, scenario_id, step_id)
) STRICT;
