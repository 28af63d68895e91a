-- The researchers' row-level export log: bot/storage/sqlite/migrations/016_research_exports.sql.
CREATE TABLE research_exports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asked_on date NOT NULL,
    who text NOT NULL,
    grant_id bigint,
    purpose text NOT NULL,
    filters text NOT NULL,
    made_on date,
    format text,
    rows integer,
    people integer,
    classes integer,
    sha256 text
);
