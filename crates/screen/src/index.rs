//! The candidate index: a vocabulary of distinct tokens with their keys and
//! weights, postings from token to names, and key maps (loose, vowel and
//! consonant skeletons, single-delete neighbourhood) from a query token to the
//! vocabulary tokens it may match. Queries never scan the entries.
//!
//! The index has one representation: flat sections ([`crate::flat`]) of
//! plain arrays — strings laid end to end with their offsets, lists in CSR
//! form (a start per item, the items end to end), key maps as open-addressing
//! tables of key numbers — which [`Index::build`] lays out in memory and a
//! file holds the same way; [`View`] reads them where they lie.
//!
//! Sections (`sec`): the vocabulary (text, loose, vowel and class keys of each
//! token, 4 strings per token; flags `legal`, `abjad`, `generic`; weight),
//! postings (token → names), names (entry, name number and flags, tokens, how
//! each token read as published when one differs, the name as published),
//! entries (list, kind, id, primary name, countries: all a match or a score
//! needs), the exact-token tables, the five key maps, the sorted delete
//! neighbourhood with its buckets, and — in a file — every entry in its
//! canonical JSON, read only when it is asked for.

use crate::adjust::Countries;
use crate::flat::{IndexError, Layout, Writer};
use crate::keys::for_each_delete;
use crate::normalize::{tokenize, NameKind, Token};
use crate::score::{similarity, Keyed, Keys, TokenSim};
use crate::weights::{indexed_weight, is_generic, MIN_WEIGHT};
use lists::model::{Entry, ListId, PartyKind};
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// One name token in the index: a vocabulary id.
pub type Vid = u32;

/// The vocabulary tokens similar to one token, best first; shared by the
/// memo and the queries that use it.
pub type Similar = Arc<[(Vid, TokenSim)]>;

/// Section numbers.
mod sec {
    /// u64: the delete shift.
    pub const PARAMS: usize = 0;
    /// Opaque bytes given by the builder's caller (a snapshot's meta).
    pub const META: usize = 1;
    pub const VOCAB_TEXT: usize = 2;
    /// u32 × (4 × tokens + 1): text, loose, vowel, class of each token.
    pub const VOCAB_OFF: usize = 3;
    /// u8 per token: [`super::LEGAL`], [`super::ABJAD`], [`super::GENERIC`].
    pub const VOCAB_FLAGS: usize = 4;
    pub const WEIGHT: usize = 5;
    pub const POST_START: usize = 6;
    pub const POST: usize = 7;
    pub const NAME_ENTRY: usize = 8;
    /// u32 per name: its number in `Entry::names()` order (0: the primary
    /// name; kept for tools reading the file) | weak << 31 | person << 30.
    pub const NAME_META: usize = 9;
    pub const NTOK_START: usize = 10;
    pub const NTOK: usize = 11;
    /// u32 per name: its first string in DISPLAY, or `u32::MAX`.
    pub const NAME_DISPLAY: usize = 12;
    pub const DISPLAY_TEXT: usize = 13;
    pub const DISPLAY_OFF: usize = 14;
    pub const NAME_TEXT: usize = 15;
    pub const NAME_TEXT_OFF: usize = 16;
    /// u32 per entry: list (position in `ListId::ALL`) | kind << 8.
    pub const ENTRY_INFO: usize = 17;
    /// u32 × (entries + 1): each entry's first string (id, name, countries).
    pub const ENTRY_STR_START: usize = 18;
    pub const ENTRY_TEXT: usize = 19;
    pub const ENTRY_TEXT_OFF: usize = 20;
    /// u64, sorted: the keys of every delete of a token's text and loose key
    /// ([`super::delete_key`]) and of every plain token's text and loose key
    /// themselves ([`super::word_key`]).
    pub const DEL_KEYS: usize = 21;
    pub const DEL_VIDS: usize = 22;
    pub const DEL_START: usize = 23;
    /// u32 tables of token + 1 (0: empty), by text: plain and legal forms.
    pub const EXACT: usize = 24;
    pub const EXACT_LEGAL: usize = 25;
    /// Five maps (loose, vowel, class of all, class of abjad tokens, short
    /// words) of five sections each: key text, key offsets, value starts,
    /// values, table.
    pub const MAPS: usize = 26;
    pub const ENTRY_JSON: usize = MAPS + 5 * 5;
    /// u64 × (entries + 1), when the entries are stored.
    pub const ENTRY_JSON_OFF: usize = ENTRY_JSON + 1;
    pub const COUNT: usize = ENTRY_JSON_OFF + 1;
}

const LEGAL: u8 = 1;
const ABJAD: u8 = 2;
const GENERIC: u8 = 4;

const WEAK_BIT: u32 = 1 << 31;
const PERSON_BIT: u32 = 1 << 30;

/// The maps from a key to vocabulary tokens.
#[derive(Clone, Copy)]
enum Map {
    Loose = 0,
    Vowel = 1,
    ClassAll = 2,
    ClassAbjad = 3,
    Short = 4,
}

const KINDS: [PartyKind; 5] = [
    PartyKind::Individual,
    PartyKind::Entity,
    PartyKind::Vessel,
    PartyKind::Aircraft,
    PartyKind::Unknown,
];

