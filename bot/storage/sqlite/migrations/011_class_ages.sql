-- A class's age decides which scenarios its youth worker is offered without a warning
-- (bot/engine/ages.py): a school year (4–12, gymnasiet 1 being 10) counted as one age,
-- or an age range. Classes made before this get the bot's whole audience, 13–19, which
-- their youth worker can change in /class.
ALTER TABLE classes ADD COLUMN age_min INTEGER NOT NULL DEFAULT 13;
ALTER TABLE classes ADD COLUMN age_max INTEGER NOT NULL DEFAULT 19;
ALTER TABLE classes ADD COLUMN school_year INTEGER;
