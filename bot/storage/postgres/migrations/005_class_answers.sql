-- Issue 17: a class answers the class items together at the start (T1) and the end (T2) of
-- a lesson, by a show of hands or anonymous polls (as SQLite's migration 016). Only totals.

-- The wave whose class items the room is answering now, and the item whose typed hand
-- counts are awaited (empty between items); both empty while none is asked.
ALTER TABLE lessons ADD COLUMN class_wave text CHECK (class_wave IN ('T1', 'T2'));
ALTER TABLE lessons ADD COLUMN class_item text;  -- the item whose hand counts are awaited

-- An item's answers in a lesson, once per wave: removed with the lesson and its class.
CREATE TABLE class_answers (
    lesson_id bigint NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    class_id bigint NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    wave text NOT NULL CHECK (wave IN ('T1', 'T2')),
    item_id text NOT NULL,
    value integer NOT NULL CHECK (value BETWEEN 1 AND 5),
    answers integer NOT NULL CHECK (answers >= 0),   -- hands raised, or poll votes
    source text NOT NULL CHECK (source IN ('hands', 'poll')),
    answered_on date NOT NULL,
    PRIMARY KEY (lesson_id, wave, item_id, value)
);
CREATE INDEX class_answers_by_class ON class_answers (class_id);

-- In a group the class items are anonymous polls: a poll's update carries no chat, so its
-- link to the lesson, wave and item is kept here (removed with the lesson).
CREATE TABLE class_polls (
    poll_id text PRIMARY KEY,
    lesson_id bigint NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    wave text NOT NULL CHECK (wave IN ('T1', 'T2')),
    item_id text NOT NULL,
    message_id bigint NOT NULL,
    closed boolean NOT NULL DEFAULT false
);
CREATE INDEX class_polls_by_lesson ON class_polls (lesson_id);

-- Retention folds the class answers of ended classes here, without lessons or classes: per
-- month, item, wave and value, over the lessons whose item was answered at both waves.
CREATE TABLE class_answer_aggregates (
    month text NOT NULL,         -- when the lesson started
    item_id text NOT NULL,
    wave text NOT NULL,
    value integer NOT NULL,
    answers integer NOT NULL,
    lessons integer NOT NULL
);
