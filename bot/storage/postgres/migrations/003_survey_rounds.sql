-- Issue 17: the questionnaire is asked per round, not per scenario (as SQLite's migration
-- 015): T1 at first contact or at the start of a lesson, T2 at the end of the lesson (or
-- after a solo player's second scenario). measure_answers and follow_ups keep naming a round
-- by the scenario it started with (their scenario_id).

-- A round played in a lesson on the students' phones: when the lesson ends, its end
-- questions go to the sealed address, deleted once sent or cancelled. No foreign key to the
-- lesson: the questions are sent even when the lesson went with its class.
CREATE TABLE lesson_rounds (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pseudonym text NOT NULL REFERENCES users (pseudonym) ON DELETE CASCADE,
    scenario_id text NOT NULL,
    lesson_id bigint NOT NULL,
    address text,
    status text NOT NULL,        -- waiting | sent | cancelled
    UNIQUE (pseudonym, scenario_id)
);
CREATE INDEX lesson_rounds_waiting ON lesson_rounds (status, lesson_id);

-- Several answers at follow-up: behaviour ids, and reasons for doing nothing, by commas.
ALTER TABLE follow_ups ADD COLUMN reasons text;
