-- Starting a run and recording a step of it are one statement each: an insert into the view
-- run_starts or run_steps, whose trigger stores the run or the choice, the run's new state
-- (or its end), and the day the person was last seen. A statement is atomic with its
-- triggers, so it needs one round trip to the database thread instead of five or six, and
-- such statements can be queued side by side (bot/storage/store.py); under load every
-- update waited for those round trips (benchmarks/README.md).
CREATE VIEW run_starts (user, run_id, scenario_id, version, class_id, state, today)
AS SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE 0;

CREATE TRIGGER run_starts_record INSTEAD OF INSERT ON run_starts BEGIN
    -- People who did not agree to saving never get rows.
    SELECT RAISE(ABORT, 'unknown user')
    WHERE NOT EXISTS (SELECT 1 FROM users WHERE user = NEW.user);
    UPDATE users SET last_seen_on = NEW.today WHERE user = NEW.user;
    INSERT INTO runs (user, run_id, scenario_id, version, started_on, class_id)
        VALUES (NEW.user, NEW.run_id, NEW.scenario_id, NEW.version, NEW.today, NEW.class_id);
    INSERT INTO active_runs (user, run_id, state) VALUES (NEW.user, NEW.run_id, NEW.state)
    ON CONFLICT (user) DO UPDATE SET run_id = excluded.run_id, state = excluded.state;
END;

CREATE VIEW run_steps (
    user, run_id, state, finished, today,
    scenario_id, version, step_id, choice_id, strategy, assessment, phase
) AS SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE 0;

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
END;
