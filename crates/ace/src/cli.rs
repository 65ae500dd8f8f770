//! The command-line grammar. `--help` is the manual: keep it teaching.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const ABOUT: &str =
    "May this cybersecurity item be exported? License Exception ACE (15 CFR 740.22), \
license requirements and restricted-party screening, with every rule cited.";

const EXIT_CODES: &str = "\
Exit codes:
  0  NOT_SUBJECT, NLR or ACE (no license needed), or the command succeeded
  2  bad input (the message names the field and what is accepted), or a question
     outside what ace decides
  3  LICENSE_REQUIRED
  4  PROHIBITED
  5  HOLD: not an authorization — a possible list match (or another open item) must be
     resolved by a person first; the answer lists each with the outcome it would give
  1  any other failure (unreadable file, corrupt data directory)
When the reader of the output goes away (ace matrix --json | head), ace stops quietly
with status 0.

ace gives export-compliance guidance; it is not legal advice.";

#[derive(Debug, Parser)]
#[command(name = "ace", version, about = ABOUT, after_help = EXIT_CODES)]
pub struct Cli {
    /// Where ace keeps everything (list snapshots, rule overrides, records).
    /// Default: $XDG_DATA_HOME/ace or ~/.local/share/ace.
    #[arg(long, global = true, env = "ACE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Take the regulatory data files (country_groups.toml, eccn.toml, ...) present in DIR
    /// instead of the bundled ones. Default: DATA_DIR/rules when it exists.
    #[arg(long, global = true, env = "ACE_RULES_DIR", value_name = "DIR")]
    pub rules_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decide one export: NOT_SUBJECT, NLR, ACE, LICENSE_REQUIRED, PROHIBITED or HOLD, with the trace.
    #[command(after_help = CHECK_HELP)]
    Check(Box<CheckArgs>),
    /// The outcome for every destination, for one ECCN, end-user kind and date.
    Matrix(MatrixArgs),
    /// Show the regulatory data ace uses, with dates and sources.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Screen a name (or a file of names) against the restricted-party lists.
    Screen(ScreenArgs),
    /// Score two names with the screening scorer alone, and explain the score.
    Compare(CompareArgs),
    /// Manage list snapshots: import official files, show status, download the CSL.
    Lists {
        #[command(subcommand)]
        command: ListsCommand,
    },
    /// Classification guidance: is the product a cybersecurity item, and which ECCN?
    Classify(ClassifyArgs),
    /// Screen and decide a file of transactions (CSV or JSON Lines) on every core.
    #[command(after_help = BATCH_HELP)]
    Batch(BatchArgs),
    /// Serve the HTTP API (JSON, API tokens with roles) and the web UI.
    #[command(after_help = serve_help())]
    Serve(ServeArgs),
    /// Print the OpenAPI 3.1 document of the HTTP API (what `ace serve` serves at
    /// /openapi.json), to generate a client or review the contract without a server.
    Openapi,
    /// API tokens: create one (its secret is printed once) or list them.
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// The records ace keeps (EAR part 762): verify the hash chain, list, show, export.
    Records {
        #[command(subcommand)]
        command: RecordsCommand,
    },
}

