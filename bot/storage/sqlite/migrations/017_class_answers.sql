-- Issue 17: a class answers the class items (measures.yaml's class_items) together at the
-- start (T1) and the end (T2) of a lesson: by a show of hands in the room or by anonymous
-- polls in its group. Only totals are kept: how many chose each point of the scale.

-- The wave whose class items the room is answering now, and the item whose typed hand
-- counts are awaited (empty between items, until the leader asks the next one); both empty
-- while none is asked.
ALTER TABLE lessons ADD COLUMN class_wave TEXT CHECK (class_wave IN ('T1', 'T2'));
ALTER TABLE lessons ADD COLUMN class_item TEXT;  -- the item whose hand counts are awaited

-- An item's answers in a lesson, once per wave: removed with the lesson and its class.
CREATE TABLE class_answers (
    lesson_id INTEGER NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    wave TEXT NOT NULL CHECK (wave IN ('T1', 'T2')),
    item_id TEXT NOT NULL,
    value INTEGER NOT NULL CHECK (value BETWEEN 1 AND 5),
    answers INTEGER NOT NULL CHECK (answers >= 0),   -- hands raised, or poll votes
    source TEXT NOT NULL CHECK (source IN ('hands', 'poll')),
    answered_on TEXT NOT NULL,
    PRIMARY KEY (lesson_id, wave, item_id, value)
) STRICT;
CREATE INDEX class_answers_by_class ON class_answers (class_id);

-- In a group the class items are anonymous polls: a poll's update carries no chat, so its
-- link to the lesson, wave and item is kept here (removed with the lesson).
CREATE TABLE class_polls (
    poll_id TEXT PRIMARY KEY,
    lesson_id INTEGER NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    wave TEXT NOT NULL CHECK (wave IN ('T1', 'T2')),
    item_id TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX class_polls_by_lesson ON class_polls (lesson_id);

-- Retention folds the class answers of ended classes here, without lessons or classes: per
-- month, item, wave and value, over the lessons whose item was answered at both waves.
CREATE TABLE class_answer_aggregates (
    month TEXT NOT NULL,         -- when the lesson started
    item_id TEXT NOT NULL,
    wave TEXT NOT NULL,
    value INTEGER NOT NULL,
    answers INTEGER NOT NULL,
    lessons INTEGER NOT NULL
) STRICT;
