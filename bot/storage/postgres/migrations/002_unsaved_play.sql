-- Unsaved play (bot/storage/postgres/unsaved.py): the state of people who play without
-- saving, shared by the workers behind one reverse proxy, kept as close to memory as a
-- database allows. No SQLite counterpart: one bot process keeps it in memory there.
-- A person is a `handle`, a keyed hash of the pseudonym with a key of its own, so no row
-- joins with saved data or a pseudonym without the pseudonym secret; what is kept is sealed
-- with another key of its own; `seen_at` is the hour of last use, never a precise time.
-- UNLOGGED: never written to the write-ahead log, so never in a replica, a WAL archive or a
-- point-in-time backup, and emptied after a crash (as a restart empties memory). pg_dump
-- still copies unlogged tables unless given --no-unlogged-table-data.

CREATE UNLOGGED TABLE unsaved_play (
    handle text PRIMARY KEY,
    sealed text NOT NULL,        -- language, age band, consent, the active and last finished run
    seen_at timestamptz NOT NULL -- the hour of last use: forgotten a day after
);
CREATE INDEX unsaved_play_by_seen ON unsaved_play (seen_at);

-- The class an unsaved player joined by link (or anyone before the consent answer).
CREATE UNLOGGED TABLE unsaved_classes (
    handle text PRIMARY KEY,
    sealed text NOT NULL,        -- the class id
    seen_at timestamptz NOT NULL
);
CREATE INDEX unsaved_classes_by_seen ON unsaved_classes (seen_at);

-- Wrong join codes and invitations, limited per person; each kept for the limit's window
-- (minutes) only.
CREATE UNLOGGED TABLE unsaved_wrong_codes (
    handle text NOT NULL,
    tried_at timestamptz NOT NULL
);
CREATE INDEX unsaved_wrong_codes_by_handle ON unsaved_wrong_codes (handle, tried_at);
