-- The researchers' row-level export (issue 17; docs/privacy.md, "The researchers' row-level
-- export"): every export is logged, asked and made. Who is the operator's --for text or
-- the researcher's role grant label, never a Telegram id or a pseudonym; grant_id ties a
-- request asked in Telegram to the grant that asked it. Entries older than the log's
-- retention go in the daily purge.
CREATE TABLE research_exports (
    id INTEGER PRIMARY KEY,
    asked_on TEXT NOT NULL,
    who TEXT NOT NULL,
    grant_id INTEGER,
    purpose TEXT NOT NULL,
    filters TEXT NOT NULL,       -- e.g. period=2026-10
    made_on TEXT,                -- empty: asked in Telegram, no format chosen yet
    format TEXT,                 -- xlsx | csv
    rows INTEGER,
    people INTEGER,
    classes INTEGER,
    sha256 TEXT                  -- of the file sent (the CSV's data file)
) STRICT;
