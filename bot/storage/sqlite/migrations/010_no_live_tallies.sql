-- Reports are made once per closed month from the raw rows (009); the live tallies that
-- migration 005 kept for unfiltered reports are read by nothing now, and every recorded
-- choice paid for them with three more writes. What reports still read of 005 stays: a
-- run's answers, helpful answers and whether it was the person's first play.
DROP TRIGGER runs_tally;
DROP TRIGGER runs_untally;
DROP TRIGGER runs_retally;
DROP TRIGGER runs_change_class;
DROP TRIGGER users_change_age_band;
DROP TRIGGER choices_tally;
DROP TRIGGER choices_untally;
DROP TABLE run_tallies;
DROP TABLE choice_tallies;
DROP TABLE step_tallies;
DROP TABLE strategy_tallies;

CREATE TRIGGER runs_first_play AFTER INSERT ON runs BEGIN
    UPDATE runs SET first_play = NOT EXISTS (
        SELECT 1 FROM runs o WHERE o.user = NEW.user AND o.scenario_id = NEW.scenario_id
        AND o.rowid != NEW.rowid
    ) WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER choices_count AFTER INSERT ON choices BEGIN
    UPDATE runs SET answers = answers + 1, helpful = helpful + (NEW.assessment = 'helpful')
    WHERE user = NEW.user AND run_id = NEW.run_id;
END;

CREATE TRIGGER choices_uncount AFTER DELETE ON choices BEGIN
    UPDATE runs SET answers = answers - 1, helpful = helpful - (OLD.assessment = 'helpful')
    WHERE user = OLD.user AND run_id = OLD.run_id;
END;

-- A person's runs by date: the class a run is reported in is that of the person's first
-- run of the month (bot/storage/evaluation.py).
CREATE INDEX runs_by_person_date ON runs (user, started_on);