/// The key of a string in the tables and the delete neighbourhood: its
/// hash, multiplied by an odd constant (a bijection) so that the top bits,
/// which choose the bucket or slot, are well mixed.
fn key_hash(s: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(s);
    h.finish().wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Marks, in the delete neighbourhood, a token's own text or loose key (set)
/// rather than one of its deletes (clear). A query's deletes are looked up
/// against both in one search — a delete that is a token (the query has a
/// letter too many), or shares a delete with one (a letter changed) — where
/// the exact table and the loose map took two more searches, each reading
/// the strings of the tokens on its probe path; the query's own form is looked
/// up against the deletes alone (its exact and loose lookups are done apart).
const WORD_BIT: u64 = 1;

/// The key of a delete in the delete neighbourhood.
fn delete_key(s: &[u8]) -> u64 {
    key_hash(s) & !WORD_BIT
}

/// The key of a token's text or loose key in the delete neighbourhood.
fn word_key(s: &[u8]) -> u64 {
    key_hash(s) | WORD_BIT
}

/// What a search of the delete neighbourhood takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Neighbours {
    Deletes,
    DeletesAndWords,
}

/// An offset into a section, as stored (sections stay far below 4 GiB).
fn off32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Where an index's bytes live.
pub enum Backing {
    /// Built in memory: 8-byte words, so every section is aligned.
    Words(Vec<u64>),
    /// Elsewhere (a mapped file), shared.
    Shared(Arc<dyn AsRef<[u8]> + Send + Sync>),
}

impl Backing {
    fn bytes(&self) -> &[u8] {
        match self {
            Backing::Words(w) => bytemuck::cast_slice(w),
            Backing::Shared(s) => (**s).as_ref(),
        }
    }
}

/// A validated index over its bytes, and the memo of similar tokens.
pub struct Index {
    bytes: Backing,
    layout: Layout,
    /// [`View::similar`] of each vocabulary token written in Latin
    /// letters, computed on its first use as a query token: most query
    /// words of a batch ("mohammed", "trading", a surname) are indexed
    /// words, and two thirds of them come again. A pure function of the
    /// index, shared by every thread.
    memo: Box<[OnceLock<Similar>]>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("bytes", &self.bytes.bytes().len())
            .field("snapshot", &self.layout.snapshot)
            .finish()
    }
}

impl Index {
    /// Builds the index over every name and alias of `entries`, in memory.
    pub fn build(entries: &[Entry]) -> Index {
        let words = build_words(entries, false, &[], None);
        match Index::open(Backing::Words(words), None, None) {
            Ok(ix) => ix,
            // What was just laid out always opens; an empty index otherwise.
            Err(_) => Index::empty(),
        }
    }

    fn empty() -> Index {
        Index {
            bytes: Backing::Words(Vec::new()),
            layout: Layout::default(),
            memo: Box::new([]),
        }
    }

    /// Validates `bytes` (see [`crate::flat`]; the hash over what `source`
    /// reads, when given) and the sections' shapes.
    pub fn open(
        bytes: Backing,
        snapshot: Option<&str>,
        source: Option<&mut dyn std::io::Read>,
    ) -> Result<Index, IndexError> {
        let layout = Layout::open(bytes.bytes(), sec::COUNT, snapshot, source)?;
        let view = View::new(&layout, bytes.bytes())?;
        view.validate()?;
        let vocab = view.weight.len();
        Ok(Index {
            bytes,
            layout,
            memo: (0..vocab).map(|_| OnceLock::new()).collect(),
        })
    }

    /// The sections, borrowed.
    pub fn view(&self) -> View<'_> {
        View::new(&self.layout, self.bytes.bytes()).unwrap_or_default()
    }

    /// The snapshot's content hash the index was built over, if it says.
    pub fn snapshot(&self) -> Option<&str> {
        self.layout.snapshot.as_deref()
    }

    /// The bytes given as `meta` to the build.
    pub fn meta(&self) -> &[u8] {
        self.layout.bytes(self.bytes.bytes(), sec::META)
    }

    /// [`View::similar`] of a query token: from the memo when the token is
    /// an indexed Latin-script word (the keys of both are then the same),
    /// computed otherwise.
    pub fn similar_token(&self, ix: &View, t: &Token) -> Similar {
        if !t.abjad && t.arabic.is_empty() {
            if let Some(v) = ix.exact(&t.text, t.legal) {
                let k = ix.keys(v);
                if !k.abjad {
                    if let Some(memo) = self.memo.get(v as usize) {
                        return memo.get_or_init(|| ix.similar(k).into()).clone();
                    }
                }
            }
        }
        ix.similar(Keyed::new(t).keys()).into()
    }

    /// Whether a query token is similar to some indexed token.
    pub fn has_similar(&self, ix: &View, t: &Token) -> bool {
        !self.similar_token(ix, t).is_empty()
    }
}

/// One indexed name (primary name or alias), borrowed from the index.
#[derive(Debug, Clone, Copy)]
pub struct NameRef<'a> {
    pub entry: u32,
    pub weak: bool,
    /// The entry is an individual (see [`crate::adjust::exact_name_evidence`]).
    pub person: bool,
    pub tokens: &'a [Vid],
}

/// A string-keyed map to lists of tokens, borrowed.
#[derive(Debug, Default, Clone, Copy)]
struct StrMap<'a> {
    key_text: &'a [u8],
    key_off: &'a [u32],
    val_start: &'a [u32],
    vals: &'a [u32],
    table: &'a [u32],
}

