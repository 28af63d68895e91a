-- Issue 18: the tokens of the web pages – projector links, one-time login links and
-- sessions (as SQLite's migration 018). Only the SHA-256 digest of a token's secret is
-- kept; deleting the row revokes the token. A projector link goes with its lesson (and so
-- with its class); every token goes with its holder's data (erase_user).
CREATE TABLE web_tokens (
    digest bytea PRIMARY KEY CHECK (length(digest) = 32),
    kind text NOT NULL CHECK (kind IN ('projector', 'login', 'session', 'launch')),
    holder text NOT NULL,        -- pseudonym of the staff member it was made for
    lesson_id bigint REFERENCES lessons (id) ON DELETE CASCADE,
    language text NOT NULL,      -- the page's language
    expires_at timestamptz NOT NULL,
    CHECK ((kind = 'projector') = (lesson_id IS NOT NULL))
);
CREATE INDEX web_tokens_by_lesson ON web_tokens (lesson_id) WHERE lesson_id IS NOT NULL;
CREATE INDEX web_tokens_by_holder ON web_tokens (holder);
CREATE INDEX web_tokens_by_expiry ON web_tokens (expires_at);
