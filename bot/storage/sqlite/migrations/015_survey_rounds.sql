-- Issue 17: the questionnaire is asked per round, not per scenario: T1 at first contact or
-- at the start of a lesson, T2 at the end of the lesson (or after a solo player's second
-- scenario), T3 at the opt-in follow-up. measure_answers and follow_ups keep naming a round
-- by the scenario it started with (their scenario_id).

-- A round played in a lesson on the students' phones. When the lesson ends, its end
-- questions (T2) are sent to the sealed address, which is deleted once sent or cancelled.
-- The lesson may be gone by then (its class closed): the questions are sent all the same.
CREATE TABLE lesson_rounds (
    id INTEGER PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users (user) ON DELETE CASCADE,
    scenario_id TEXT NOT NULL,
    lesson_id INTEGER NOT NULL,
    address TEXT,
    status TEXT NOT NULL,        -- waiting | sent | cancelled
    UNIQUE (user, scenario_id)
) STRICT;
CREATE INDEX lesson_rounds_waiting ON lesson_rounds (status, lesson_id);

-- At follow-up several things may have been done: `acted` holds behaviour ids joined by
-- commas; `reasons` why someone did nothing, the same way.
ALTER TABLE follow_ups ADD COLUMN reasons TEXT;