impl<'a> StrMap<'a> {
    fn new(l: &Layout, b: &'a [u8], first: usize) -> Result<StrMap<'a>, IndexError> {
        let m = StrMap {
            key_text: l.bytes(b, first),
            key_off: l.slice(b, first + 1)?,
            val_start: l.slice(b, first + 2)?,
            vals: l.slice(b, first + 3)?,
            table: l.slice(b, first + 4)?,
        };
        let keys = m.key_off.len().saturating_sub(1);
        if m.val_start.len() != keys + 1 || !table_shape(m.table) {
            return Err(IndexError::Section {
                section: first,
                why: "key map of inconsistent shape",
            });
        }
        Ok(m)
    }

    fn get(&self, key: &[u8]) -> &'a [Vid] {
        let found = probe(self.table, key, |k| {
            str_at(self.key_text, self.key_off, k as usize) == key
        });
        match found {
            Some(k) => range_of(self.vals, self.val_start, k as usize),
            None => &[],
        }
    }
}

/// A table is empty or a power of two of slots.
fn table_shape(t: &[u32]) -> bool {
    t.is_empty() || t.len().is_power_of_two()
}

/// The slot number of a hash in a table of `len` (a power of two) slots.
fn slot_of(h: u64, len: usize) -> usize {
    let bits = len.trailing_zeros();
    if bits == 0 {
        0
    } else {
        (h >> (64 - bits)) as usize
    }
}

/// Looks `key` up in an open-addressing table of numbers + 1: the first
/// number from the key's slot on whose key `is_key` holds.
fn probe(table: &[u32], key: &[u8], is_key: impl Fn(u32) -> bool) -> Option<u32> {
    if table.is_empty() {
        return None;
    }
    let mask = table.len() - 1;
    let mut i = slot_of(key_hash(key), table.len());
    for _ in 0..table.len() {
        let slot = table[i];
        if slot == 0 {
            return None;
        }
        if is_key(slot - 1) {
            return Some(slot - 1);
        }
        i = (i + 1) & mask;
    }
    None
}

/// Builds a table of `n` numbers whose keys are `key(i)`: at most half full.
fn make_table<'k>(n: usize, key: impl Fn(usize) -> &'k [u8]) -> Vec<u32> {
    if n == 0 {
        return Vec::new();
    }
    let len = (n * 2).next_power_of_two();
    let mut table = vec![0u32; len];
    for i in 0..n {
        let mut s = slot_of(key_hash(key(i)), len);
        while table[s] != 0 {
            s = (s + 1) & (len - 1);
        }
        table[s] = off32(i + 1);
    }
    table
}

/// String `i` of strings laid end to end in `text` (empty if out of range).
fn str_at<'a>(text: &'a [u8], off: &[u32], i: usize) -> &'a [u8] {
    match (off.get(i), off.get(i + 1)) {
        (Some(&a), Some(&b)) => text.get(a as usize..b as usize).unwrap_or(&[]),
        _ => &[],
    }
}

/// Bytes as text (`""` if they are not UTF-8, which a validated index rules out).
fn text(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

/// Item list `i` of a CSR pair (`&[]` if out of range).
fn range_of<'a>(items: &'a [u32], start: &[u32], i: usize) -> &'a [u32] {
    match (start.get(i), start.get(i + 1)) {
        (Some(&a), Some(&b)) => items.get(a as usize..b as usize).unwrap_or(&[]),
        _ => &[],
    }
}

/// The sections of an index, borrowed where they lie.
#[derive(Debug, Default, Clone)]
pub struct View<'a> {
    vocab_text: &'a [u8],
    vocab_off: &'a [u32],
    flags: &'a [u8],
    weight: &'a [f64],
    post_start: &'a [u32],
    post: &'a [u32],
    name_entry: &'a [u32],
    name_meta: &'a [u32],
    ntok_start: &'a [u32],
    ntok: &'a [u32],
    name_display: &'a [u32],
    display_text: &'a [u8],
    display_off: &'a [u32],
    name_text: &'a [u8],
    name_text_off: &'a [u32],
    entry_info: &'a [u32],
    entry_str_start: &'a [u32],
    entry_text: &'a [u8],
    entry_text_off: &'a [u32],
    del_keys: &'a [u64],
    del_vids: &'a [u32],
    del_start: &'a [u32],
    del_shift: u32,
    exact: &'a [u32],
    exact_legal: &'a [u32],
    maps: [StrMap<'a>; 5],
    entry_json: &'a [u8],
    entry_json_off: &'a [u64],
}

