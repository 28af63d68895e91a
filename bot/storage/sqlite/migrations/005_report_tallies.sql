-- Reports read counts kept up to date as choices are recorded, instead of scanning every
-- choice: a report over a million choices then reads a few hundred rows. Triggers keep the
-- counts equal to the same GROUP BY over the choices table, through every insert and delete
-- (a person deleting their data, retention), whichever code writes.

-- Per run: its answers, how many were helpful, and whether it was the person's first run
-- of that scenario (fixed when the run starts, so retention does not turn a later play
-- into a first one).
ALTER TABLE runs ADD COLUMN answers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN helpful INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN first_play INTEGER NOT NULL DEFAULT 1;

-- A person's runs of a scenario: first plays, and "did they play it" for questionnaire pairs.
CREATE INDEX runs_by_person_scenario ON runs (user, scenario_id);

UPDATE runs SET
    answers = (SELECT count(*) FROM choices c WHERE c.user = runs.user AND c.run_id = runs.run_id),
    helpful = (SELECT count(*) FROM choices c WHERE c.user = runs.user AND c.run_id = runs.run_id
               AND c.assessment = 'helpful'),
    first_play = rowid = (SELECT min(o.rowid) FROM runs o
                          WHERE o.user = runs.user AND o.scenario_id = runs.scenario_id);