/// `ace serve --help`: examples, the role matrix, and what a shutdown does.
fn serve_help() -> String {
    format!(
        "Examples:
  ace tokens create --name alice --role analyst > alice.token
  ace serve --listen 127.0.0.1:8080
  curl -s -H \"Authorization: Bearer $(cat alice.token)\" -d @examples/transaction.json \\
       http://127.0.0.1:8080/v1/determinations
  ace serve --listen 127.0.0.1:8081 --database postgres://ace@db.example/ace

Endpoints (JSON in and out; the OpenAPI document is at /openapi.json):
  POST /v1/determinations   the transaction document of `ace check --input`
  POST /v1/screenings       {{\"name\", \"country\"?, \"id\"?}}
  POST /v1/reviews          {{\"record_id\", \"party\", \"list\", \"entry_id\",
                             \"verdict\": \"true_match\"|\"false_positive\", \"reason\"}}
  POST /v1/classifications  the answers map of `ace classify --answers`
  GET  /v1/classifications/questions, /v1/matrix?eccn=&end_user=&as_of=
  GET  /v1/records?since=&until=&kind=&actor=&after_id=&limit=, /v1/records/{{id}},
       /v1/records/verify
  GET  /v1/lists, /v1/rules, /v1/rules/{{groups,countries,eccns,embargoes,periods}}/...
  GET/POST /v1/tokens, DELETE /v1/tokens/{{name}}, POST /v1/tokens/{{name}}/rotate
  GET  /healthz, /metrics (Prometheus), /openapi.json

{}

Errors are JSON {{\"error\", \"field\", \"message\"}}: 400 names the field, 413 for a body
over 1 MiB, 409 when a transaction `id` is reused with another body. A determination,
screening or review is answered only once its record is durable; an `id` makes it
idempotent (the same request again returns the same record, `replayed: true`).
SIGINT/SIGTERM: stop accepting, finish the requests in flight, exit 0.",
        server::api::ROLES
    )
}

/// Where the records are kept.
#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// The record store: a `postgres://` URL, or the path of a SQLite file (created when
    /// something is recorded; commands that only read it refuse a path that does not
    /// exist). Default: DATA_DIR/records.sqlite3.
    #[arg(long, env = "ACE_DATABASE", value_name = "URL")]
    pub database: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// How long a reviewer's false-positive decision clears a party, in months (it lapses
    /// sooner when the listed entry changes).
    #[arg(long, value_name = "N", default_value_t = decide::clearance::DEFAULT_CLEARANCE_MONTHS,
          value_parser = clap::value_parser!(u32).range(0..=120))]
    pub clearance_months: u32,
    #[command(flatten)]
    pub db: DatabaseArg,
    /// How often the server signs a checkpoint of the record chain's head (when records
    /// were added since the last; also at start and at a graceful shutdown): a number with
    /// s, m, h or d (`30m`, `1h`, `1d`); `off` or 0 for never. Checkpoints are what shows
    /// later that no record was deleted or rewritten (`ace records verify --against`).
    #[arg(long, value_name = "EVERY", default_value = "1h")]
    pub checkpoint_every: String,
    #[command(flatten)]
    pub checkpoints: CheckpointArgs,
    /// The web UI's settings: a TOML file with the memo's letterhead (`[memo]` company,
    /// address lines, exporter; see examples/server-settings.toml). Read once at start;
    /// a file with an unknown field or a value of the wrong kind is refused.
    #[arg(long, env = "ACE_SERVER_SETTINGS", value_name = "FILE")]
    pub settings: Option<PathBuf>,
}

/// Where checkpoints of the record chain are signed and kept.
#[derive(Debug, Args)]
pub struct CheckpointArgs {
    /// The Ed25519 signing key (created 0600 with a new random key when missing, its public
    /// key beside it in FILE.pub). Keep it where whoever can write the database cannot.
    /// Default: DATA_DIR/checkpoint.key.
    #[arg(long, env = "ACE_CHECKPOINT_KEY", value_name = "FILE")]
    pub checkpoint_key: Option<PathBuf>,
    /// The directory checkpoint files are written to (copy them off the host).
    /// Default: DATA_DIR/checkpoints.
    #[arg(long, env = "ACE_CHECKPOINT_DIR", value_name = "DIR")]
    pub checkpoint_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create a token; prints its secret alone on standard output, once (only a hash is
    /// stored). The creation is recorded.
    #[command(
        after_help = "Roles: analyst (determinations, screenings, classifications; reads records),\nreviewer (analyst + review decisions), auditor (reads only), admin (everything).\n\nExamples:\n  ace tokens create --name alice --role reviewer > alice.token\n  ace tokens create --name ci --role analyst --expires 90d > ci.token"
    )]
    Create {
        /// 1-64 letters, digits, '.', '_', '-' or '@'; recorded as the actor of what the token
        /// does. Never reused, even after the token is revoked.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// When the token stops working: a duration (90d, 12h, 30m), a date (2027-03-01,
        /// that day's UTC midnight) or an RFC 3339 time. Default: until revoked.
        #[arg(long, value_name = "WHEN")]
        expires: Option<String>,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// List tokens: name, role, status (active, expired, revoked), created, expires — never
    /// secrets.
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Revoke a token: it and its web sessions stop working at once, on every server using
    /// this database. Recorded; the name is never given to another token.
    #[command(after_help = "Example:\n  ace tokens revoke --name alice")]
    Revoke {
        /// The token's name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Rotate a token: prints a new secret, once; the old secret and its web sessions stop
    /// working at once. Same name, role and expiry. Recorded.
    #[command(after_help = "Example:\n  ace tokens rotate --name ci > ci.token")]
    Rotate {
        /// The token's name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Analyst,
    Reviewer,
    Auditor,
    Admin,
}

#[derive(Debug, Subcommand)]
pub enum RecordsCommand {
    /// Check the whole hash chain; exit 0 when intact, 1 naming the first broken link.
    #[command(
        after_help = "Prints the head (id and hash of the newest record). Deleting the newest records, or\nrewriting one and recomputing the later hashes, leaves a valid chain: only an anchor kept\noutside the database shows it. `ace records checkpoint` signs one; then:\n  ace records verify --against DATA_DIR/checkpoints   # exit 1 naming truncation or a rewrite\n  ace records verify --against 42:9f86d081…           # a head noted by hand (ID:HASH or HASH)"
    )]
    Verify {
        #[arg(long)]
        json: bool,
        /// Also check the chain against an anchor: a checkpoint file, a directory of them,
        /// or a head noted by hand (HASH or ID:HASH). Detects the newest records deleted
        /// (truncation) and a record rewritten with the later hashes recomputed. Repeatable.
        #[arg(long, value_name = "CHECKPOINT|HASH")]
        against: Vec<String>,
        /// The public key checkpoints must be signed with (64 hex digits, or a FILE.pub).
        /// Default: the key of --checkpoint-key when that file exists, else any key (shown).
        #[arg(long, value_name = "HEX|FILE")]
        public_key: Option<String>,
        #[command(flatten)]
        checkpoints: CheckpointArgs,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Sign a checkpoint of the chain's head (id, hash, number of records, time) after
    /// checking the whole chain; write it to the checkpoint directory and print it.
    #[command(
        after_help = "Keep the checkpoint files (and FILE.pub) away from the database: a copy off the host,\na ticket, an auditor's archive. Later:\n  ace records verify --against DATA_DIR/checkpoints\n  ace records verify-export records.jsonl --against checkpoint-….json --public-key checkpoint.key.pub\nExit 0 when signed (or nothing to sign: no records), 1 when the chain is broken (nothing signed)."
    )]
    Checkpoint {
        /// Print the checkpoint only as JSON (no path line on standard error).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        checkpoints: CheckpointArgs,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Check an export (`ace records export --format jsonl`, every record) against
    /// checkpoints without any database: every hash recomputed, every link followed, and
    /// each checkpoint's head present with its signed hash. Exit 0 when all hold, 1 naming
    /// what does not.
    #[command(
        after_help = "Example:\n  ace records verify-export records.jsonl --against checkpoints/ --public-key checkpoint.key.pub\nThe canonical hashing rule and the signed text are in docs/records-checkpoints.md."
    )]
    VerifyExport {
        /// The JSON Lines export ('-' for standard input).
        #[arg(value_name = "EXPORT")]
        export: PathBuf,
        /// A checkpoint file, a directory of them, or HASH / ID:HASH. Repeatable.
        #[arg(long, value_name = "CHECKPOINT|HASH", required = true)]
        against: Vec<String>,
        /// The public key checkpoints must be signed with (64 hex digits, or a FILE.pub);
        /// without it any valid signature is accepted and its key is shown.
        #[arg(long, value_name = "HEX|FILE")]
        public_key: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List records, oldest first: id, time, kind, actor, summary.
    List {
        #[command(flatten)]
        filter: RecordFilterArgs,
        /// At most this many.
        #[arg(long)]
        limit: Option<usize>,
        /// One JSON record per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Print one record as JSON, exactly as kept.
    Show {
        id: i64,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Re-run recorded determinations with the ruleset and list snapshot named in their
    /// records and show the output is byte-identical (canonical JSON hash of both), or
    /// exactly what is missing. Records of `ace batch` are re-made as the batch made them
    /// (its output: the determination and the matches). Exit 0 when every one is
    /// identical, 1 otherwise.
    #[command(
        after_help = "Examples:\n  ace records replay 12\n  ace records replay --all --since 2024-01-01    # an audit: identical / differs / cannot replay"
    )]
    Replay {
        /// The record id of a determination.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        /// Every determination recorded since --since.
        #[arg(long, requires = "since")]
        all: bool,
        /// With --all: records created at or after (YYYY-MM-DD or RFC 3339).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Which recorded determinations of the last five years (15 CFR 762.6) would now come
    /// out differently: with the active list snapshot instead of an earlier one (as of
    /// today: who is listed now), or with other rules data (--rules DIR, as of each
    /// record's date). Each is decided twice; the answer lists every change with its
    /// outcome before and after (--json adds both traces). Also printed after `ace lists
    /// import` and `ace lists update`.
    #[command(
        after_help = "Examples:\n  ace records impact                      # the active snapshot against the one before it\n  ace records impact --from 3f2a9c1e      # against a snapshot of `ace lists status`\n  ace records impact --rules ./rules-next # a change of the rules data\n  ace records impact --json > impact.json"
    )]
    Impact {
        /// The snapshot to compare the active one with: a hash, or a prefix of at least 8
        /// characters (`ace lists status` lists them); default: the one active before.
        #[arg(long, value_name = "HASH")]
        from: Option<String>,
        /// Weigh a change of the rules data instead: a directory of rules files that
        /// replace the bundled ones (as --rules-dir takes).
        #[arg(long, value_name = "DIR", conflicts_with = "from")]
        rules: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Export records as JSON Lines or CSV (input and output as canonical JSON text).
    #[command(
        after_help = "Examples:\n  ace records export --since 2024-01-01 --format csv > records.csv\n  ace records export --kind review --format jsonl --out reviews.jsonl"
    )]
    Export {
        #[command(flatten)]
        filter: RecordFilterArgs,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        db: DatabaseArg,
    },
}

