-- Replays ("what else could I have done?"): after a debrief a person may go back to a step
-- they passed and choose again. A replay is a run of its own, marked, so it never counts as
-- a first play (reports see it as a later play) and the class view leaves it out.
ALTER TABLE runs ADD COLUMN replay INTEGER NOT NULL DEFAULT 0;

-- The person's last finished run (its Run.to_json()), which a replay branches from. It goes
-- with the run (retention) and with the person (/delete, saying no to saving).
CREATE TABLE finished_runs (
    user TEXT PRIMARY KEY REFERENCES users (user) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    state TEXT NOT NULL,
    FOREIGN KEY (user, run_id) REFERENCES runs (user, run_id) ON DELETE CASCADE
) STRICT;

-- Migration 006's statements, with the replay mark and the last finished run. Dropping the
-- view drops its trigger.
DROP VIEW run_starts;
CREATE VIEW run_starts (user, run_id, scenario_id, version, class_id, replay, state, today)
AS SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE 0;

CREATE TRIGGER run_starts_record INSTEAD OF INSERT ON run_starts BEGIN
    -- People who did not agree to saving never get rows.
    SELECT RAISE(ABORT, 'unknown user')
    WHERE NOT EXISTS (SELECT 1 FROM users WHERE user = NEW.user);
    UPDATE users SET last_seen_on = NEW.today WHERE user = NEW.user;
    INSERT INTO runs (user, run_id, scenario_id, version, started_on, class_id, replay)
        VALUES (NEW.user, NEW.run_id, NEW.scenario_id, NEW.version, NEW.today, NEW.class_id,
                NEW.replay);
    INSERT INTO active_runs (user, run_id, state) VALUES (NEW.user, NEW.run_id, NEW.state)
    ON CONFLICT (user) DO UPDATE SET run_id = excluded.run_id, state = excluded.state;
END;

DROP TRIGGER run_steps_record;
CREATE TRIGGER run_steps_record INSTEAD OF INSERT ON run_steps BEGIN
    SELECT RAISE(ABORT, 'unknown user')
    WHERE NOT EXISTS (SELECT 1 FROM users WHERE user = NEW.user);
    SELECT RAISE(ABORT, 'unknown run')
    WHERE NOT EXISTS (SELECT 1 FROM runs WHERE user = NEW.user AND run_id = NEW.run_id);
    UPDATE users SET last_seen_on = NEW.today WHERE user = NEW.user;
    INSERT INTO choices (user, run_id, scenario_id, version, step_id, choice_id, strategy,
                         assessment, phase, recorded_on)
        SELECT NEW.user, NEW.run_id, NEW.scenario_id, NEW.version, NEW.step_id, NEW.choice_id,
               NEW.strategy, NEW.assessment, NEW.phase, NEW.today
        WHERE NEW.choice_id IS NOT NULL;
    UPDATE runs SET finished_on = coalesce(finished_on, NEW.today)
    WHERE NEW.finished AND user = NEW.user AND run_id = NEW.run_id;
    DELETE FROM active_runs WHERE NEW.finished AND user = NEW.user;
    INSERT INTO active_runs (user, run_id, state)
        SELECT NEW.user, NEW.run_id, NEW.state WHERE NOT NEW.finished
    ON CONFLICT (user) DO UPDATE SET run_id = excluded.run_id, state = excluded.state;
    INSERT INTO finished_runs (user, run_id, state)
        SELECT NEW.user, NEW.run_id, NEW.state WHERE NEW.finished
    ON CONFLICT (user) DO UPDATE SET run_id = excluded.run_id, state = excluded.state;
END;

-- Migration 010's trigger: a replay is never a first play, by its mark rather than by which
-- other runs happen to be stored.
DROP TRIGGER runs_first_play;
CREATE TRIGGER runs_first_play AFTER INSERT ON runs BEGIN
    UPDATE runs SET first_play = NOT NEW.replay AND NOT EXISTS (
        SELECT 1 FROM runs o WHERE o.user = NEW.user AND o.scenario_id = NEW.scenario_id
        AND o.rowid != NEW.rowid
    ) WHERE rowid = NEW.rowid;
END;