-- Runs, finished runs, helpful answers, answers and distinct people, per scenario, per play
-- (first | later), per age band (the person's current one) and per class.
CREATE TABLE run_tallies (
    dimension TEXT NOT NULL,     -- scenario | play | age_band | class
    grp TEXT NOT NULL,           -- a scenario id, first | later, an age band, a class id
    starts INTEGER NOT NULL,
    finished INTEGER NOT NULL,
    helpful INTEGER NOT NULL,
    answers INTEGER NOT NULL,
    participants INTEGER NOT NULL,
    PRIMARY KEY (dimension, grp)
) STRICT, WITHOUT ROWID;

INSERT INTO run_tallies
    SELECT 'scenario', scenario_id, count(*), count(finished_on), sum(helpful), sum(answers),
           count(DISTINCT user)
    FROM runs GROUP BY scenario_id
    UNION ALL
    SELECT 'play', CASE WHEN first_play THEN 'first' ELSE 'later' END, count(*),
           count(finished_on), sum(helpful), sum(answers), count(DISTINCT user)
    FROM runs GROUP BY 2
    UNION ALL
    SELECT 'age_band', u.age_band, count(*), count(r.finished_on), sum(r.helpful),
           sum(r.answers), count(DISTINCT r.user)
    FROM runs r JOIN users u ON u.user = r.user GROUP BY u.age_band
    UNION ALL
    SELECT 'class', CAST(class_id AS TEXT), count(*), count(finished_on), sum(helpful),
           sum(answers), count(DISTINCT user)
    FROM runs WHERE class_id IS NOT NULL GROUP BY class_id;

-- A run counts in four groups; "other runs of the same person in the group" decides
-- whether the person is new to (or leaving) the group.
CREATE TRIGGER runs_tally AFTER INSERT ON runs BEGIN
    UPDATE runs SET first_play = NOT EXISTS (
        SELECT 1 FROM runs o WHERE o.user = NEW.user AND o.scenario_id = NEW.scenario_id
        AND o.rowid != NEW.rowid
    ) WHERE rowid = NEW.rowid;
    INSERT INTO run_tallies
        SELECT k.dimension, k.grp, 1, NEW.finished_on IS NOT NULL, NEW.helpful, NEW.answers,
            NOT EXISTS (
                SELECT 1 FROM runs o WHERE o.user = NEW.user AND o.rowid != NEW.rowid
                AND CASE k.dimension
                    WHEN 'scenario' THEN o.scenario_id = NEW.scenario_id
                    WHEN 'play' THEN o.first_play = (k.grp = 'first')
                    WHEN 'class' THEN o.class_id = NEW.class_id
                    ELSE 1 END)
        FROM (
            SELECT 'scenario' AS dimension, NEW.scenario_id AS grp
            UNION ALL SELECT 'play', (SELECT CASE WHEN first_play THEN 'first' ELSE 'later' END
                                      FROM runs WHERE rowid = NEW.rowid)
            UNION ALL SELECT 'age_band', (SELECT age_band FROM users WHERE user = NEW.user)
            UNION ALL SELECT 'class', CAST(NEW.class_id AS TEXT)
        ) k WHERE k.grp IS NOT NULL
    ON CONFLICT DO UPDATE SET starts = starts + 1, finished = finished + excluded.finished,
        helpful = helpful + excluded.helpful, answers = answers + excluded.answers,
        participants = participants + excluded.participants;
END;

CREATE TRIGGER runs_untally AFTER DELETE ON runs BEGIN
    UPDATE run_tallies SET starts = starts - 1, finished = finished - (OLD.finished_on IS NOT NULL),
        helpful = helpful - OLD.helpful, answers = answers - OLD.answers,
        participants = participants - NOT EXISTS (
            SELECT 1 FROM runs o WHERE o.user = OLD.user
            AND CASE run_tallies.dimension
                WHEN 'scenario' THEN o.scenario_id = OLD.scenario_id
                WHEN 'play' THEN o.first_play = OLD.first_play
                WHEN 'class' THEN o.class_id = OLD.class_id
                ELSE 1 END)
    WHERE (dimension, grp) IN (
        SELECT 'scenario', OLD.scenario_id
        UNION ALL SELECT 'play', CASE WHEN OLD.first_play THEN 'first' ELSE 'later' END
        UNION ALL SELECT 'age_band', (SELECT age_band FROM users WHERE user = OLD.user)
        UNION ALL SELECT 'class', CAST(OLD.class_id AS TEXT));
END;

CREATE TRIGGER runs_retally AFTER UPDATE OF answers, helpful, finished_on ON runs BEGIN
    UPDATE run_tallies SET
        finished = finished + (NEW.finished_on IS NOT NULL) - (OLD.finished_on IS NOT NULL),
        helpful = helpful + NEW.helpful - OLD.helpful, answers = answers + NEW.answers - OLD.answers
    WHERE (dimension, grp) IN (
        SELECT 'scenario', NEW.scenario_id
        UNION ALL SELECT 'play', CASE WHEN NEW.first_play THEN 'first' ELSE 'later' END
        UNION ALL SELECT 'age_band', (SELECT age_band FROM users WHERE user = NEW.user)
        UNION ALL SELECT 'class', CAST(NEW.class_id AS TEXT));
END;

-- A deleted class leaves its runs without a class (ON DELETE SET NULL).
CREATE TRIGGER runs_change_class AFTER UPDATE OF class_id ON runs
WHEN OLD.class_id IS NOT NEW.class_id BEGIN
    UPDATE run_tallies SET starts = starts - 1, finished = finished - (OLD.finished_on IS NOT NULL),
        helpful = helpful - OLD.helpful, answers = answers - OLD.answers,
        participants = participants - NOT EXISTS (
            SELECT 1 FROM runs o WHERE o.user = OLD.user AND o.class_id = OLD.class_id
            AND o.rowid != OLD.rowid)
    WHERE dimension = 'class' AND grp = CAST(OLD.class_id AS TEXT);
    INSERT INTO run_tallies
        SELECT 'class', CAST(NEW.class_id AS TEXT), 1, NEW.finished_on IS NOT NULL, NEW.helpful,
            NEW.answers, NOT EXISTS (
                SELECT 1 FROM runs o WHERE o.user = NEW.user AND o.class_id = NEW.class_id
                AND o.rowid != NEW.rowid)
        WHERE NEW.class_id IS NOT NULL
    ON CONFLICT DO UPDATE SET starts = starts + 1, finished = finished + excluded.finished,
        helpful = helpful + excluded.helpful, answers = answers + excluded.answers,
        participants = participants + excluded.participants;
END;

-- A person who changes age band takes their runs to the new band.
CREATE TRIGGER users_change_age_band AFTER UPDATE OF age_band ON users
WHEN OLD.age_band IS NOT NEW.age_band AND EXISTS (SELECT 1 FROM runs WHERE user = NEW.user) BEGIN
    UPDATE run_tallies AS k SET starts = k.starts - t.starts, finished = k.finished - t.finished,
        helpful = k.helpful - t.helpful, answers = k.answers - t.answers,
        participants = k.participants - 1
    FROM (SELECT count(*) AS starts, count(finished_on) AS finished, sum(helpful) AS helpful,
                 sum(answers) AS answers FROM runs WHERE user = NEW.user) t
    WHERE dimension = 'age_band' AND grp = OLD.age_band;
    INSERT INTO run_tallies
        SELECT 'age_band', NEW.age_band, count(*), count(finished_on), sum(helpful),
            sum(answers), 1 FROM runs WHERE user = NEW.user
    ON CONFLICT DO UPDATE SET starts = starts + excluded.starts, finished = finished + excluded.finished,
        helpful = helpful + excluded.helpful, answers = answers + excluded.answers,
        participants = participants + 1;
END;

-- Runs go before their person, so the run triggers can still read the age band.
CREATE TRIGGER users_delete_runs_first BEFORE DELETE ON users BEGIN
    DELETE FROM runs WHERE user = OLD.user;
END;

-- Answers and distinct people per choice, per step and per strategy.
CREATE TABLE choice_tallies (
    scenario_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    choice_id TEXT NOT NULL,
    strategy TEXT NOT NULL,
    assessment TEXT NOT NULL,
    phase TEXT NOT NULL,
    answers INTEGER NOT NULL,
    participants INTEGER NOT NULL,
    PRIMARY KEY (scenario_id, step_id, choice_id, strategy, assessment, phase)
) STRICT, WITHOUT ROWID;

CREATE TABLE step_tallies (
    scenario_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    answers INTEGER NOT NULL,
    participants INTEGER NOT NULL,
    PRIMARY KEY (scenario_id, step_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE strategy_tallies (
    strategy TEXT PRIMARY KEY,
    answers INTEGER NOT NULL,
    participants INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO choice_tallies
    SELECT scenario_id, step_id, choice_id, strategy, assessment, phase, count(*),
           count(DISTINCT user)
    FROM choices GROUP BY scenario_id, step_id, choice_id, strategy, assessment, phase;
INSERT INTO step_tallies
    SELECT scenario_id, step_id, count(*), count(DISTINCT user)
    FROM choices GROUP BY scenario_id, step_id;
INSERT INTO strategy_tallies
    SELECT strategy, count(*), count(DISTINCT user) FROM choices GROUP BY strategy;

-- The person's other choices are found through choices_by_person; "is this their first (or
-- last) answer with this key" decides whether the participant count moves.
CREATE INDEX choices_by_person ON choices (user, scenario_id, step_id, strategy);

CREATE TRIGGER choices_tally AFTER INSERT ON choices BEGIN
    UPDATE runs SET answers = answers + 1, helpful = helpful + (NEW.assessment = 'helpful')
    WHERE user = NEW.user AND run_id = NEW.run_id;
    INSERT INTO choice_tallies VALUES (
        NEW.scenario_id, NEW.step_id, NEW.choice_id, NEW.strategy, NEW.assessment, NEW.phase,
        1, NOT EXISTS (
            SELECT 1 FROM choices c WHERE c.user = NEW.user AND c.scenario_id = NEW.scenario_id
            AND c.step_id = NEW.step_id AND c.choice_id = NEW.choice_id
            AND c.strategy = NEW.strategy AND c.assessment = NEW.assessment
            AND c.phase = NEW.phase AND c.id != NEW.id))
    ON CONFLICT DO UPDATE SET answers = answers + 1,
        participants = participants + excluded.participants;
    INSERT INTO step_tallies VALUES (
        NEW.scenario_id, NEW.step_id, 1, NOT EXISTS (
            SELECT 1 FROM choices c WHERE c.user = NEW.user AND c.scenario_id = NEW.scenario_id
            AND c.step_id = NEW.step_id AND c.id != NEW.id))
    ON CONFLICT DO UPDATE SET answers = answers + 1,
        participants = participants + excluded.participants;
    INSERT INTO strategy_tallies VALUES (
        NEW.strategy, 1, NOT EXISTS (
            SELECT 1 FROM choices c WHERE c.user = NEW.user AND c.strategy = NEW.strategy
            AND c.id != NEW.id))
    ON CONFLICT DO UPDATE SET answers = answers + 1,
        participants = participants + excluded.participants;
END;

CREATE TRIGGER choices_untally AFTER DELETE ON choices BEGIN
    UPDATE runs SET answers = answers - 1, helpful = helpful - (OLD.assessment = 'helpful')
    WHERE user = OLD.user AND run_id = OLD.run_id;
    UPDATE choice_tallies SET answers = answers - 1, participants = participants - NOT EXISTS (
            SELECT 1 FROM choices c WHERE c.user = OLD.user AND c.scenario_id = OLD.scenario_id
            AND c.step_id = OLD.step_id AND c.choice_id = OLD.choice_id
            AND c.strategy = OLD.strategy AND c.assessment = OLD.assessment
            AND c.phase = OLD.phase)
    WHERE scenario_id = OLD.scenario_id AND step_id = OLD.step_id
        AND choice_id = OLD.choice_id AND strategy = OLD.strategy
        AND assessment = OLD.assessment AND phase = OLD.phase;
    UPDATE step_tallies SET answers = answers - 1, participants = participants - NOT EXISTS (
            SELECT 1 FROM choices c WHERE c.user = OLD.user AND c.scenario_id = OLD.scenario_id
            AND c.step_id = OLD.step_id)
    WHERE scenario_id = OLD.scenario_id AND step_id = OLD.step_id;
    UPDATE strategy_tallies SET answers = answers - 1, participants = participants - NOT EXISTS (
            SELECT 1 FROM choices c WHERE c.user = OLD.user AND c.strategy = OLD.strategy)
    WHERE strategy = OLD.strategy;
END;

-- The tallies replace the covering index for reports, and choices_by_person covers what
-- choices_by_scenario was for.
DROP INDEX choices_for_reports;
DROP INDEX choices_by_scenario;
