//! Versioned schema migrations: applied in order on open, each recorded in `schema_migrations`.
//! A migration is never edited once released; changes are new migrations.

/// One schema change.
pub(crate) struct Migration {
    /// Applied in increasing order, recorded when applied.
    pub version: i64,
    /// What it does, for `schema_migrations`.
    pub name: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// Highest version a list of migrations reaches.
pub(crate) fn latest(migrations: &[Migration]) -> i64 {
    migrations.iter().map(|m| m.version).max().unwrap_or(0)
}

/// SQLite schema.
pub(crate) const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "records chain, review index, tokens",
        sql: r#"
CREATE TABLE records (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('determination', 'screening', 'review')),
    created_at     TEXT NOT NULL,
    actor          TEXT NOT NULL,
    input          TEXT NOT NULL,
    output         TEXT NOT NULL,
    ruleset        TEXT,
    list_snapshot  TEXT,
    ace_version    TEXT NOT NULL,
    transaction_id TEXT,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
CREATE UNIQUE INDEX records_kind_transaction ON records (kind, transaction_id);
CREATE INDEX records_created_at ON records (created_at);
CREATE TRIGGER records_linear BEFORE INSERT ON records
WHEN NEW.id <> COALESCE((SELECT MAX(id) FROM records), 0) + 1
  OR NEW.prev_hash <> COALESCE((SELECT hash FROM records ORDER BY id DESC LIMIT 1),
                               '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN SELECT RAISE(ABORT, 'records are a chain: a new record must follow the last one'); END;
CREATE TRIGGER records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only: UPDATE refused'); END;
CREATE TRIGGER records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only: DELETE refused'); END;

CREATE TABLE reviews (
    record_id        INTEGER PRIMARY KEY REFERENCES records (id),
    party            TEXT NOT NULL,
    party_key        TEXT NOT NULL,
    list             TEXT NOT NULL,
    entry_id         TEXT NOT NULL,
    verdict          TEXT NOT NULL CHECK (verdict IN ('true_match', 'false_positive')),
    reason           TEXT NOT NULL,
    actor            TEXT NOT NULL,
    screening_record INTEGER,
    created_at       TEXT NOT NULL
);
CREATE INDEX reviews_key ON reviews (party_key, list, entry_id);
CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are append-only: UPDATE refused'); END;
CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are append-only: DELETE refused'); END;

CREATE TABLE tokens (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('analyst', 'reviewer', 'auditor', 'admin')),
    secret_sha256 TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL
);
"#,
    },
    Migration {
        version: 2,
        name: "review country and entry hash; determination index (outcome, supersedes, line)",
        sql: r#"
-- What a review decision was about, as its record says: the party's country (ISO alpha-2)
-- and the content hash of the entry as screened. NULL for decisions recorded before.
ALTER TABLE reviews ADD COLUMN country TEXT;
ALTER TABLE reviews ADD COLUMN entry_hash TEXT;

-- One row per determination record, filled when it is appended: its outcome, the record it
-- supersedes (a re-decision after a review) and the line it belongs to (the id of the first
-- record of the line). The current state of a line is its newest record. `verify` checks
-- every row against its record.
CREATE TABLE determinations (
    record_id     INTEGER PRIMARY KEY,
    outcome       TEXT,
    supersedes    INTEGER,
    review_record INTEGER,
    line          INTEGER NOT NULL
);
CREATE INDEX determinations_line ON determinations (line, record_id);
CREATE INDEX determinations_held ON determinations (line) WHERE outcome = 'HOLD';
CREATE TRIGGER determinations_no_update BEFORE UPDATE ON determinations
BEGIN SELECT RAISE(ABORT, 'determinations are append-only: UPDATE refused'); END;
CREATE TRIGGER determinations_no_delete BEFORE DELETE ON determinations
BEGIN SELECT RAISE(ABORT, 'determinations are append-only: DELETE refused'); END;
-- The determinations recorded before: each a line of its own.
INSERT INTO determinations (record_id, outcome, supersedes, review_record, line)
SELECT id,
       COALESCE(CASE WHEN json_type(output, '$.outcome') = 'text'
                     THEN json_extract(output, '$.outcome') END,
                CASE WHEN json_type(output, '$.determination.outcome') = 'text'
                     THEN json_extract(output, '$.determination.outcome') END),
       NULL, NULL, id
  FROM records WHERE kind = 'determination';
"#,
    },
    Migration {
        version: 3,
        name: "access records (tokens, sign-ins); token expiry and revocation; web sessions",
        sql: r#"
-- Records of kind 'access': a token created, revoked or rotated, a sign-in or sign-out.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with the same rows
-- (ids, texts and hashes unchanged), then its indexes and triggers are made again.
CREATE TABLE records_v3 (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('determination', 'screening', 'review', 'access')),
    created_at     TEXT NOT NULL,
    actor          TEXT NOT NULL,
    input          TEXT NOT NULL,
    output         TEXT NOT NULL,
    ruleset        TEXT,
    list_snapshot  TEXT,
    ace_version    TEXT NOT NULL,
    transaction_id TEXT,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
INSERT INTO records_v3 SELECT id, kind, created_at, actor, input, output, ruleset,
       list_snapshot, ace_version, transaction_id, prev_hash, hash FROM records ORDER BY id;
DROP TABLE records;
ALTER TABLE records_v3 RENAME TO records;
CREATE UNIQUE INDEX records_kind_transaction ON records (kind, transaction_id);
CREATE INDEX records_created_at ON records (created_at);
CREATE TRIGGER records_linear BEFORE INSERT ON records
WHEN NEW.id <> COALESCE((SELECT MAX(id) FROM records), 0) + 1
  OR NEW.prev_hash <> COALESCE((SELECT hash FROM records ORDER BY id DESC LIMIT 1),
                               '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN SELECT RAISE(ABORT, 'records are a chain: a new record must follow the last one'); END;
CREATE TRIGGER records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only: UPDATE refused'); END;
CREATE TRIGGER records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only: DELETE refused'); END;

-- A token stops working when it expires or is revoked; a revoked token keeps its row, so
-- its name (an actor in records) is never given to another token.
ALTER TABLE tokens ADD COLUMN expires_at TEXT;
ALTER TABLE tokens ADD COLUMN revoked_at TEXT;

-- Web sessions, shared by every server on this database. The id is kept only as its
-- SHA-256; a session counts only while its token is active with the same secret, so
-- revoking or rotating the token ends it at once, everywhere.
CREATE TABLE sessions (
    id_sha256           TEXT PRIMARY KEY,
    token_name          TEXT NOT NULL REFERENCES tokens (name),
    token_secret_sha256 TEXT NOT NULL,
    csrf                TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    expires_at          TEXT NOT NULL
);
CREATE INDEX sessions_token ON sessions (token_name);
CREATE INDEX sessions_expiry ON sessions (expires_at);
"#,
    },
    Migration {
        version: 4,
        name: "compact records: zstd dictionaries, compressed input and output",
        sql: r#"
-- zstd dictionaries that compact rows are compressed with, each kept once, by id; the SHA-256
-- (lowercase hex) of the bytes names it (docs/records-format.md). Never changed or removed:
-- every row written with one needs it to be read.
CREATE TABLE dictionaries (
    id     INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    bytes  BLOB NOT NULL
);
CREATE TRIGGER dictionaries_no_update BEFORE UPDATE ON dictionaries
BEGIN SELECT RAISE(ABORT, 'dictionaries are append-only: UPDATE refused'); END;
CREATE TRIGGER dictionaries_no_delete BEFORE DELETE ON dictionaries
BEGIN SELECT RAISE(ABORT, 'dictionaries are append-only: DELETE refused'); END;

-- A compact row: input and output empty, their canonical texts as zstd frames made with
-- the dictionary named. Rows written before keep their texts (and NULL here): no row changes.
ALTER TABLE records ADD COLUMN dictionary INTEGER REFERENCES dictionaries (id);
ALTER TABLE records ADD COLUMN input_z BLOB;
ALTER TABLE records ADD COLUMN output_z BLOB;
"#,
    },
];