impl<'a> View<'a> {
    fn new(l: &Layout, b: &'a [u8]) -> Result<View<'a>, IndexError> {
        let params: &[u64] = l.slice(b, sec::PARAMS)?;
        let mut maps = [StrMap::default(); 5];
        for (i, m) in maps.iter_mut().enumerate() {
            *m = StrMap::new(l, b, sec::MAPS + 5 * i)?;
        }
        let v = View {
            vocab_text: l.bytes(b, sec::VOCAB_TEXT),
            vocab_off: l.slice(b, sec::VOCAB_OFF)?,
            flags: l.slice(b, sec::VOCAB_FLAGS)?,
            weight: l.slice(b, sec::WEIGHT)?,
            post_start: l.slice(b, sec::POST_START)?,
            post: l.slice(b, sec::POST)?,
            name_entry: l.slice(b, sec::NAME_ENTRY)?,
            name_meta: l.slice(b, sec::NAME_META)?,
            ntok_start: l.slice(b, sec::NTOK_START)?,
            ntok: l.slice(b, sec::NTOK)?,
            name_display: l.slice(b, sec::NAME_DISPLAY)?,
            display_text: l.bytes(b, sec::DISPLAY_TEXT),
            display_off: l.slice(b, sec::DISPLAY_OFF)?,
            name_text: l.bytes(b, sec::NAME_TEXT),
            name_text_off: l.slice(b, sec::NAME_TEXT_OFF)?,
            entry_info: l.slice(b, sec::ENTRY_INFO)?,
            entry_str_start: l.slice(b, sec::ENTRY_STR_START)?,
            entry_text: l.bytes(b, sec::ENTRY_TEXT),
            entry_text_off: l.slice(b, sec::ENTRY_TEXT_OFF)?,
            del_keys: l.slice(b, sec::DEL_KEYS)?,
            del_vids: l.slice(b, sec::DEL_VIDS)?,
            del_start: l.slice(b, sec::DEL_START)?,
            del_shift: params.first().map_or(64, |&s| s.min(64) as u32),
            exact: l.slice(b, sec::EXACT)?,
            exact_legal: l.slice(b, sec::EXACT_LEGAL)?,
            maps,
            entry_json: l.bytes(b, sec::ENTRY_JSON),
            entry_json_off: l.slice(b, sec::ENTRY_JSON_OFF)?,
        };
        Ok(v)
    }

    /// Checks that the sections agree with one another (once, on opening).
    fn validate(&self) -> Result<(), IndexError> {
        let v = self;
        let (tokens, names, entries) = (v.weight.len(), v.name_entry.len(), v.entry_info.len());
        let shapes = [
            (sec::VOCAB_OFF, v.vocab_off.len() == 4 * tokens + 1),
            (sec::VOCAB_FLAGS, v.flags.len() == tokens),
            (sec::POST_START, v.post_start.len() == tokens + 1),
            (sec::NAME_META, v.name_meta.len() == names),
            (sec::NTOK_START, v.ntok_start.len() == names + 1),
            (sec::NAME_DISPLAY, v.name_display.len() == names),
            (sec::NAME_TEXT_OFF, v.name_text_off.len() == names + 1),
            (sec::ENTRY_STR_START, v.entry_str_start.len() == entries + 1),
            (sec::DEL_VIDS, v.del_vids.len() == v.del_keys.len()),
            (sec::DEL_START, !v.del_start.is_empty()),
            (
                sec::EXACT,
                table_shape(v.exact) && table_shape(v.exact_legal),
            ),
            (
                sec::ENTRY_JSON_OFF,
                v.entry_json_off.is_empty() || v.entry_json_off.len() == entries + 1,
            ),
            (
                sec::ENTRY_INFO,
                v.entry_info
                    .iter()
                    .all(|&i| (i & 0xff) < ListId::ALL.len() as u32 && (i >> 8) < 5),
            ),
        ];
        match shapes.iter().find(|s| !s.1) {
            Some(&(section, _)) => Err(IndexError::Section {
                section,
                why: "inconsistent with the others",
            }),
            None => Ok(()),
        }
    }

    /// The keys of vocabulary token `v`.
    pub fn keys(&self, v: Vid) -> Keys<'a> {
        let i = 4 * v as usize;
        let f = self.flags.get(v as usize).copied().unwrap_or(0);
        let text = |a: u32, b: u32| self.vocab_text.get(a as usize..b as usize).unwrap_or(&[]);
        // The four strings of a token are adjacent: one look at the offsets.
        let [t, l, w, c] = match self.vocab_off.get(i..i + 5) {
            Some(&[a, b, c, d, e]) => [text(a, b), text(b, c), text(c, d), text(d, e)],
            _ => [&[][..]; 4],
        };
        Keys {
            text: t,
            loose: l,
            vowel: w,
            class: c,
            legal: f & LEGAL != 0,
            abjad: f & ABJAD != 0,
        }
    }

