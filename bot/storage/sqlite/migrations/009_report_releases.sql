-- Reports are made of released periods (bot/evaluation/release.py): a closed month, with what every report of it hides, fixed when it is first released and never
-- changed afterwards. Only counts and anonymous answer pairs, as in any report. Once the
-- period is past the retention period its numbers are retired: the body is emptied, and
-- the row stays so that the period is never released again from what retention kept.
CREATE TABLE report_releases (
    period TEXT PRIMARY KEY,     -- a month: 2026-11
    last_day TEXT NOT NULL,      -- the period's last day, for retention
    released_on TEXT NOT NULL,
    body TEXT NOT NULL           -- JSON: K, the numbers of each scope, the hidden counts;
                                 -- '' once retired
) STRICT;