/// Which records.
#[derive(Debug, Args)]
pub struct RecordFilterArgs {
    /// Records created at or after (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Records created before (exclusive).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only one kind.
    #[arg(long, value_enum)]
    pub kind: Option<KindOfRecord>,
    /// Only one actor (token name).
    #[arg(long)]
    pub actor: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindOfRecord {
    Determination,
    Screening,
    Review,
    /// Tokens created, revoked or rotated; web sign-ins and sign-outs.
    Access,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

const BATCH_HELP: &str = "\
Input: JSON Lines (one `ace check --input` document per line), or CSV with a header
whose columns are the fields of that document, nested ones joined with '_':
  id,date,eccn,published,digital_artifacts,incident_owner,encryption_cat5_part2,
  destination,end_user_name,end_user_country,end_user_kind,government_role,
  favorable_treatment,sector,government_ownership_percent,
  government_appoints_board_majority,acting_on_behalf_of_government,end_user_lists,
  consignee_name,consignee_country,purchaser_name,purchaser_country,
  consignee_kind,purchaser_kind,intermediate_consignee_name,
  intermediate_consignee_country,intermediate_consignee_role,
  intermediate_consignee_kind,exporter_country,red_flags,resolved_red_flags,
  confirmed_red_flags,purpose,
  deemed_export,knowledge_unauthorized_use,military_intelligence_end_use
Any subset, any order; booleans true/false; end_user_lists like EL;SDN; red_flags like
kyc-2;kyc-10. Several intermediate consignees: one value each, in route order,
separated by ';' in each intermediate_consignee_* column (\"Example BV; Example LLC\",
\"NL; RU\", \"distributor; forwarder\"). Orders of several lines and owners: use JSON
Lines (the `items` and `owners` fields of docs/transaction.md).
Example file: examples/batch.csv

Outcomes: NOT_SUBJECT, NLR, ACE, LICENSE_REQUIRED, PROHIBITED, and HOLD (a possible list
match or a red flag a person must resolve first: not an authorization), each counted in
the summary.

Output (--out, CSV or JSON Lines by extension or --out-format), one row per input row in
input order: line, id, outcome (or REJECTED), deciding citations, screening hits,
needs-review matches, record id (with --record), error, and unverified (true when the
outcome rests on unverified data — e.g. a row dated before the list snapshot was
published, which no snapshot covers — as `ace check` marks it). A summary goes to stderr:
counts per outcome, hits per list, rejected rows with their line numbers and reasons.

Example:
  ace batch examples/batch.csv --out results.csv";

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The transactions: CSV with a header, or JSON Lines (.jsonl, or content starting with '{').
    #[arg(required_unless_present = "rescreen")]
    pub file: Option<PathBuf>,
    /// Record each determination in the record store (idempotent: a transaction id
    /// already recorded is not recorded again, so an interrupted run can be restarted).
    #[arg(long)]
    pub record: bool,
    /// Re-run every recorded determination against the active list snapshot and rules,
    /// and report those whose outcome would now change.
    #[arg(long, conflicts_with_all = ["file", "record"])]
    pub rescreen: bool,
    #[command(flatten)]
    pub db: DatabaseArg,
    /// The actor named in the records (default: batch).
    #[arg(long, default_value = "batch")]
    pub actor: String,
    /// Treat the input as JSON Lines whatever its extension.
    #[arg(long)]
    pub jsonl: bool,
    /// Where to write results (default: standard output). Written as .FILE.incomplete-PID
    /// beside it and renamed to FILE only when the run completes.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Output format (default: csv for a .csv --out, else jsonl).
    #[arg(long, value_enum)]
    pub out_format: Option<OutFormat>,
    /// Stop with exit code 2 at the first bad row instead of reporting and skipping it
    /// (no --out file is left behind).
    #[arg(long)]
    pub strict: bool,
    /// Worker threads (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Do not screen party names.
    #[arg(long)]
    pub no_screen: bool,
    /// Screen every row afresh, without the memo of names already screened (the results
    /// are the same; for checking that they are).
    #[arg(long, hide = true)]
    pub no_memo: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutFormat {
    Csv,
    Jsonl,
}

const CHECK_HELP: &str = "\
Examples:
  ace check --eccn 4D004 --to CN --end-user government --as-of 2023-06-01
  ace check --eccn '4D001.a (for 4D004)' --to Israel --end-user non_government
  ace check --eccn 4E001.c --to CN --deemed-export
  ace check --input examples/transaction.json --json
  echo '{\"item\":{\"eccn\":\"5A001.j\"},\"destination\":\"DE\"}' | ace check --input -

A whole transaction — a Russian purchaser, a forwarder in Türkiye, delivery to Germany:
  ace check --eccn 4D004 --to DE --end-user non_government --end-user-name \"Example GmbH\" \\
      --purchaser \"Example Trading LLC\" --purchaser-country RU \\
      --intermediate \"Example Logistics,TR,forwarder\"
  (every party is screened, every leg decided; the strictest leg decides; the buyer in
  Russia holds the answer until a person confirms the end user and the route: exit 5)
A reexport from Germany: ace check --eccn 4D004 --to CN --exporter-country DE --end-user non_government
Orders of several lines, owners and every other field: --input with the JSON document.

The JSON transaction document (--input) is described in docs/transaction.md; every
flag below sets one of its fields. Parties with a name are screened against the
active list snapshot unless --no-screen is given: a hit decides as its list requires
(Entity List, Denied Persons, SDN, ...); a match in the review band, or one that rests
on generic words alone, makes the answer HOLD, stating what the outcome would be if the
match is true and if every match is a false positive.

Exit codes: 0 NOT_SUBJECT/NLR/ACE, 3 LICENSE_REQUIRED, 4 PROHIBITED, 5 HOLD, 2 bad input.";

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A JSON transaction document, or - for standard input.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["eccn", "to", "published", "classification"])]
    pub input: Option<PathBuf>,