    /// The text of vocabulary token `v`.
    fn token_text(&self, v: Vid) -> &'a [u8] {
        str_at(self.vocab_text, self.vocab_off, 4 * v as usize)
    }

    pub fn legal(&self, v: Vid) -> bool {
        self.flags.get(v as usize).is_some_and(|f| f & LEGAL != 0)
    }

    /// Generic words and particles ([`crate::weights::is_generic`]).
    pub fn generic(&self, v: Vid) -> bool {
        self.flags.get(v as usize).is_some_and(|f| f & GENERIC != 0)
    }

    pub fn weight(&self, v: Vid) -> f64 {
        self.weight.get(v as usize).copied().unwrap_or(MIN_WEIGHT)
    }

    /// The names token `v` is in, ascending.
    pub fn postings(&self, v: Vid) -> &'a [u32] {
        range_of(self.post, self.post_start, v as usize)
    }

    /// Number of indexed names.
    pub fn names(&self) -> usize {
        self.name_entry.len()
    }

    pub fn name(&self, n: u32) -> NameRef<'a> {
        let meta = self.name_meta.get(n as usize).copied().unwrap_or(0);
        NameRef {
            entry: self.name_entry.get(n as usize).copied().unwrap_or(0),
            weak: meta & WEAK_BIT != 0,
            person: meta & PERSON_BIT != 0,
            tokens: range_of(self.ntok, self.ntok_start, n as usize),
        }
    }

    /// Whether name `n` is an individual's.
    pub fn person(&self, n: u32) -> bool {
        self.name_meta
            .get(n as usize)
            .is_some_and(|m| m & PERSON_BIT != 0)
    }

    /// How token `i` of name `n` read as published, when some token of the
    /// name reads otherwise than its text.
    pub fn display(&self, n: u32, i: usize) -> Option<&'a str> {
        let first = *self.name_display.get(n as usize)?;
        (first != u32::MAX).then(|| {
            text(str_at(
                self.display_text,
                self.display_off,
                first as usize + i,
            ))
        })
    }

    /// Name `n` as published.
    pub fn name_text(&self, n: u32) -> &'a str {
        text(str_at(self.name_text, self.name_text_off, n as usize))
    }

    /// Number of entries.
    pub fn entries(&self) -> usize {
        self.entry_info.len()
    }

    fn entry_strs(&self, e: u32) -> (usize, usize) {
        let s = |i: usize| self.entry_str_start.get(i).map_or(0, |&x| x as usize);
        (s(e as usize), s(e as usize + 1))
    }

    pub fn list(&self, e: u32) -> ListId {
        let i = self.entry_info.get(e as usize).map_or(0, |&i| i & 0xff);
        ListId::ALL
            .get(i as usize)
            .copied()
            .unwrap_or(ListId::EntityList)
    }

    pub fn kind(&self, e: u32) -> PartyKind {
        let i = self.entry_info.get(e as usize).map_or(4, |&i| i >> 8);
        KINDS.get(i as usize).copied().unwrap_or(PartyKind::Unknown)
    }

    pub fn entry_id(&self, e: u32) -> &'a str {
        text(str_at(
            self.entry_text,
            self.entry_text_off,
            self.entry_strs(e).0,
        ))
    }

    pub fn entry_name(&self, e: u32) -> &'a str {
        text(str_at(
            self.entry_text,
            self.entry_text_off,
            self.entry_strs(e).0 + 1,
        ))
    }

    pub fn countries(&self, e: u32) -> Countries<'a> {
        let (a, b) = self.entry_strs(e);
        let off = self.entry_text_off.get(a + 2..=b).unwrap_or(&[]);
        Countries::new(self.entry_text, off)
    }

    /// Entry `e` in its canonical JSON, when the index holds the entries.
    pub fn entry_json(&self, e: usize) -> Option<&'a [u8]> {
        let (a, b) = (self.entry_json_off.get(e)?, self.entry_json_off.get(e + 1)?);
        let bytes = self.entry_json.get(*a as usize..*b as usize)?;
        Some(bytes.strip_suffix(b"\n").unwrap_or(bytes))
    }

    /// Every stored entry's canonical JSON, each followed by a newline (the
    /// form a snapshot's content hash is computed over).
    pub fn entries_json(&self) -> &'a [u8] {
        self.entry_json
    }

    /// The vocabulary id of an exact token, if indexed.
    pub fn exact(&self, text: &str, legal: bool) -> Option<Vid> {
        self.exact_bytes(text.as_bytes(), legal)
    }

    fn exact_bytes(&self, text: &[u8], legal: bool) -> Option<Vid> {
        let table = if legal { self.exact_legal } else { self.exact };
        probe(table, text, |v| self.token_text(v) == text)
    }

    /// Every vocabulary token similar enough to `q`, best first.
    pub fn similar(&self, q: Keys) -> Vec<(Vid, TokenSim)> {
        // Presized: growing the buffer from empty, query token after query
        // token, was a tenth of the cost of gathering.
        let mut cands: Vec<Vid> = Vec::with_capacity(256);
        if q.legal {
            cands.extend(self.exact_bytes(q.text, true));
        } else {
            self.gather(q, &mut cands);
        }
        cands.sort_unstable();
        cands.dedup();
        let mut out: Vec<(Vid, TokenSim)> = Vec::with_capacity(cands.len());
        out.extend(
            cands
                .into_iter()
                .filter_map(|v| similarity(q, self.keys(v)).map(|s| (v, s))),
        );
        out.sort_by(|a, b| b.1.sim.total_cmp(&a.1.sim).then(a.0.cmp(&b.0)));
        out
    }

    fn map(&self, m: Map) -> &StrMap<'a> {
        &self.maps[m as usize]
    }

    fn gather(&self, q: Keys, cands: &mut Vec<Vid>) {
        cands.extend(self.exact_bytes(q.text, false));
        let maps = [
            (Map::Loose, q.loose),
            (Map::Vowel, q.vowel),
            (
                if q.abjad {
                    Map::ClassAll
                } else {
                    Map::ClassAbjad
                },
                q.class,
            ),
        ];
        for (i, (map, key)) in maps.into_iter().enumerate() {
            // Two-class keys ("AL" for "علي") only for Arabic-script queries;
            // one- and two-letter tokens also by loose key (the conjunction
            // "Y" / "I", "YU" / "IU"): few spellings share such short keys.
            let min = match i {
                0 if q.text.len() <= 2 => 1,
                2 if q.abjad => 2,
                _ => 3,
            };
            if key.len() < min {
                continue;
            }
            cands.extend_from_slice(self.map(map).get(key));
        }
        if (3..=4).contains(&q.text.len()) && q.text.is_ascii() {
            // One edit among short words: the query's spelling against the
            // words and their deletes, and for 4 letters its deletes too.
            let short = self.map(Map::Short);
            cands.extend_from_slice(short.get(q.text));
            if q.text.len() == 4 {
                for_each_delete(q.text, |d| cands.extend_from_slice(short.get(d)));
            }
        }
        if q.text.len() >= 4 {
            self.gather_typos(q.text, cands);
        }
        if q.loose.len() >= 4 && q.loose != q.text {
            self.gather_typos(q.loose, cands);
        }
    }

    /// Symmetric deletes: the query key against the index's deletes, and each
    /// query delete against the index's tokens (text and loose key) and deletes.
    fn gather_typos(&self, form: &[u8], cands: &mut Vec<Vid>) {
        let mut batch = Lookups::default();
        batch.push(self, delete_key(form), Neighbours::Deletes, cands);
        for_each_delete(form, |d| {
            batch.push(self, delete_key(d), Neighbours::DeletesAndWords, cands);
        });
        batch.run(self, cands);
    }

    /// The bucket of the delete neighbourhood where `key` would be.
    fn bucket(&self, key: u64) -> Range<usize> {
        let b = key.checked_shr(self.del_shift).unwrap_or(0) as usize;
        match (self.del_start.get(b), self.del_start.get(b + 1)) {
            (Some(&begin), Some(&end)) => begin as usize..end as usize,
            _ => 0..0,
        }
    }

    /// The tokens whose keys in the delete neighbourhood are `key` (a
    /// [`delete_key`]), with or without those of the tokens' own forms;
    /// `bucket` is [`View::bucket`] of `key`.
    fn neighbours(&self, key: u64, bucket: Range<usize>, take: Neighbours, cands: &mut Vec<Vid>) {
        let (Some(keys), Some(vids)) =
            (self.del_keys.get(bucket.clone()), self.del_vids.get(bucket))
        else {
            return;
        };
        let start = keys.partition_point(|&k| k < key);
        let same = keys[start..]
            .iter()
            .zip(&vids[start..])
            .take_while(|(&k, _)| k | WORD_BIT == key | WORD_BIT);
        for (&k, &vid) in same {
            if k & WORD_BIT == 0 || take == Neighbours::DeletesAndWords {
                cands.push(vid);
            }
        }
    }
}

