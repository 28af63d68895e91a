-- Lessons, group play with anonymous polls, peer mentors and per-person command menus
-- (issue 14). Independent of migration 013: it touches none of its tables or triggers.

-- A lesson: a youth worker (or their mentor) plays with a class for a while, in the
-- class's Telegram group, in the room (facilitator mode) or on the students' phones.
-- It is open while ended_at is empty and ends_at is still ahead. Times are UTC ISO
-- timestamps to the second. A group is found by a keyed hash of its chat id (chat_ref,
-- never equal to a person's pseudonym); the id itself is kept sealed (chat_address) for
-- the messages the bot sends there, and goes with the lesson.
CREATE TABLE lessons (
    id INTEGER PRIMARY KEY,
    class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    leader TEXT NOT NULL,        -- pseudonym of the youth worker or mentor who started it
    mode TEXT NOT NULL CHECK (mode IN ('group', 'room', 'phones')),
    scenario_id TEXT,            -- what the lesson plays; may be empty for phones
    chat_ref TEXT,
    chat_address TEXT,
    thread_id INTEGER,           -- the forum topic, if the group has topics
    started_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    ended_at TEXT,
    CHECK ((mode = 'group') = (chat_ref IS NOT NULL AND chat_address IS NOT NULL)),
    CHECK (thread_id IS NULL OR mode = 'group')
) STRICT;
CREATE INDEX lessons_by_class ON lessons (class_id) WHERE ended_at IS NULL;
CREATE INDEX lessons_by_chat ON lessons (chat_ref, thread_id) WHERE ended_at IS NULL;
CREATE INDEX lessons_by_leader ON lessons (leader);
CREATE INDEX lessons_by_end ON lessons (ends_at) WHERE ended_at IS NULL;

-- A facilitation is one scenario played together; in a lesson it is one of the lesson's
-- plays. Poll totals are stored like hand counts: class-level totals in
-- facilitated_counts, never anything per person. The revision lets two updates that race
-- (the youth worker closes a poll as Telegram closes it) act once.
ALTER TABLE facilitations ADD COLUMN lesson_id INTEGER REFERENCES lessons (id) ON DELETE SET NULL;
ALTER TABLE facilitations ADD COLUMN source TEXT NOT NULL DEFAULT 'hands'
    CHECK (source IN ('hands', 'poll'));
ALTER TABLE facilitations ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
CREATE INDEX facilitations_by_lesson ON facilitations (lesson_id);

-- Anonymous poll updates carry no chat: the poll's link to its play is kept here, so it
-- survives a restart. Removed with the play (and so with the class).
CREATE TABLE lesson_polls (
    poll_id TEXT PRIMARY KEY,
    facilitation_id INTEGER NOT NULL REFERENCES facilitations (id) ON DELETE CASCADE,
    step_id TEXT NOT NULL,
    message_id INTEGER NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX lesson_polls_by_play ON lesson_polls (facilitation_id);

-- A mentor's grant (and invitation) names the youth worker who invited them: the mentor
-- leads that youth worker's classes only and loses the role with theirs. Empty for
-- invitations made by an admin.
ALTER TABLE roles ADD COLUMN invited_by TEXT;
ALTER TABLE invitations ADD COLUMN invited_by TEXT;
CREATE INDEX roles_by_inviter ON roles (invited_by) WHERE invited_by IS NOT NULL;

-- The command menu the bot set for a person's private chat ('' = none), so that a menu
-- whose role was revoked is put right at the person's next contact.
CREATE TABLE command_menus (
    user TEXT PRIMARY KEY,
    menu TEXT NOT NULL
) STRICT;