    /// The ECCN, with its "for" qualifier where the entry needs one: 4D004, 4E001.c,
    /// 5A001.j, '4D001.a (for 4D004)'.
    #[arg(long)]
    pub eccn: Option<String>,

    /// A classification result from `ace classify --json` (its ECCN, or "not subject").
    #[arg(long, value_name = "RESULT.json", conflicts_with_all = ["eccn", "published"])]
    pub classification: Option<PathBuf>,

    /// The item is published software or technology (not subject to the EAR).
    #[arg(long)]
    pub published: bool,

    /// Destination: ISO code or country name. For a deemed export, the person's latest
    /// citizenship or permanent residency.
    #[arg(long, value_name = "COUNTRY")]
    pub to: Option<String>,

    /// The regulation as of this date (YYYY-MM-DD, from 2022-03-07 up to today; later
    /// dates need --allow-future). Default: today. With --input: the document's `date`.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// Accept an --as-of date after today (refused otherwise): the answer then applies the
    /// regulation as ace knows it today, which may change before that date.
    #[arg(long)]
    pub allow_future: bool,

    /// Whether the end user is a government end user (740.22's own definition).
    #[arg(long, value_enum, value_name = "KIND")]
    pub end_user: Option<EndUserKindArg>,

    /// The end user's name (screened against the lists).
    #[arg(long, value_name = "NAME")]
    pub end_user_name: Option<String>,

