-- The class a run is reported in (bot/storage/evaluation.py): the class of its person's
-- first run that month, or none when that run was outside classes. Kept on the run when it
-- is recorded, instead of being looked up for every answer of every report: releasing a
-- month of a million answers took 5 s longer with the lookup. A class that is deleted
-- leaves the runs reported in it without a class, as it does their own class_id.
ALTER TABLE runs ADD COLUMN report_class INTEGER REFERENCES classes (id) ON DELETE SET NULL;

UPDATE runs SET report_class = (
    SELECT h.class_id FROM runs h WHERE h.user = runs.user
    AND h.started_on BETWEEN substr(runs.started_on, 1, 7) || '-01'
                         AND substr(runs.started_on, 1, 7) || '-31'
    ORDER BY h.started_on, h.rowid LIMIT 1
);

CREATE TRIGGER runs_report_class AFTER INSERT ON runs BEGIN
    UPDATE runs SET report_class = CASE
        WHEN EXISTS (SELECT 1 FROM runs h WHERE h.user = NEW.user AND h.rowid != NEW.rowid
                     AND h.started_on BETWEEN substr(NEW.started_on, 1, 7) || '-01'
                                          AND NEW.started_on)
        THEN (SELECT h.report_class FROM runs h WHERE h.user = NEW.user
              AND h.rowid != NEW.rowid
              AND h.started_on BETWEEN substr(NEW.started_on, 1, 7) || '-01' AND NEW.started_on
              ORDER BY h.started_on, h.rowid LIMIT 1)
        ELSE NEW.class_id END
    WHERE rowid = NEW.rowid;
END;

CREATE INDEX runs_by_report_class ON runs (report_class, started_on);
