//! The shared back end: PostgreSQL, for several ace servers writing one chain.
//!
//! Appends take a transaction-scoped advisory lock, so writers in any number of processes
//! extend the chain one transaction at a time; migrations take a session advisory lock, so
//! servers starting together do not race.

use std::sync::{Arc, Mutex};

use postgres::types::ToSql;
use postgres::{Client, NoTls, SimpleQueryMessage, Statement};

use crate::chain::{ChainWriter, DeterminationFields, Link, Tip, ACE_VERSION};
use crate::compact::{self, Codec};
use crate::error::{Error, Result};
use crate::group::GroupCommit;
use crate::migrations::{self, Migration};
use crate::pg_listen::{Listener, Mirror};
use crate::pg_reviews::ReviewIndex;
use crate::pg_tokens::TokenIndex;
use crate::query::{Param, Selection};
use crate::row::{
    ReviewRow, Row, SessionRow, TokenRow, DETERMINATION_COLUMNS, REVIEW_COLUMNS, STORED_COLUMNS,
};
use crate::store::{Backend, RecordStore, Store};
use crate::tokens::{self, AccessChange};
use crate::types::{
    DeterminationLink, Head, Record, RecordKind, ReviewDecision, ReviewKey, Session, Token,
};

/// Advisory lock held while migrating ("ace" "mig" in ASCII).
const MIGRATION_LOCK: i64 = 0x0061_6365_006d_6967;
/// Advisory lock held by the transaction that extends the chain ("ace" "chn").
const CHAIN_LOCK: i64 = 0x0061_6365_0063_686e;

/// Connects, applies pending migrations and starts the writer.
pub(crate) fn open(url: &str) -> Result<Box<dyn RecordStore>> {
    let mut first = connect(url)?;
    let dictionary = migrate(&mut first, migrations::POSTGRES)?;
    let dictionaries = url.to_string();
    let codec = Arc::new(Codec::new(
        dictionary,
        Box::new(move |id| dictionary_bytes(&mut connect(&dictionaries)?, id)),
    )?);
    let writer = PgWriter::connect(url, codec.clone())?;
    let backend = Postgres::new(url, first)?;
    Ok(Box::new(Store::new(
        backend,
        GroupCommit::start(Box::new(writer))?,
        codec,
    )))
}