    /// A government end user's role.
    #[arg(long, value_enum)]
    pub government_role: Option<GovernmentRoleArg>,

    /// The end user is a favorable treatment cybersecurity end user (740.22(b)).
    #[arg(long, value_enum)]
    pub favorable_treatment: Option<FavorableArg>,

    /// The consignee's name (screened).
    #[arg(long, value_name = "NAME")]
    pub consignee: Option<String>,

    /// The purchaser's name (screened).
    #[arg(long, value_name = "NAME")]
    pub purchaser: Option<String>,

    /// Where the end user is, when not the destination (adds a leg to its country).
    #[arg(long, value_name = "COUNTRY")]
    pub end_user_country: Option<String>,

    /// Where the consignee is, when not the destination (adds a leg to its country).
    #[arg(long, value_name = "COUNTRY")]
    pub consignee_country: Option<String>,

    /// Where the purchaser is: a buyer in a country of concern (D:1, D:5, E:1, E:2, part
    /// 746) with delivery elsewhere holds the answer (red flag buyer-location).
    #[arg(long, value_name = "COUNTRY")]
    pub purchaser_country: Option<String>,

    /// An intermediate consignee, in route order: NAME,COUNTRY[,forwarder|distributor[,government|non_government]].
    /// Repeat for each one.
    #[arg(long = "intermediate", value_name = "NAME,COUNTRY[,ROLE[,KIND]]")]
    pub intermediates: Vec<String>,

