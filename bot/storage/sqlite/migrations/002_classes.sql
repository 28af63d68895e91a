-- Youth workers, classes and facilitated sessions (issue: classes and live class results).
-- Staff are known by the same keyed pseudonym as everyone else.

CREATE TABLE roles (
    id INTEGER PRIMARY KEY,
    user TEXT NOT NULL,
    role TEXT NOT NULL,          -- youth_worker | evaluator
    label TEXT NOT NULL,         -- given by the admin, e.g. "Tumba fritidsgård"
    granted_on TEXT NOT NULL,
    revoked_on TEXT
) STRICT;
CREATE INDEX roles_by_user ON roles (user);

-- Only a hash of each invitation token is kept: a copy of the database opens no door.
CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    label TEXT NOT NULL,
    created_on TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    used_on TEXT
) STRICT;

CREATE TABLE classes (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    created_on TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    closed_on TEXT
) STRICT;
CREATE INDEX classes_by_owner ON classes (owner);

-- Joining stores only that a pseudonym belongs to a class.
CREATE TABLE class_members (
    class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    user TEXT NOT NULL REFERENCES users (user) ON DELETE CASCADE,
    joined_on TEXT NOT NULL,
    PRIMARY KEY (class_id, user)
) STRICT;
CREATE INDEX class_members_by_user ON class_members (user);

CREATE TABLE class_scenarios (
    class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    scenario_id TEXT NOT NULL,
    PRIMARY KEY (class_id, scenario_id)
) STRICT;

-- A run played as a member of a class counts in that class's results.
ALTER TABLE runs ADD COLUMN class_id INTEGER REFERENCES classes (id) ON DELETE SET NULL;
CREATE INDEX runs_by_class ON runs (class_id, scenario_id);

-- Facilitator mode: a youth worker plays for a class; only hand counts are stored.
CREATE TABLE facilitations (
    id INTEGER PRIMARY KEY,
    class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,         -- the engine's run as JSON, plus what is awaited
    started_on TEXT NOT NULL,
    finished_on TEXT
) STRICT;

CREATE TABLE facilitated_counts (
    facilitation_id INTEGER NOT NULL REFERENCES facilitations (id) ON DELETE CASCADE,
    step_id TEXT NOT NULL,
    choice_id TEXT NOT NULL,
    strategy TEXT NOT NULL,
    assessment TEXT NOT NULL,
    phase TEXT NOT NULL,
    hands INTEGER NOT NULL,
    recorded_on TEXT NOT NULL,
    PRIMARY KEY (facilitation_id, step_id, choice_id)
) STRICT;

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