/// The bytes of dictionary `id`.
fn dictionary_bytes(client: &mut Client, id: i64) -> Result<Option<Vec<u8>>> {
    let row = client.query_opt("SELECT bytes FROM dictionaries WHERE id = $1", &[&id])?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// The id of the bundled dictionary in `dictionaries`, stored there first if it is not yet
/// (the next free id); called under the migration lock, so servers starting together agree.
fn bundled_dictionary(client: &mut Client) -> Result<i64> {
    let sha256 = compact::bundled_sha256();
    client.execute(
        "INSERT INTO dictionaries (id, sha256, bytes)
         SELECT COALESCE(MAX(id), 0) + 1, $1::text, $2::bytea FROM dictionaries
         HAVING NOT EXISTS (SELECT 1 FROM dictionaries WHERE sha256 = $1::text)",
        &[&sha256, &compact::BUNDLED],
    )?;
    let id = client
        .query_one("SELECT id FROM dictionaries WHERE sha256 = $1", &[&sha256])?
        .try_get(0)?;
    Ok(id)
}

/// A connection whose commits wait for the WAL flush (acknowledged means durable).
fn connect(url: &str) -> Result<Client> {
    let mut client = Client::connect(url, NoTls)?;
    client.batch_execute("SET synchronous_commit = on")?;
    Ok(client)
}

/// Applies the migrations not yet applied, one process at a time; stores the bundled
/// dictionary when the schema has the table for it, and answers its id.
fn migrate(client: &mut Client, all: &[Migration]) -> Result<Option<i64>> {
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let applied = apply_pending(client, all).and_then(|()| {
        if migrations::latest(all) >= COMPACT_VERSION {
            bundled_dictionary(client).map(Some)
        } else {
            Ok(None)
        }
    });
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    let dictionary = applied?;
    unlocked?;
    Ok(dictionary)
}

/// The migration that adds compact rows.
const COMPACT_VERSION: i64 = 6;

fn apply_pending(client: &mut Client, all: &[Migration]) -> Result<()> {
    client.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let current: i64 = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations",
            &[],
        )?
        .get(0);
    let known = migrations::latest(all);
    if current > known {
        return Err(Error::SchemaTooNew {
            found: current,
            known,
        });
    }
    for m in all.iter().filter(|m| m.version > current) {
        let mut tx = client.transaction()?;
        tx.batch_execute(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&m.version, &m.name, &crate::time::now()],
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// Reading connections, opened on demand and kept for reuse, and the review decisions and
/// tokens kept in memory.
struct Postgres {
    url: String,
    idle: Mutex<Vec<Reader>>,
    reviews: Arc<ReviewIndex>,
    tokens: Arc<TokenIndex>,
    listener: Arc<Listener>,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.listener.stop();
    }
}

/// Every token with its secret hash (the token index's loads).
fn all_tokens(client: &mut Client) -> Result<Vec<(String, Token)>> {
    client
        .query(tokens::sql::ALL_WITH_HASH, &[])?
        .iter()
        .map(|r| Ok((r.try_get(5)?, read_token(r)?)))
        .collect()
}

/// The review decisions recorded after record `after`, oldest first (the index's loads).
fn reviews_since(client: &mut Client, after: i64) -> Result<Vec<ReviewDecision>> {
    let sql =
        format!("SELECT {REVIEW_COLUMNS} FROM reviews WHERE record_id > $1 ORDER BY record_id");
    client
        .query(sql.as_str(), &[&after])?
        .iter()
        .map(read_review)
        .collect()
}

/// A reading connection with the statement every screening runs, prepared once.
struct Reader {
    client: Client,
    reviews: Statement,
}

impl Reader {
    fn new(mut client: Client) -> Result<Self> {
        let columns = REVIEW_COLUMNS
            .split(", ")
            .map(|c| format!("r.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        // All the keys of one screening in one round trip; `k.ord` says which key a row is for.
        let reviews = client.prepare(&format!(
            "SELECT {columns}, k.ord FROM reviews r
             JOIN UNNEST($1::text[], $2::text[], $3::text[]) WITH ORDINALITY
                  AS k(party_key, list, entry_id, ord)
               ON r.party_key = k.party_key AND r.list = k.list AND r.entry_id = k.entry_id
             ORDER BY r.record_id"
        ))?;
        Ok(Reader { client, reviews })
    }
}

impl Postgres {
    /// The reading side over a migrated database, its review and token indexes starting to
    /// load.
    fn new(url: &str, first: Client) -> Result<Self> {
        let reviews = Arc::new(ReviewIndex::new(reviews_since));
        let tokens = Arc::new(TokenIndex::new(all_tokens));
        let mirrors: Vec<Arc<dyn Mirror>> = vec![reviews.clone(), tokens.clone()];
        Ok(Postgres {
            url: url.to_string(),
            idle: Mutex::new(vec![Reader::new(first)?]),
            reviews,
            tokens,
            listener: Listener::start(url, mirrors)?,
        })
    }

    fn with_reader<T>(&self, f: impl FnOnce(&mut Reader) -> Result<T>) -> Result<T> {
        let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut reader = match pooled {
            Some(r) if !r.client.is_closed() => r,
            _ => Reader::new(connect(&self.url)?)?,
        };
        let result = f(&mut reader);
        if !reader.client.is_closed() {
            if let Ok(mut idle) = self.idle.lock() {
                idle.push(reader);
            }
        }
        result
    }

    fn with_client<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        self.with_reader(|r| f(&mut r.client))
    }

    /// The decisions for each key, asked of the database in one round trip.
    fn reviews_in_database(&self, keys: &[ReviewKey]) -> Result<Vec<Vec<ReviewDecision>>> {
        let column = |f: fn(&ReviewKey) -> &str| keys.iter().map(f).collect::<Vec<&str>>();
        let party_keys = column(|k| &k.party_key);
        let lists = column(|k| &k.list);
        let entries = column(|k| &k.entry_id);
        let rows = self.with_reader(|r| {
            Ok(r.client
                .query(&r.reviews, &[&party_keys, &lists, &entries])?)
        })?;
        let mut found = vec![Vec::new(); keys.len()];
        for row in &rows {
            let ordinal: i64 = row.try_get(REVIEW_COLUMN_COUNT)?;
            let slot = usize::try_from(ordinal - 1)
                .ok()
                .and_then(|i| found.get_mut(i))
                .ok_or_else(|| Error::Corrupt {
                    id: 0,
                    problem: format!("review lookup answered for key {ordinal} of {}", keys.len()),
                })?;
            slot.push(read_review(row)?);
        }
        Ok(found)
    }
}

fn read_row(r: &postgres::Row) -> Result<Row> {
    Ok(Row {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        created_at: r.try_get(2)?,
        actor: r.try_get(3)?,
        input: r.try_get(4)?,
        output: r.try_get(5)?,
        ruleset: r.try_get(6)?,
        list_snapshot: r.try_get(7)?,
        ace_version: r.try_get(8)?,
        transaction_id: r.try_get(9)?,
        prev_hash: r.try_get(10)?,
        hash: r.try_get(11)?,
        dictionary: r.try_get(12)?,
        input_z: r.try_get(13)?,
        output_z: r.try_get(14)?,
    })
}

/// Columns of [`REVIEW_COLUMNS`], read by [`read_review`].
const REVIEW_COLUMN_COUNT: usize = 12;

fn read_review(r: &postgres::Row) -> Result<ReviewDecision> {
    review_row(r)?.into_decision()
}

fn review_row(r: &postgres::Row) -> Result<ReviewRow> {
    Ok(ReviewRow {
        record_id: r.try_get(0)?,
        party: r.try_get(1)?,
        party_key: r.try_get(2)?,
        list: r.try_get(3)?,
        entry_id: r.try_get(4)?,
        verdict: r.try_get(5)?,
        reason: r.try_get(6)?,
        actor: r.try_get(7)?,
        screening_record: r.try_get(8)?,
        created_at: r.try_get(9)?,
        country: r.try_get(10)?,
        entry_hash: r.try_get(11)?,
    })
}

fn read_link(r: &postgres::Row) -> Result<DeterminationLink> {
    Ok(DeterminationLink {
        record_id: r.try_get(0)?,
        outcome: r.try_get(1)?,
        supersedes: r.try_get(2)?,
        review_record: r.try_get(3)?,
        line: r.try_get(4)?,
    })
}

/// A `LIMIT` value.
fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn read_token(r: &postgres::Row) -> Result<Token> {
    TokenRow {
        name: r.try_get(0)?,
        role: r.try_get(1)?,
        created_at: r.try_get(2)?,
        expires_at: r.try_get(3)?,
        revoked_at: r.try_get(4)?,
    }
    .into_token()
}

fn boxed(p: &Param) -> Box<dyn postgres::types::ToSql + Sync> {
    match p {
        Param::Text(s) => Box::new(s.clone()),
        Param::Int(i) => Box::new(*i),
    }
}

impl Backend for Postgres {
    fn rows(&self, selection: &Selection, limit: usize) -> Result<Vec<Row>> {
        let (sql, params) = selection.sql(STORED_COLUMNS, limit, |i| format!("${i}"));
        let owned: Vec<Box<dyn postgres::types::ToSql + Sync>> = params.iter().map(boxed).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            owned.iter().map(|b| b.as_ref()).collect();
        self.with_client(|c| c.query(sql.as_str(), &refs)?.iter().map(read_row).collect())
    }

    fn row(&self, id: i64) -> Result<Option<Row>> {
        let sql = format!("SELECT {STORED_COLUMNS} FROM records WHERE id = $1");
        self.with_client(|c| {
            c.query_opt(sql.as_str(), &[&id])?
                .as_ref()
                .map(read_row)
                .transpose()
        })
    }

    fn count(&self) -> Result<u64> {
        self.with_client(|c| {
            let n: i64 = c
                .query_one("SELECT COUNT(*) FROM records", &[])?
                .try_get(0)?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    fn head(&self) -> Result<Option<Head>> {
        self.with_client(|c| {
            let row = c.query_opt("SELECT id, hash FROM records ORDER BY id DESC LIMIT 1", &[])?;
            row.map(|r| {
                Ok(Head {
                    id: r.try_get(0)?,
                    hash: r.try_get(1)?,
                })
            })
            .transpose()
        })
    }

    fn reviews_for_keys(&self, keys: &[ReviewKey]) -> Result<Vec<Vec<ReviewDecision>>> {
        match self.reviews.lookup(keys) {
            Some(found) => Ok(found),
            None => self.reviews_in_database(keys),
        }
    }

    fn reviews_at_hand(&self, keys: &[ReviewKey]) -> Option<Vec<Vec<ReviewDecision>>> {
        self.reviews.lookup(keys)
    }

    fn reviews_recorded(&self) {
        // The decision is committed whatever happens here; if it cannot be loaded now, the
        // index must not answer without it: lookups go to the database until reloaded.
        if self.with_client(|c| self.reviews.catch_up(c)).is_err() {
            self.reviews.forget();
        }
    }

    fn review_rows(&self, after: i64, limit: usize) -> Result<Vec<ReviewRow>> {
        let sql = format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews WHERE record_id > $1 ORDER BY record_id LIMIT $2"
        );
        self.with_client(|c| {
            c.query(sql.as_str(), &[&after, &limit_of(limit)])?
                .iter()
                .map(review_row)
                .collect()
        })
    }

    fn determination_rows(&self, after: i64, limit: usize) -> Result<Vec<DeterminationLink>> {
        let sql = format!(
            "SELECT {DETERMINATION_COLUMNS} FROM determinations WHERE record_id > $1
             ORDER BY record_id LIMIT $2"
        );
        self.with_client(|c| {
            c.query(sql.as_str(), &[&after, &limit_of(limit)])?
                .iter()
                .map(read_link)
                .collect()
        })
    }

    fn line_rows(&self, id: i64) -> Result<Vec<DeterminationLink>> {
        let sql = format!(
            "SELECT {DETERMINATION_COLUMNS} FROM determinations
             WHERE line = (SELECT line FROM determinations WHERE record_id = $1)
             ORDER BY record_id"
        );
        self.with_client(|c| {
            c.query(sql.as_str(), &[&id])?
                .iter()
                .map(read_link)
                .collect()
        })
    }

    fn held_rows(&self, after_line: i64, limit: usize) -> Result<Vec<DeterminationLink>> {
        let sql = format!(
            "SELECT {DETERMINATION_COLUMNS} FROM determinations d
             WHERE d.outcome = 'HOLD' AND d.line > $1
               AND NOT EXISTS (SELECT 1 FROM determinations n
                                WHERE n.line = d.line AND n.record_id > d.record_id)
             ORDER BY d.line LIMIT $2"
        );
        self.with_client(|c| {
            c.query(sql.as_str(), &[&after_line, &limit_of(limit)])?
                .iter()
                .map(read_link)
                .collect()
        })
    }

    fn token(&self, name: &str) -> Result<Option<Token>> {
        self.with_client(|c| {
            c.query_opt(tokens::sql::BY_NAME, &[&name])?
                .as_ref()
                .map(read_token)
                .transpose()
        })
    }

    fn token_by_hash(&self, secret_hash: &str, now: &str) -> Result<Option<Token>> {
        self.with_client(|c| {
            c.query_opt(tokens::sql::ACTIVE_BY_HASH, &[&secret_hash, &now])?
                .as_ref()
                .map(read_token)
                .transpose()
        })
    }

    fn token_at_hand(&self, secret_hash: &str, now: &str) -> Option<Result<Option<Token>>> {
        self.tokens.lookup(secret_hash, now).map(Ok)
    }

    fn tokens_changed(&self) {
        self.tokens.forget();
    }

    fn tokens(&self) -> Result<Vec<Token>> {
        self.with_client(|c| {
            c.query(tokens::sql::ALL, &[])?
                .iter()
                .map(read_token)
                .collect()
        })
    }

    fn session_by_hash(&self, id_sha256: &str, now: &str) -> Result<Option<Session>> {
        self.with_client(|c| {
            let Some(r) = c.query_opt(tokens::sql::LIVE_SESSION, &[&id_sha256, &now])? else {
                return Ok(None);
            };
            SessionRow {
                token_name: r.try_get(0)?,
                role: r.try_get(1)?,
                csrf: r.try_get(2)?,
                expires_at: r.try_get(3)?,
            }
            .into_session()
            .map(Some)
        })
    }

    fn session_token(&self, id_sha256: &str) -> Result<Option<String>> {
        self.with_client(|c| {
            let row = c.query_opt(tokens::sql::SESSION_TOKEN, &[&id_sha256])?;
            Ok(row.map(|r| r.try_get(0)).transpose()?)
        })
    }

    fn dictionaries(&self) -> Result<Vec<(i64, String, Vec<u8>)>> {
        self.with_client(|c| {
            c.query(
                "SELECT id, sha256, bytes FROM dictionaries ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
        })
    }
}

/// The tip (the newest link, read under the chain lock) from its text row.
fn tip_of(row: &postgres::SimpleQueryRow) -> Result<Tip> {
    let text = |i: usize| row.try_get(i).map(|v| v.unwrap_or_default().to_string());
    let id_text = text(0)?;
    let id = id_text.parse().map_err(|_| Error::Corrupt {
        id: 0,
        problem: format!("the newest record has a non-numeric id {id_text:?}"),
    })?;
    Ok(Tip {
        id,
        hash: text(1)?,
        created_at: text(2)?,
    })
}

/// The writer's connection and its prepared statements.
struct PgWriter {
    url: String,
    live: Option<Prepared>,
    codec: Arc<Codec>,
}

struct Prepared {
    client: Client,
    existing: Statement,
    insert: Statement,
    review: Statement,
    determinations: Statement,
    insert_committed: Statement,
}

impl PgWriter {
    fn connect(url: &str, codec: Arc<Codec>) -> Result<Self> {
        Ok(PgWriter {
            url: url.to_string(),
            live: Some(Prepared::new(connect(url)?)?),
            codec,
        })
    }

    /// The live connection, reconnecting if the last one was lost (e.g. a server restart).
    fn live(&mut self) -> Result<&mut Prepared> {
        if self.live.as_ref().is_none_or(|p| p.client.is_closed()) {
            self.live = Some(Prepared::new(connect(&self.url)?)?);
        }
        self.live.as_mut().ok_or(Error::WriterGone)
    }
}

impl Prepared {
    fn new(mut client: Client) -> Result<Self> {
        // Every statement of the writer finds its rows by key. Planned once (a cached
        // generic plan instead of planning each statement, each foreign-key and trigger
        // query, for every batch), a plan made while the tables were small must still not
        // scan them whole once they are large: sequential scans are off for this session.
        client.batch_execute("SET enable_seqscan = off")?;
        let existing = client.prepare(&format!(
            "SELECT {STORED_COLUMNS} FROM records
             WHERE kind = ANY($1::text[]) AND transaction_id = ANY($2::text[])"
        ))?;
        // One statement per batch however many records: the rows travel as parallel arrays.
        let insert = client.prepare(&format!(
            "INSERT INTO records ({STORED_COLUMNS})
             SELECT * FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                  $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                                  $13::int8[], $14::bytea[], $15::bytea[])"
        ))?;
        let review = client.prepare(&format!(
            "INSERT INTO reviews ({REVIEW_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))?;
        // The line of a record that supersedes another is that record's line (committed
        // before: a re-decision follows the record it supersedes); else its own id.
        let determinations = client.prepare(&format!(
            "INSERT INTO determinations ({DETERMINATION_COLUMNS})
             SELECT n.id, n.outcome, n.supersedes, n.review_record,
                    COALESCE((SELECT p.line FROM determinations p WHERE p.record_id = n.supersedes), n.id)
               FROM UNNEST($1::int8[], $2::text[], $3::int8[], $4::int8[])
                    AS n(id, outcome, supersedes, review_record)"
        ))?;
        // Both inserts as one statement, committed on its own. It writes only if the chain
        // still ends at the first row's predecessor ($20, hash $21), and takes the chain lock
        // before its first row (a determination row is made from an inserted record's id,
        // so after it): a writer holding the lock in a transaction never meets its rows half
        // made. A writer that appended between this statement's snapshot and its lock has
        // taken the ids: the primary key refuses the statement. Answers the records written.
        let insert_committed = client.prepare(&format!(
            "WITH chain_lock AS (
                 SELECT pg_advisory_xact_lock({CHAIN_LOCK})
                   FROM records t
                  WHERE t.id = $20 AND t.hash = $21
                    AND NOT EXISTS (SELECT 1 FROM records later WHERE later.id > $20)),
             appended AS (
                 INSERT INTO records ({STORED_COLUMNS})
                 SELECT n.*
                   FROM chain_lock,
                        UNNEST($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                               $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                               $13::int8[], $14::bytea[], $15::bytea[]) AS n
                 RETURNING id),
             indexed AS (
                 INSERT INTO determinations ({DETERMINATION_COLUMNS})
                 SELECT d.id, d.outcome, d.supersedes, d.review_record,
                        COALESCE((SELECT p.line FROM determinations p WHERE p.record_id = d.supersedes), d.id)
                   FROM UNNEST($16::int8[], $17::text[], $18::int8[], $19::int8[])
                        AS d(id, outcome, supersedes, review_record)
                   JOIN appended a ON a.id = d.id)
             SELECT count(*) FROM appended"
        ))?;
        Ok(Prepared {
            client,
            existing,
            insert,
            review,
            determinations,
            insert_committed,
        })
    }
}

impl ChainWriter for PgWriter {
    fn begin(&mut self) -> Result<Option<Tip>> {
        let p = self.live()?;
        // One round trip: the lock is taken inside the transaction (released by its end), and
        // the tip is read after it, seeing every earlier holder's commit (migration 8).
        let messages = p
            .client
            .simple_query(&format!("BEGIN; SELECT * FROM ace_chain_tip({CHAIN_LOCK})"))?;
        let tip_row = messages.iter().rev().find_map(|m| match m {
            SimpleQueryMessage::Row(row) if row.len() == 3 => Some(row),
            _ => None,
        });
        tip_row.map(tip_of).transpose()
    }

    fn existing(&mut self, keys: &[(RecordKind, String)]) -> Result<Vec<Record>> {
        let codec = self.codec.clone();
        let p = self.live()?;
        let kinds: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        let ids: Vec<&str> = keys.iter().map(|(_, t)| t.as_str()).collect();
        let mut found = Vec::new();
        for row in p.client.query(&p.existing, &[&kinds, &ids])? {
            // The two ANY conditions also match crossed pairs; keep only the pairs asked for.
            let record = read_row(&row)?.expanded(&codec)?.into_record()?;
            let wanted = keys
                .iter()
                .any(|(k, t)| *k == record.kind && Some(t) == record.transaction_id.as_ref());
            if wanted {
                found.push(record);
            }
        }
        Ok(found)
    }

    fn insert(&mut self, links: &[Link<'_>]) -> Result<()> {
        let p = self.live()?;
        p.client
            .execute(&p.insert, &RecordColumns::of(links).params())?;
        for link in links {
            if let Some(r) = &link.item.review {
                p.client.execute(
                    &p.review,
                    &[
                        &link.stamp.id,
                        &r.party,
                        &r.party_key,
                        &r.list,
                        &r.entry_id,
                        &r.verdict.as_str(),
                        &r.reason,
                        &link.item.actor,
                        &r.screening_record,
                        &link.stamp.created_at,
                        &r.country,
                        &r.entry_hash,
                    ],
                )?;
            }
        }
        let determinations = DeterminationColumns::of(links);
        if !determinations.ids.is_empty() {
            p.client
                .execute(&p.determinations, &determinations.params())?;
        }
        for link in links {
            if let Some(change) = &link.item.access {
                apply_access(&mut p.client, change, &link.stamp.created_at)?;
            }
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        Ok(self.live()?.client.batch_execute("COMMIT")?)
    }

    fn rollback(&mut self) {
        if let Some(p) = self.live.as_mut().filter(|p| !p.client.is_closed()) {
            let _ = p.client.batch_execute("ROLLBACK");
        }
    }

    fn writes_in_one_statement(&self) -> bool {
        true
    }

    fn insert_committed(&mut self, links: &[Link<'_>]) -> Result<bool> {
        let Some(first) = links.first() else {
            return Ok(true);
        };
        let after = first.stamp.id - 1;
        let p = self.live()?;
        let records = RecordColumns::of(links);
        let determinations = DeterminationColumns::of(links);
        let params: Vec<&(dyn ToSql + Sync)> = records
            .params()
            .into_iter()
            .chain(determinations.params())
            .chain([&after as &(dyn ToSql + Sync), &first.stamp.prev_hash])
            .collect();
        match p.client.query_one(&p.insert_committed, &params) {
            Ok(row) => Ok(row.try_get::<_, i64>(0)? == links.len() as i64),
            // Refused by the database (ids taken, the chain check): nothing was written. A
            // lost connection is another matter: whether it committed is not known.
            Err(e) if e.as_db_error().is_some() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// The `records` columns of a batch as parallel arrays, in `STORED_COLUMNS` order: one
/// statement inserts them all, however many rows.
struct RecordColumns<'b> {
    ids: Vec<i64>,
    kinds: Vec<&'b str>,
    created_at: Vec<&'b str>,
    actors: Vec<&'b str>,
    inputs: Vec<&'b str>,
    outputs: Vec<&'b str>,
    rulesets: Vec<Option<&'b str>>,
    snapshots: Vec<Option<&'b str>>,
    versions: Vec<&'static str>,
    transaction_ids: Vec<Option<&'b str>>,
    prev_hashes: Vec<&'b str>,
    hashes: Vec<&'b str>,
    dictionaries: Vec<Option<i64>>,
    inputs_z: Vec<Option<&'b [u8]>>,
    outputs_z: Vec<Option<&'b [u8]>>,
}

impl<'b> RecordColumns<'b> {
    fn of(links: &'b [Link<'_>]) -> Self {
        RecordColumns {
            ids: links.iter().map(|l| l.stamp.id).collect(),
            kinds: texts(links, |l| l.item.kind.as_str()),
            created_at: texts(links, |l| &l.stamp.created_at),
            actors: texts(links, |l| &l.item.actor),
            inputs: texts(links, |l| l.item.stored_input()),
            outputs: texts(links, |l| l.item.stored_output()),
            rulesets: optional_texts(links, |l| l.item.ruleset.as_deref()),
            snapshots: optional_texts(links, |l| l.item.list_snapshot.as_deref()),
            versions: vec![ACE_VERSION; links.len()],
            transaction_ids: optional_texts(links, |l| l.item.transaction_id.as_deref()),
            prev_hashes: texts(links, |l| &l.stamp.prev_hash),
            hashes: texts(links, |l| &l.stamp.hash),
            dictionaries: links
                .iter()
                .map(|l| l.item.compact.as_ref().map(|c| c.dictionary))
                .collect(),
            inputs_z: frames(links, |c| &c.input_z),
            outputs_z: frames(links, |c| &c.output_z),
        }
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 15] {
        [
            &self.ids,
            &self.kinds,
            &self.created_at,
            &self.actors,
            &self.inputs,
            &self.outputs,
            &self.rulesets,
            &self.snapshots,
            &self.versions,
            &self.transaction_ids,
            &self.prev_hashes,
            &self.hashes,
            &self.dictionaries,
            &self.inputs_z,
            &self.outputs_z,
        ]
    }
}

/// The determination index rows of a batch's determinations, as parallel arrays.
struct DeterminationColumns<'b> {
    ids: Vec<i64>,
    outcomes: Vec<Option<&'b str>>,
    supersedes: Vec<Option<i64>>,
    review_records: Vec<Option<i64>>,
}

impl<'b> DeterminationColumns<'b> {
    fn of(links: &'b [Link<'_>]) -> Self {
        let rows: Vec<(i64, &DeterminationFields)> = links
            .iter()
            .filter_map(|l| l.item.determination.as_ref().map(|d| (l.stamp.id, d)))
            .collect();
        DeterminationColumns {
            ids: rows.iter().map(|(id, _)| *id).collect(),
            outcomes: rows.iter().map(|(_, d)| d.outcome.as_deref()).collect(),
            supersedes: rows.iter().map(|(_, d)| d.supersedes).collect(),
            review_records: rows.iter().map(|(_, d)| d.review_record).collect(),
        }
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 4] {
        [
            &self.ids,
            &self.outcomes,
            &self.supersedes,
            &self.review_records,
        ]
    }
}

/// Makes an access change in the writer's transaction.
fn apply_access(client: &mut Client, change: &AccessChange, at: &str) -> Result<()> {
    for statement in change.statements(at) {
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> = statement
            .params
            .iter()
            .map(|p| p as &(dyn postgres::types::ToSql + Sync))
            .collect();
        let changed = client.execute(statement.sql, &params)?;
        if statement.one_row && changed != 1 {
            return Err(tokens::not_applied(&statement, changed));
        }
    }
    Ok(())
}

/// One text column of a batch insert.
fn texts<'b, 'a: 'b>(links: &'b [Link<'a>], field: fn(&'b Link<'a>) -> &'b str) -> Vec<&'b str> {
    links.iter().map(field).collect()
}

/// One column of compressed texts of a batch insert (NULL for a row stored as text).
fn frames<'b>(
    links: &'b [Link<'_>],
    field: fn(&'b compact::Compact) -> &'b Vec<u8>,
) -> Vec<Option<&'b [u8]>> {
    links
        .iter()
        .map(|l| l.item.compact.as_ref().map(|c| field(c).as_slice()))
        .collect()
}

/// One nullable text column of a batch insert.
fn optional_texts<'b, 'a: 'b>(
    links: &'b [Link<'a>],
    field: fn(&'b Link<'a>) -> Option<&'b str>,
) -> Vec<Option<&'b str>> {
    links.iter().map(field).collect()
}

#[cfg(test)]
mod tests {
    //! Needs PostgreSQL, like tests/postgres.rs: `ACE_TEST_POSTGRES_URL`, else the local default.
    use super::*;
    use crate::types::{NewRecord, NewReview, Verdict};
    use std::time::{Duration, Instant};

    /// A fresh database on the test server; dropped with the value.
    struct TestDb {
        admin: String,
        name: String,
    }

    impl TestDb {
        fn new(tag: &str) -> Self {
            let admin = std::env::var("ACE_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let name = format!("ace_records_unit_{tag}_{}", std::process::id());
            let mut client = Client::connect(&admin, NoTls).expect("PostgreSQL for the test");
            // Two calls: CREATE DATABASE refuses to run inside a multi-statement batch.
            client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
                .expect("drop old database");
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create database");
            TestDb { admin, name }
        }

        fn url(&self) -> String {
            let (base, _) = self.admin.rsplit_once('/').unwrap_or((&self.admin, ""));
            format!("{base}/{}", self.name)
        }
    }

    impl Drop for TestDb {
        fn drop(&mut self) {
            if let Ok(mut client) = Client::connect(&self.admin, NoTls) {
                let _ = client.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ));
            }
        }
    }

    fn wait_for<T>(limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<(T, Duration)> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(found) = probe() {
                return Some((found, started.elapsed()));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    #[test]
    fn another_servers_review_decision_reaches_the_index_by_notification() {
        let db = TestDb::new("notify");
        let url = db.url();
        let a = open(&url).expect("store A");
        let mut first = connect(&url).expect("connect");
        migrate(&mut first, migrations::POSTGRES).expect("migrated");
        let b = Postgres::new(&url, first).expect("server B's reading side");
        wait_for(Duration::from_secs(10), || b.reviews.lookup(&[])).expect("B's index loads");

        let review = NewReview {
            party: "ACME Trading LLC".into(),
            party_key: "acme trading".into(),
            list: "SDN".into(),
            entry_id: "12345".into(),
            verdict: Verdict::FalsePositive,
            reason: "another company".into(),
            actor: "rita".into(),
            screening_record: None,
            list_snapshot: None,
            transaction_id: None,
            country: None,
            entry_hash: None,
        };
        let recorded = a.record_review(review).expect("A records a review");
        let key = ReviewKey {
            party_key: "acme trading".into(),
            list: "SDN".into(),
            entry_id: "12345".into(),
        };
        let (found, after) = wait_for(Duration::from_secs(10), || {
            b.reviews
                .lookup(std::slice::from_ref(&key))
                .filter(|f| !f[0].is_empty())
        })
        .expect("B's index has A's decision");
        assert_eq!(found[0][0].record_id, recorded.id);
        // Well before the periodic refresh: the notification brought it.
        assert!(
            after < crate::pg_listen::REFRESH / 2,
            "took {after:?}; the refresh comes every {:?}",
            crate::pg_listen::REFRESH
        );
        // The database path (used before the index loads) gives the same answer.
        assert_eq!(
            b.reviews_in_database(std::slice::from_ref(&key))
                .expect("database lookup"),
            found
        );
        // And B answers from the index, the same as the database says.
        assert_eq!(
            b.reviews_for_keys(std::slice::from_ref(&key))
                .expect("lookup"),
            a.reviews_for_keys(std::slice::from_ref(&key))
                .expect("lookup")
        );
        drop(b);
        drop(a);
    }

    /// The one-statement write commits plain records after the tip it is given, and writes
    /// nothing — refused, not failed — when the chain no longer ends there: another writer
    /// appended (the ids are taken), or the tip it names is not the one stored.
    #[test]
    fn one_statement_writes_only_after_the_tip_it_names() {
        use crate::chain::{plain_item, Item, NextLink, Tip};
        let db = TestDb::new("one_statement");
        let url = db.url();
        let store = open(&url).expect("store");
        let codec = Arc::new(Codec::new(None, Box::new(|_| Ok(None))).expect("codec"));
        let mut w = PgWriter::connect(&url, codec).expect("writer");
        let items: Vec<Item> = (0..3).map(plain_item).collect();
        let count = || store.count().expect("count");
        let tip = |id: i64| {
            let row = store.get(id).expect("get").expect("row");
            Tip {
                id,
                hash: row.hash,
                created_at: row.created_at,
            }
        };
        store.append(determination_record()).expect("first record");

        let mut next = NextLink::after(Some(tip(1)));
        let links: Vec<_> = items[..2].iter().map(|i| next.link(i)).collect();
        assert!(
            w.insert_committed(&links).expect("written"),
            "after the tip"
        );
        assert_eq!(count(), 3);
        assert!(store.verify().expect("verify").ok);
        let indexed = |id: i64| !store.determination_line(id).expect("line").is_empty();
        assert!(
            indexed(2) && indexed(3),
            "each record has its determination row"
        );

        // After a stale tip (ids taken), and after a tip with a hash not stored: refused.
        let mut stale = NextLink::after(Some(tip(1)));
        let links: Vec<_> = items.iter().map(|i| stale.link(i)).collect();
        assert!(!w.insert_committed(&links).expect("no error"), "ids taken");
        let mut forged = NextLink::after(Some(Tip {
            hash: "0".repeat(64),
            ..tip(3)
        }));
        let links: Vec<_> = items.iter().map(|i| forged.link(i)).collect();
        assert!(
            !w.insert_committed(&links).expect("no error"),
            "not the stored tip"
        );
        assert_eq!(count(), 3, "nothing written");
        assert!(!indexed(4), "no determination row written either");

        // The writer still works: a transaction, then one statement again.
        store
            .append(determination_record())
            .expect("appended by the store");
        let mut next = NextLink::after(Some(tip(4)));
        let links: Vec<_> = items.iter().map(|i| next.link(i)).collect();
        assert!(w.insert_committed(&links).expect("written"));
        assert_eq!(count(), 7);
        assert!(store.verify().expect("verify").ok);
    }

    fn determination_record() -> NewRecord {
        NewRecord {
            kind: RecordKind::Determination,
            actor: "b".into(),
            input: serde_json::json!({}),
            output: serde_json::json!({ "outcome": "ACE" }),
            ruleset: None,
            list_snapshot: None,
            transaction_id: None,
        }
    }

    /// The name of the token `secret` authenticates as, answered from B's memory (`None`
    /// while B's index cannot answer).
    fn at_hand(store: &Postgres, secret: &str) -> Option<Option<String>> {
        store
            .token_at_hand(&tokens::secret_hash(secret), &crate::time::now())
            .map(|found| found.expect("in memory").map(|t| t.name))
    }

    #[test]
    fn tokens_are_answered_from_memory_and_a_revocation_elsewhere_reaches_it_by_notification() {
        use crate::types::{NewToken, Role};
        let db = TestDb::new("tokens");
        let url = db.url();
        let a = open(&url).expect("store A");
        let secret = a
            .create_token(&NewToken::new("ci", Role::Analyst, "admin"))
            .expect("A creates a token");
        let mut first = connect(&url).expect("connect");
        migrate(&mut first, migrations::POSTGRES).expect("migrated");
        let b = Postgres::new(&url, first).expect("server B's reading side");
        let (name, _) = wait_for(Duration::from_secs(10), || at_hand(&b, &secret))
            .expect("B's token index loads and answers without the database");
        assert_eq!(name.as_deref(), Some("ci"));

        a.revoke_token("ci", "admin").expect("A revokes it");
        // A itself never answers from the state before its own change.
        let answered = a
            .authenticate_at_hand(&secret)
            .map(|found| found.expect("in memory").map(|t| t.name));
        assert!(
            matches!(answered, None | Some(None)),
            "A answered {answered:?} after revoking"
        );
        assert_eq!(a.authenticate(&secret).expect("A asks"), None);
        let (_, after) = wait_for(Duration::from_secs(10), || {
            at_hand(&b, &secret).filter(|name| name.is_none())
        })
        .expect("B stops accepting the revoked token");
        assert!(
            after < crate::pg_listen::REFRESH / 2,
            "took {after:?}; the refresh comes every {:?}",
            crate::pg_listen::REFRESH
        );

        // A rotation elsewhere: the new secret works on B, from memory, and the old one not.
        let other = a
            .create_token(&NewToken::new("ops", Role::Auditor, "admin"))
            .expect("another token");
        wait_for(Duration::from_secs(10), || at_hand(&b, &other).flatten())
            .expect("B learns the new token");
        let rotated = a.rotate_token("ops", "admin").expect("rotated");
        wait_for(Duration::from_secs(10), || at_hand(&b, &rotated).flatten())
            .expect("B accepts the new secret");
        assert_eq!(at_hand(&b, &other), Some(None), "the old secret is refused");
        drop(b);
        drop(a);
    }
}