    /// The exporter's country when it is not the United States: the first leg is then a
    /// reexport (or an in-country transfer within the destination country).
    #[arg(long, value_name = "COUNTRY")]
    pub exporter_country: Option<String>,

    /// A red flag you have seen, by id (kyc-1 … kyc-13; see crates/ear/data/red_flags.toml).
    /// Repeat for each. Any red flag holds the answer.
    #[arg(long = "red-flag", value_name = "ID")]
    pub red_flags: Vec<String>,

    /// A red flag a person has resolved (a stated or derived id, e.g. buyer-location).
    #[arg(long = "resolved-red-flag", value_name = "ID")]
    pub resolved_red_flags: Vec<String>,

    /// A red flag a person has confirmed — the concern stands (e.g. the buyer's country is
    /// where the item goes): the answer is the one the hold gave for it.
    #[arg(long = "confirmed-red-flag", value_name = "ID")]
    pub confirmed_red_flags: Vec<String>,

    /// The purpose of the export.
    #[arg(long, value_enum)]
    pub purpose: Option<PurposeArg>,

    /// A release of technology or source code to a foreign person in the U.S.
    #[arg(long)]
    pub deemed_export: bool,

    /// The item is digital artifacts (740.22(b)(2)).
    #[arg(long)]
    pub digital_artifacts: bool,

    /// Whose systems the incident behind the digital artifacts hit.
    #[arg(long, value_enum, requires = "digital_artifacts")]
    pub incident_owner: Option<IncidentOwnerArg>,

    /// You know or have reason to know the item will be used without the system owner's
    /// authorization (740.22(c)(2)).
    #[arg(long)]
    pub knowledge_unauthorized_use: bool,

    /// The end use or end user is military intelligence (744.22).
    #[arg(long)]
    pub military_intelligence: bool,

    /// Do not screen party names against the list snapshot.
    #[arg(long)]
    pub no_screen: bool,

    /// Do not apply the review decisions of the record store (by default those recorded
    /// in --database, or in the data directory's records file when it exists, apply: a
    /// reviewer's false positive clears the party, a true match confirms it).
    #[arg(long)]
    pub no_reviews: bool,

    #[command(flatten)]
    pub db: DatabaseArg,

