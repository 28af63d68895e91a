-- Reports count answers per scenario, step and choice: a covering index lets SQLite read
-- them in order from the index alone instead of sorting a million rows.
CREATE INDEX choices_for_reports
    ON choices (scenario_id, step_id, choice_id, strategy, assessment, phase, user);