/// Searches of the delete neighbourhood made in steps over a batch: every
/// bucket's bounds, then every bucket's first keys, then the searches. A
/// token's deletes land in unrelated buckets, each a cache miss or two. Done
/// one after the other, a search branches on the keys it has just loaded, so
/// the next search's loads wait for them; in steps, the loads of a step
/// depend on nothing but the step before and their misses overlap (made-up
/// names screen a third faster, identical answers: bench/screening/README.md).
struct Lookups {
    keys: [u64; LOOKUPS],
    takes: [Neighbours; LOOKUPS],
    len: usize,
}

const LOOKUPS: usize = 32;

impl Default for Lookups {
    fn default() -> Lookups {
        Lookups {
            keys: [0; LOOKUPS],
            takes: [Neighbours::Deletes; LOOKUPS],
            len: 0,
        }
    }
}

impl Lookups {
    /// Adds a search; runs the batch first when it is full.
    fn push(&mut self, ix: &View, key: u64, take: Neighbours, cands: &mut Vec<Vid>) {
        if self.len == LOOKUPS {
            self.run(ix, cands);
        }
        self.keys[self.len] = key;
        self.takes[self.len] = take;
        self.len += 1;
    }

    /// Runs the searches added, adding what they find to `cands`; empties the batch.
    fn run(&mut self, ix: &View, cands: &mut Vec<Vid>) {
        let keys = &self.keys[..self.len];
        let mut buckets: [Range<usize>; LOOKUPS] = Default::default();
        for (bucket, &key) in buckets.iter_mut().zip(keys) {
            *bucket = ix.bucket(key);
        }
        let buckets = &buckets[..self.len];
        // Loaded only to be in the cache for the searches below.
        let mut touched = 0u64;
        for bucket in buckets.iter().filter(|b| !b.is_empty()) {
            touched ^= ix.del_keys.get(bucket.start).copied().unwrap_or(0);
        }
        std::hint::black_box(touched);
        for ((&key, bucket), &take) in keys.iter().zip(buckets).zip(&self.takes) {
            ix.neighbours(key, bucket.clone(), take, cands);
        }
        self.len = 0;
    }
}

/// A name as the build collects it.
struct NameRec {
    entry: u32,
    name_no: u32,
    weak: bool,
    person: bool,
    tokens: Vec<Vid>,
    display: Option<Vec<String>>,
}

/// The index as the build collects it, before it is laid out.
#[derive(Default)]
struct Builder {
    keyed: Vec<Keyed>,
    postings: Vec<Vec<u32>>,
    names: Vec<NameRec>,
    exact: FxHashMap<Box<str>, Vid>,
    exact_legal: FxHashMap<Box<str>, Vid>,
    /// [`Map`] order.
    maps: [KeyMap; 5],
    /// Symmetric-delete neighbourhood: ([`delete_key`] or [`word_key`], token).
    deletes: Vec<(u64, Vid)>,
}

/// Keys in order of first insertion, each with its tokens.
#[derive(Default)]
struct KeyMap {
    index: FxHashMap<Box<[u8]>, u32>,
    keys: Vec<Box<[u8]>>,
    vids: Vec<Vec<Vid>>,
}