/// PostgreSQL schema. Times and JSON are TEXT: the exact text that was hashed is what is kept
/// (jsonb would re-format numbers and reorder keys).
pub(crate) const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "records chain, review index, tokens",
        sql: r#"
CREATE TABLE records (
    id             BIGINT PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('determination', 'screening', 'review')),
    created_at     TEXT NOT NULL,
    actor          TEXT NOT NULL,
    input          TEXT NOT NULL,
    output         TEXT NOT NULL,
    ruleset        TEXT,
    list_snapshot  TEXT,
    ace_version    TEXT NOT NULL,
    transaction_id TEXT,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
CREATE UNIQUE INDEX records_kind_transaction ON records (kind, transaction_id);
CREATE INDEX records_created_at ON records (created_at);

CREATE FUNCTION ace_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END $$;
CREATE FUNCTION ace_records_linear() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_id   BIGINT;
    last_hash TEXT;
BEGIN
    SELECT id, hash INTO last_id, last_hash FROM records ORDER BY id DESC LIMIT 1;
    IF NEW.id <> COALESCE(last_id, 0) + 1
       OR NEW.prev_hash <> COALESCE(last_hash, repeat('0', 64)) THEN
        RAISE EXCEPTION 'records are a chain: record % must follow record %', NEW.id, COALESCE(last_id, 0);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER records_linear BEFORE INSERT ON records
    FOR EACH ROW EXECUTE FUNCTION ace_records_linear();
