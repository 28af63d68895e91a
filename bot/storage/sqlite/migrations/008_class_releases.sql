-- The live class view shows each step's answers as releases that change only once at
-- least K more students have answered (bot/privacy/class_view.py). Every release is
-- kept, because each new one is audited against all earlier ones: what it showed, and
-- the true counts it was made from (never shown as they are). Removed with the class.
CREATE TABLE class_releases (
    class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    scenario_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    answers INTEGER NOT NULL,
    counts TEXT NOT NULL,        -- JSON: choice id -> answers
    shown TEXT NOT NULL,         -- JSON: choice id -> answers as shown, null where hidden
    released_on TEXT NOT NULL,
    PRIMARY KEY (class_id, scenario_id, step_id, answers)
) STRICT;