impl KeyMap {
    fn push(&mut self, key: &[u8], vid: Vid) {
        if key.is_empty() {
            return;
        }
        match self.index.get(key) {
            Some(&k) => {
                let v = &mut self.vids[k as usize];
                if v.last() != Some(&vid) {
                    v.push(vid);
                }
            }
            None => {
                self.index.insert(key.into(), off32(self.keys.len()));
                self.keys.push(key.into());
                self.vids.push(vec![vid]);
            }
        }
    }

    fn write(&self, w: &mut Writer) {
        let (text, off) = strings(self.keys.iter().map(|k| &**k));
        let (start, vals) = csr(&self.vids);
        let table = make_table(self.keys.len(), |i| &self.keys[i]);
        w.bytes(text);
        w.u32s(&off);
        w.u32s(&start);
        w.u32s(&vals);
        w.u32s(&table);
    }
}

/// Strings laid end to end, with their offsets (one more than strings).
fn strings<'s, S: AsRef<[u8]> + ?Sized + 's>(
    items: impl Iterator<Item = &'s S>,
) -> (Vec<u8>, Vec<u32>) {
    let mut text = Vec::new();
    let mut off = vec![0u32];
    for s in items {
        text.extend_from_slice(s.as_ref());
        off.push(off32(text.len()));
    }
    (text, off)
}

/// Lists in CSR form: starts (one more than lists) and items.
fn csr(lists: &[Vec<u32>]) -> (Vec<u32>, Vec<u32>) {
    let mut start = Vec::with_capacity(lists.len() + 1);
    let mut items = Vec::new();
    start.push(0);
    for l in lists {
        items.extend_from_slice(l);
        start.push(off32(items.len()));
    }
    (start, items)
}

impl Builder {
    fn intern(&mut self, t: &Token) -> Vid {
        let map = if t.legal {
            &self.exact_legal
        } else {
            &self.exact
        };
        if let Some(&vid) = map.get(t.text.as_str()) {
            return vid;
        }
        let vid = off32(self.keyed.len());
        let k = Keyed::new(t);
        if !t.legal {
            self.add_keys(&k, vid);
        }
        let map = if t.legal {
            &mut self.exact_legal
        } else {
            &mut self.exact
        };
        map.insert(t.text.as_str().into(), vid);
        self.keyed.push(k);
        self.postings.push(Vec::new());
        vid
    }

    fn add_keys(&mut self, k: &Keyed, vid: Vid) {
        self.maps[Map::Loose as usize].push(k.loose.as_bytes(), vid);
        self.maps[Map::Vowel as usize].push(k.vowel.as_bytes(), vid);
        self.maps[Map::ClassAll as usize].push(k.class.as_bytes(), vid);
        if k.abjad {
            self.maps[Map::ClassAbjad as usize].push(k.class.as_bytes(), vid);
        }
        if (3..=4).contains(&k.text.len()) && k.text.is_ascii() {
            let short = &mut self.maps[Map::Short as usize];
            short.push(k.text.as_bytes(), vid);
            if k.text.len() == 4 {
                for_each_delete(k.text.as_bytes(), |d| short.push(d, vid));
            }
        }
        // Typos are made in spellings, variants in romanisations: both
        // neighbourhoods are indexed.
        for form in [&k.text, &k.loose] {
            if form.len() >= 5 {
                for_each_delete(form.as_bytes(), |d| self.deletes.push((delete_key(d), vid)));
            }
        }
        self.deletes.push((word_key(k.text.as_bytes()), vid));
        if k.loose != k.text {
            self.deletes.push((word_key(k.loose.as_bytes()), vid));
        }
    }
}