    /// Print the determination as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum EndUserKindArg {
    Government,
    NonGovernment,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum GovernmentRoleArg {
    PoliceOrJudicial,
    NationalCsirt,
    Military,
    Intelligence,
    ResearchInstitution,
    InternationalOrganization,
    Other,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum FavorableArg {
    UsSubsidiary,
    BankingFinancial,
    Insurance,
    CivilHealthMedical,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum PurposeArg {
    VulnerabilityDisclosure,
    CyberIncidentResponse,
    CriminalOrCivilInvestigation,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum IncidentOwnerArg {
    FavorableTreatment,
    Government,
    Other,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  ace matrix --eccn 4D004 --end-user government --as-of 2024-01-01\n  ace matrix --eccn 5A001.j --end-user non_government --csv > 5a001j.csv"
)]
pub struct MatrixArgs {
    #[arg(long)]
    pub eccn: String,
    #[arg(long, value_enum, value_name = "KIND")]
    pub end_user: EndUserKindArg,
    /// The regulation as of this date (YYYY-MM-DD, from 2022-03-07 up to today; later
    /// dates need --allow-future). Default: today.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Accept an --as-of date after today (refused otherwise): the answer then applies the
    /// regulation as ace knows it today, which may change before that date.
    #[arg(long)]
    pub allow_future: bool,
    /// Deemed exports (releases to nationals of each country).
    #[arg(long)]
    pub deemed_export: bool,
    /// Fix an intermediate consignee on every route: NAME,COUNTRY[,ROLE[,KIND]] (as in
    /// `ace check`). Repeat for each, in route order.
    #[arg(long = "intermediate", value_name = "NAME,COUNTRY[,ROLE[,KIND]]")]
    pub intermediates: Vec<String>,
    /// Fix the purchaser's country on every route (a buyer in a country of concern holds).
    #[arg(long, value_name = "COUNTRY")]
    pub purchaser_country: Option<String>,
    /// Fix the exporter's country (a reexport from there to each destination).
    #[arg(long, value_name = "COUNTRY")]
    pub exporter_country: Option<String>,
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every dated change in the rules data, past and announced, oldest first: Country
    /// Group entries and exits, Country Chart exceptions, embargoes, 744.22 destinations,
    /// the texts of 740.22, red flags, the affiliates rule — each with its source and
    /// confidence. A determination within 30 days of one that concerns it says so.
    #[command(
        after_help = "Examples:\n  ace rules calendar\n  ace rules calendar --country KH\n  ace rules calendar --from 2026-01-01 --json"
    )]
    Calendar {
        /// Only the changes that concern this country (ISO code or name), and those that
        /// concern every transaction.
        #[arg(long, value_name = "COUNTRY")]
        country: Option<String>,
        /// Only the changes on or after this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Print a value with its dates and source: group D:5, country IL, eccn 4D004,
    /// column NS1, embargo russia, periods, items, hash.
    #[command(
        after_help = "Examples:\n  ace rules show group D:5 --as-of 2024-01-01\n  ace rules show country Israel\n  ace rules show eccn 5A001.j\n  ace rules show column NS1 --as-of 2024-05-01\n  ace rules show embargoes\n  ace rules show periods"
    )]
    Show {
        /// group | country | eccn | column | embargo(es) | periods | items | hash
        topic: String,
        /// The group id, country, ECCN, column or embargo id.
        name: Option<String>,
        /// Show membership as of this date (YYYY-MM-DD, up to today; later dates need
        /// --allow-future); default: every dated value.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Accept an --as-of date after today (refused otherwise): the values shown are
        /// those ace knows today, which may change before that date.
        #[arg(long)]
        allow_future: bool,
    },
}

#[derive(Debug, Args)]
#[command(
    after_help = "Batch output is JSON Lines, one object per input query, in input order:\n  {\"query\", \"country\", \"matches\": [{\"list\", \"id\", \"name\", \"matched\", \"score\", \"explanation\"}]}\nScores run from 0 to 1; the default hit threshold is 0.85 (see `screen` crate docs for the scale)."
)]
pub struct ScreenArgs {
    /// The name to screen.
    #[arg(required_unless_present = "batch")]
    pub name: Option<String>,
    /// ISO code or country name of the party (raises or lowers the score a little).
    #[arg(long)]
    pub country: Option<String>,
    /// Report matches at or above this score (0-1). Default 0.85.
    #[arg(long)]
    pub threshold: Option<f64>,
    /// A file with one name per line, or a CSV with a header containing `name` (and
    /// optionally `country`), each column once. Output: JSON Lines in input order, each
    /// with its `line`; a row that cannot be screened (an empty or punctuation-only name,
    /// an unknown country) gets an `error` instead of matches and the run goes on.
    #[arg(long, value_name = "FILE", conflicts_with = "name")]
    pub batch: Option<PathBuf>,
    /// Worker threads for --batch (default: every core).
    #[arg(long, requires = "batch")]
    pub threads: Option<usize>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[arg(required_unless_present = "batch")]
    pub name1: Option<String>,
    #[arg(required_unless_present = "batch")]
    pub name2: Option<String>,
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// A CSV with header `name1,name2` and optional `kind` (each column once); output JSON
    /// Lines.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["name1", "name2"])]
    pub batch: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    Person,
    Company,
    Organization,
    Vessel,
    Entity,
}