CREATE TRIGGER records_no_update BEFORE UPDATE OR DELETE ON records
    FOR EACH ROW EXECUTE FUNCTION ace_refuse_change();
CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON records
    FOR EACH STATEMENT EXECUTE FUNCTION ace_refuse_change();

CREATE TABLE reviews (
    record_id        BIGINT PRIMARY KEY REFERENCES records (id),
    party            TEXT NOT NULL,
    party_key        TEXT NOT NULL,
    list             TEXT NOT NULL,
    entry_id         TEXT NOT NULL,
    verdict          TEXT NOT NULL CHECK (verdict IN ('true_match', 'false_positive')),
    reason           TEXT NOT NULL,
    actor            TEXT NOT NULL,
    screening_record BIGINT,
    created_at       TEXT NOT NULL
);
CREATE INDEX reviews_key ON reviews (party_key, list, entry_id);
CREATE TRIGGER reviews_no_update BEFORE UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION ace_refuse_change();
CREATE TRIGGER reviews_no_truncate BEFORE TRUNCATE ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION ace_refuse_change();

CREATE TABLE tokens (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('analyst', 'reviewer', 'auditor', 'admin')),
    secret_sha256 TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL
);
"#,
    },
    Migration {
        version: 2,
        name: "chain check once per statement; lz4 for record texts",
        sql: r#"
-- The chain check of v1 ran a plpgsql function and an index probe for every row. Checked once
-- per INSERT statement over the inserted rows it is as strict: every new record's
-- predecessor (id - 1) must exist and carry the new record's prev_hash (record 1 follows the
-- genesis hash). With unique ids that keeps ids 1..n gap-free and the chain one line; a
-- violation still aborts the whole statement.
DROP TRIGGER records_linear ON records;
CREATE FUNCTION ace_records_linear_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    broken BIGINT;
BEGIN
    -- A correlated lookup by primary key per inserted row: a join could be planned as a
    -- scan of the whole table.
    SELECT n.id INTO broken
      FROM inserted n
     WHERE n.id < 1
        OR n.prev_hash IS DISTINCT FROM COALESCE(
               (SELECT p.hash FROM records p WHERE p.id = n.id - 1),
               CASE WHEN n.id = 1 THEN repeat('0', 64) END)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'records are a chain: record % must follow record %', broken, broken - 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER records_linear AFTER INSERT ON records
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION ace_records_linear_rows();
-- Inputs and outputs (a few KB of JSON each) are compressed as they are stored; lz4 costs a
-- fraction of the CPU of the default pglz. Only where the server has it (PostgreSQL 14+,
-- built with lz4); elsewhere the default stays.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000
       AND EXISTS (SELECT 1 FROM pg_settings
                    WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        EXECUTE 'ALTER TABLE records ALTER COLUMN input SET COMPRESSION lz4,
                                     ALTER COLUMN output SET COMPRESSION lz4';
    END IF;
END $$;
"#,
    },
    Migration {
        version: 3,
        name: "notify servers of new review decisions",
        sql: r#"
-- Each server keeps the review decisions in memory (they are few, and every screening asks
-- for them); this tells every listening server, at commit, that there are new ones.
CREATE FUNCTION ace_reviews_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ace_reviews', '');
    RETURN NULL;
END $$;
CREATE TRIGGER reviews_notify AFTER INSERT ON reviews
    FOR EACH STATEMENT EXECUTE FUNCTION ace_reviews_notify();
"#,
    },
    Migration {
        version: 4,
        name: "review country and entry hash; determination index (outcome, supersedes, line)",
        sql: r#"
-- What a review decision was about, as its record says: the party's country (ISO alpha-2)
-- and the content hash of the entry as screened. NULL for decisions recorded before.
ALTER TABLE reviews ADD COLUMN country TEXT, ADD COLUMN entry_hash TEXT;

-- One row per determination record, filled when it is appended: its outcome, the record it
-- supersedes (a re-decision after a review) and the line it belongs to (the id of the first
-- record of the line). The current state of a line is its newest record. `verify` checks
-- every row against its record.
CREATE TABLE determinations (
    record_id     BIGINT PRIMARY KEY,
    outcome       TEXT,
    supersedes    BIGINT,
    review_record BIGINT,
    line          BIGINT NOT NULL
);
CREATE INDEX determinations_line ON determinations (line, record_id);
CREATE INDEX determinations_held ON determinations (line) WHERE outcome = 'HOLD';
CREATE TRIGGER determinations_no_update BEFORE UPDATE OR DELETE ON determinations
    FOR EACH ROW EXECUTE FUNCTION ace_refuse_change();
CREATE TRIGGER determinations_no_truncate BEFORE TRUNCATE ON determinations
    FOR EACH STATEMENT EXECUTE FUNCTION ace_refuse_change();
-- The determinations recorded before: each a line of its own.
INSERT INTO determinations (record_id, outcome, supersedes, review_record, line)
SELECT id,
       COALESCE(CASE WHEN jsonb_typeof(o -> 'outcome') = 'string' THEN o ->> 'outcome' END,
                CASE WHEN jsonb_typeof(o -> 'determination' -> 'outcome') = 'string'
                     THEN o -> 'determination' ->> 'outcome' END),
       NULL, NULL, id
  FROM (SELECT id, output::jsonb AS o FROM records WHERE kind = 'determination') r;
"#,
    },
    Migration {
        version: 5,
        name: "access records (tokens, sign-ins); token expiry and revocation; web sessions",
        sql: r#"
-- Records of kind 'access': a token created, revoked or rotated, a sign-in or sign-out.
ALTER TABLE records DROP CONSTRAINT records_kind_check,
    ADD CONSTRAINT records_kind_check
        CHECK (kind IN ('determination', 'screening', 'review', 'access'));

-- A token stops working when it expires or is revoked; a revoked token keeps its row, so
-- its name (an actor in records) is never given to another token.
ALTER TABLE tokens ADD COLUMN expires_at TEXT, ADD COLUMN revoked_at TEXT;

-- Web sessions, shared by every server on this database. The id is kept only as its
-- SHA-256; a session counts only while its token is active with the same secret, so
-- revoking or rotating the token ends it at once, everywhere.
CREATE TABLE sessions (
    id_sha256           TEXT PRIMARY KEY,
    token_name          TEXT NOT NULL REFERENCES tokens (name),
    token_secret_sha256 TEXT NOT NULL,
    csrf                TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    expires_at          TEXT NOT NULL
);
CREATE INDEX sessions_token ON sessions (token_name);
CREATE INDEX sessions_expiry ON sessions (expires_at);
"#,
    },
    Migration {
        version: 6,
        name: "compact records: zstd dictionaries, compressed input and output",
        sql: r#"
-- zstd dictionaries that compact rows are compressed with, each kept once, by id; the SHA-256
-- (lowercase hex) of the bytes names it (docs/records-format.md). Never changed or removed:
-- every row written with one needs it to be read.
CREATE TABLE dictionaries (
    id     BIGINT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    bytes  BYTEA NOT NULL
);
CREATE TRIGGER dictionaries_no_update BEFORE UPDATE OR DELETE ON dictionaries
    FOR EACH ROW EXECUTE FUNCTION ace_refuse_change();
CREATE TRIGGER dictionaries_no_truncate BEFORE TRUNCATE ON dictionaries
    FOR EACH STATEMENT EXECUTE FUNCTION ace_refuse_change();

-- A compact row: input and output empty, their canonical texts as zstd frames made with
-- the dictionary named. Rows written before keep their texts (and NULL here): adding
-- nullable columns rewrites no row. The frames are compressed already: not again by TOAST.
ALTER TABLE records ADD COLUMN dictionary BIGINT REFERENCES dictionaries (id),
    ADD COLUMN input_z BYTEA, ADD COLUMN output_z BYTEA;
ALTER TABLE records ALTER COLUMN input_z SET STORAGE EXTERNAL,
    ALTER COLUMN output_z SET STORAGE EXTERNAL;
"#,
    },
    Migration {
        version: 7,
        name: "notify servers of token changes",
        sql: r#"
-- Each server keeps the tokens in memory (they are few, and every API request asks for
-- one); this tells every listening server, at commit, that one was created, revoked or
-- rotated, so that a revoked token stops on every server within a round trip.
CREATE FUNCTION ace_tokens_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ace_tokens', '');
    RETURN NULL;
END $$;
CREATE TRIGGER tokens_notify AFTER INSERT OR UPDATE OR DELETE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION ace_tokens_notify();
"#,
    },
    Migration {
        version: 8,
        name: "a record's dictionary checked once per statement, with the chain",
        sql: r#"
-- The foreign key records.dictionary -> dictionaries ran a check query, with a row lock, for
-- every inserted record (a third of the database's work per appended record under load).
-- What it guarded is kept: dictionaries are never changed or removed (their triggers refuse
-- it), so the key only ever checked inserts, and the chain check, once per INSERT statement,
-- now refuses a record naming a dictionary that is not there, aborting the whole statement.
ALTER TABLE records DROP CONSTRAINT records_dictionary_fkey;
CREATE OR REPLACE FUNCTION ace_records_linear_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    broken  BIGINT;
    missing BIGINT;
BEGIN
    -- A correlated lookup by primary key per inserted row: a join could be planned as a
    -- scan of the whole table.
    SELECT n.id INTO broken
      FROM inserted n
     WHERE n.id < 1
        OR n.prev_hash IS DISTINCT FROM COALESCE(
               (SELECT p.hash FROM records p WHERE p.id = n.id - 1),
               CASE WHEN n.id = 1 THEN repeat('0', 64) END)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'records are a chain: record % must follow record %', broken, broken - 1;
    END IF;
    SELECT n.id, n.dictionary INTO broken, missing
      FROM inserted n
     WHERE n.dictionary IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM dictionaries d WHERE d.id = n.dictionary)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'record % names dictionary %, which is not in dictionaries', broken, missing;
    END IF;
    RETURN NULL;
END $$;

-- The writer's first step in each transaction: wait for the chain's lock, then read the
-- newest record. As a function its query is planned once per connection instead of for
-- every transaction; being VOLATILE, its query takes its snapshot after the lock is held
-- (READ COMMITTED), so it sees every earlier holder's commit.
CREATE FUNCTION ace_chain_tip(lock_key BIGINT)
    RETURNS TABLE (id BIGINT, hash TEXT, created_at TEXT)
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN QUERY SELECT r.id, r.hash, r.created_at FROM records r ORDER BY r.id DESC LIMIT 1;
END $$;
"#,
    },
];