/// Lays out the index over every name and alias of `entries`: with `json`,
/// every entry in its canonical JSON too; `meta` is kept as it is given and
/// `snapshot` (the snapshot's content hash, hex) goes in the header.
pub fn build_words(entries: &[Entry], json: bool, meta: &[u8], snapshot: Option<&str>) -> Vec<u64> {
    let mut ix = Builder::default();
    let mut df: Vec<u32> = Vec::new();
    let mut last_entry: Vec<u32> = Vec::new();
    for (e_no, entry) in entries.iter().enumerate() {
        let kind = NameKind::from_party(Some(entry.kind));
        for (name_no, (name, weak)) in entry.names().enumerate() {
            let tokens = tokenize(name, kind);
            if tokens.is_empty() {
                continue;
            }
            let name_id = off32(ix.names.len());
            let mut vids = Vec::with_capacity(tokens.len());
            for t in &tokens {
                let vid = ix.intern(t);
                if vid as usize == df.len() {
                    df.push(0);
                    last_entry.push(u32::MAX);
                }
                if last_entry[vid as usize] != e_no as u32 {
                    last_entry[vid as usize] = e_no as u32;
                    df[vid as usize] += 1;
                }
                let post = &mut ix.postings[vid as usize];
                if post.last() != Some(&name_id) {
                    post.push(name_id);
                }
                vids.push(vid);
            }
            let display = tokens
                .iter()
                .any(|t| t.display != t.text)
                .then(|| tokens.iter().map(|t| t.display.clone()).collect());
            ix.names.push(NameRec {
                entry: off32(e_no),
                name_no: off32(name_no),
                weak,
                person: entry.kind == PartyKind::Individual,
                tokens: vids,
                display,
            });
        }
    }
    let weight: Vec<f64> = ix
        .keyed
        .iter()
        .zip(&df)
        .map(|(k, &d)| indexed_weight(&k.text, k.legal, d as usize, entries.len()))
        .collect();
    let flags: Vec<u8> = ix
        .keyed
        .iter()
        .zip(&weight)
        .map(|(k, &w)| {
            let generic = !k.legal && (w < MIN_WEIGHT || is_generic(&k.text));
            u8::from(k.legal) * LEGAL + u8::from(k.abjad) * ABJAD + u8::from(generic) * GENERIC
        })
        .collect();
    ix.deletes.sort_unstable();
    let bits = (usize::BITS - ix.deletes.len().leading_zeros()).clamp(1, 24);
    let shift = 64 - bits;
    let mut del_start = Vec::with_capacity((1 << bits) + 1);
    let mut i = 0;
    for b in 0..1u64 << bits {
        while i < ix.deletes.len() && ix.deletes[i].0 >> shift < b {
            i += 1;
        }
        del_start.push(off32(i));
    }
    del_start.push(off32(ix.deletes.len()));

    let mut w = Writer::default();
    w.u64s(&[u64::from(shift)]);
    w.bytes(meta.to_vec());
    let (text, off) = strings(
        ix.keyed
            .iter()
            .flat_map(|k| [&*k.text, &*k.loose, &*k.vowel, &*k.class]),
    );
    w.bytes(text);
    w.u32s(&off);
    w.bytes(flags);
    w.f64s(&weight);
    let (start, post) = csr(&std::mem::take(&mut ix.postings));
    w.u32s(&start);
    w.u32s(&post);
    w.u32s(&ix.names.iter().map(|n| n.entry).collect::<Vec<_>>());
    let meta_of = |n: &NameRec| {
        n.name_no | if n.weak { WEAK_BIT } else { 0 } | if n.person { PERSON_BIT } else { 0 }
    };
    w.u32s(&ix.names.iter().map(meta_of).collect::<Vec<_>>());
    let tokens: Vec<Vec<u32>> = ix.names.iter().map(|n| n.tokens.clone()).collect();
    let (start, ntok) = csr(&tokens);
    w.u32s(&start);
    w.u32s(&ntok);
    let mut first = 0u32;
    let name_display: Vec<u32> = ix
        .names
        .iter()
        .map(|n| match &n.display {
            Some(d) => {
                let at = first;
                first += off32(d.len());
                at
            }
            None => u32::MAX,
        })
        .collect();
    w.u32s(&name_display);
    let (text, off) = strings(
        ix.names
            .iter()
            .filter_map(|n| n.display.as_ref())
            .flatten()
            .map(String::as_str),
    );
    w.bytes(text);
    w.u32s(&off);
    let (text, off) = strings(ix.names.iter().map(|n| {
        entries
            .get(n.entry as usize)
            .and_then(|e| e.names().nth(n.name_no as usize))
            .map_or("", |n| n.0)
    }));
    w.bytes(text);
    w.u32s(&off);
    let info: Vec<u32> = entries
        .iter()
        .map(|e| {
            let list = ListId::ALL.iter().position(|&l| l == e.list).unwrap_or(0);
            let kind = KINDS.iter().position(|&k| k == e.kind).unwrap_or(4);
            off32(list) | off32(kind) << 8
        })
        .collect();
    w.u32s(&info);
    let mut str_start = vec![0u32];
    let mut n_strs = 0;
    for e in entries {
        n_strs += 2 + e.countries.len();
        str_start.push(off32(n_strs));
    }
    w.u32s(&str_start);
    let (text, off) = strings(entries.iter().flat_map(|e| {
        [e.id.as_str(), e.name.as_str()]
            .into_iter()
            .chain(e.countries.iter().map(String::as_str))
    }));
    w.bytes(text);
    w.u32s(&off);
    // The largest part of a build: each half is written, then freed.
    let deletes = std::mem::take(&mut ix.deletes);
    w.u64s(&deletes.iter().map(|d| d.0).collect::<Vec<_>>());
    w.u32s(&deletes.iter().map(|d| d.1).collect::<Vec<_>>());
    drop(deletes);
    w.u32s(&del_start);
    for legal in [false, true] {
        let vids: Vec<Vid> = ix
            .keyed
            .iter()
            .enumerate()
            .filter(|(_, k)| k.legal == legal)
            .map(|(v, _)| off32(v))
            .collect();
        let mut table = make_table(vids.len(), |i| ix.keyed[vids[i] as usize].text.as_bytes());
        // The table holds positions in `vids`: make them tokens.
        for slot in table.iter_mut().filter(|s| **s != 0) {
            *slot = vids[*slot as usize - 1] + 1;
        }
        w.u32s(&table);
    }
    for m in std::mem::take(&mut ix.maps) {
        m.write(&mut w);
    }
    drop(ix);
    if json {
        let mut blob = Vec::new();
        let mut off = vec![0u64];
        for e in entries {
            // An `Entry` always serializes; an empty line otherwise.
            if let Ok(bytes) = serde_json::to_vec(e) {
                blob.extend_from_slice(&bytes);
            }
            blob.push(b'\n');
            off.push(blob.len() as u64);
        }
        w.bytes(blob);
        w.u64s(&off);
    } else {
        w.bytes(Vec::new());
        w.u64s(&[]);
    }
    w.finish(snapshot)
}