#[derive(Debug, Subcommand)]
pub enum ListsCommand {
    /// Build a snapshot from official list files and make it active (atomically). The
    /// files replace the lists they carry; every other list of the active snapshot is
    /// kept (--replace-all: the files alone make the snapshot).
    #[command(after_help = LISTS_IMPORT_HELP)]
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Force one format for every file: csl-csv, csl-json, ofac-csv, dpl or un-xml
        /// (default: detected per file).
        #[arg(long, value_name = "FORMAT")]
        format: Option<String>,
        /// Skip a truncated final record (with a warning) instead of rejecting the file.
        #[arg(long)]
        lenient: bool,
        /// The files alone make the new snapshot: every list they do not carry is
        /// dropped (refused unless --force, since that drops lists).
        #[arg(long)]
        replace_all: bool,
        /// Accept a snapshot that drops a list or has more than 10% fewer entries of a
        /// list than the active snapshot (refused otherwise, naming each list).
        #[arg(long)]
        force: bool,
        /// The date the files were published (YYYY-MM-DD), recorded with the snapshot;
        /// default: the newest date the files carry, else today. A determination as of
        /// a date screens against the snapshot published most recently on or before it.
        #[arg(long, value_name = "YYYY-MM-DD")]
        published: Option<String>,
    },
    /// Make an earlier snapshot active again (default: the one active before the
    /// current one). Snapshots are never deleted; `ace lists status` lists them.
    #[command(after_help = LISTS_ROLLBACK_HELP)]
    Rollback {
        /// A snapshot hash, a unique prefix of one (4+ hex digits), or `bundled`.
        #[arg(value_name = "HASH")]
        hash: Option<String>,
    },
    /// Show the active snapshot (hash, sources, dates, counts per list, age) and the
    /// activation history.
    Status {
        #[arg(long)]
        json: bool,
        /// Warn when the snapshot's data is older than this many days.
        #[arg(
            long,
            value_name = "DAYS",
            env = "ACE_LIST_MAX_AGE_DAYS",
            default_value_t = lists::snapshot::DEFAULT_MAX_AGE_DAYS
        )]
        max_age_days: u32,
    },
    /// Download the current Consolidated Screening List from trade.gov and import it
    /// (its lists replace theirs; the UN list and any list it lacks are kept).
    Update {
        #[arg(long)]
        url: Option<String>,
        /// Accept the download even if it drops a list or loses more than 10% of one.
        #[arg(long)]
        force: bool,
    },
}

const LISTS_IMPORT_HELP: &str = "\
Formats (detected from content, or forced with --format):
  csl-csv   trade.gov consolidated.csv
  csl-json  trade.gov consolidated.json
  ofac-csv  OFAC legacy sdn.csv (alt.csv, add.csv, sdn_comments.csv read beside it)
  dpl       BIS Denied Persons List dpl.txt
  un-xml    UN Security Council consolidated.xml

Lists are replaced list by list: a file replaces the lists it has entries of (dpl.txt
the DPL, sdn.csv the SDN, cons_prim.csv the OFAC non-SDN lists, a UN file the UN list,
a CSL file every list it has rows of); the other lists of the active snapshot (or of
the bundled one, before any import) are kept with their sources. The new snapshot is
refused, naming each list and the counts, if it would drop a list or hold more than
10% fewer entries of one than the active snapshot; --force accepts it. Every
activation is recorded (ace lists status) and can be undone (ace lists rollback).

Examples:
  ace lists import dpl.txt                               # new DPL, every other list kept
  ace lists import consolidated.json UN_consolidated.xml # the CSL's lists and the UN list
  ace lists import sdn.csv --force                       # accept a smaller SDN list
  ace lists import --replace-all --force consolidated.json UN_consolidated.xml sdn.csv dpl.txt";

const LISTS_ROLLBACK_HELP: &str = "\
Makes a stored snapshot active again, atomically, and records it in the activation
history. Without HASH: the snapshot active before the current one, so a second
rollback returns to where you were. A running `ace serve` picks the change up within
seconds, without a restart.

Examples:
  ace lists rollback                  # undo the last import
  ace lists rollback 3f2a9c1e         # a snapshot from `ace lists status`
  ace lists rollback bundled          # the snapshot compiled into ace";

#[derive(Debug, Args)]
#[command(
    after_help = "Interactive by default (arrow keys, \"← back\" to undo, ? for help).\nNon-interactive: ace classify --answers examples/product.yaml --json > result.json\nthen: ace check --classification result.json --to DE --end-user non_government\n\nAn answers file maps question ids to answers: true/false for a yes/no question, an\noption id for a choice question, e.g.\n  item_type: software\n  published: false\nQuestions that do not apply are skipped; `ace classify --list-questions` lists every id."
)]
pub struct ClassifyArgs {
    /// A YAML or JSON file of answers (question id: answer: true/false, or an option id),
    /// or - for stdin. The ids: --list-questions.
    #[arg(long, value_name = "FILE", conflicts_with = "list_questions")]
    pub answers: Option<PathBuf>,
    /// Print every question id with its text, the answers it accepts, when it is asked and
    /// its citation (with --json: the questionnaire as data), and exit.
    #[arg(long)]
    pub list_questions: bool,
    /// Print the result as JSON (the input of `ace check --classification`).
    #[arg(long)]
    pub json: bool,
}
