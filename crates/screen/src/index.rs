//! The candidate index: a vocabulary of distinct tokens with their keys and
//! weights, postings from token to names, and key maps (loose, vowel and
//! consonant skeletons, single-delete neighbourhood) from a query token to the
//! vocabulary tokens it may match. Queries never scan the entries.

use crate::keys::for_each_delete;
use crate::normalize::{tokenize, NameKind, Token};
use crate::score::{token_similarity, Keyed, TokenSim};
use crate::weights::{indexed_weight, is_generic, MIN_WEIGHT};
use lists::model::Entry;
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;
use std::sync::{Arc, OnceLock};

/// One name token in the index: a vocabulary id.
pub type Vid = u32;

/// The vocabulary tokens similar to one token, best first; shared by the
/// memo and the queries that use it.
pub type Similar = Arc<[(Vid, TokenSim)]>;

/// One indexed name (primary name or alias).
#[derive(Debug)]
pub struct NameRec {
    pub entry: u32,
    /// Index in `Entry::names()` order (0 = primary name).
    pub name_no: u32,
    pub weak: bool,
    /// The entry is an individual (see [`crate::adjust::exact_name_evidence`]).
    pub person: bool,
    pub tokens: Box<[Vid]>,
    /// How each token read as published, for explanations, when one differs
    /// from its vocabulary text (a legal form: "limited" for `ltd`); `None`
    /// when each reads as its text.
    pub display: Option<Box<[Box<str>]>>,
}

/// The vocabulary and maps.
#[derive(Debug, Default)]
pub struct Index {
    pub keyed: Vec<Keyed>,
    pub weight: Vec<f64>,
    /// Generic words and particles ([`crate::weights::is_generic`]).
    pub generic: Vec<bool>,
    pub postings: Vec<Vec<u32>>,
    pub names: Vec<NameRec>,
    /// Exact tokens; legal-form tokens live apart from plain ones ("co").
    exact: FxHashMap<Box<str>, Vid>,
    exact_legal: FxHashMap<Box<str>, Vid>,
    loose: FxHashMap<Box<str>, Vec<Vid>>,
    vowel: FxHashMap<Box<str>, Vec<Vid>>,
    class_all: FxHashMap<Box<str>, Vec<Vid>>,
    class_abjad: FxHashMap<Box<str>, Vec<Vid>>,
    /// Words of 3 or 4 letters by their spelling and, for 4 letters, their
    /// single deletes: the neighbourhood of one edit among short words
    /// (see [`crate::score`]'s short-word typos).
    short: FxHashMap<Box<str>, Vec<Vid>>,
    /// Symmetric-delete neighbourhood: ([`delete_key`], token), sorted.
    deletes: Vec<(u64, Vid)>,
    /// `deletes[delete_start[b]..delete_start[b + 1]]` are the keys whose top
    /// `64 - delete_shift` bits are `b`.
    delete_start: Vec<u32>,
    delete_shift: u32,
    /// [`Index::similar`] of each vocabulary token written in Latin
    /// letters, computed on its first use as a query token: most query
    /// words of a batch ("mohammed", "trading", a surname) are indexed
    /// words, and two thirds of them come again. A pure function of the
    /// index, shared by every thread.
    memo: Vec<OnceLock<Similar>>,
}

/// The key of a delete in [`Index::deletes`]: its hash, multiplied by an odd
/// constant (a bijection) so that the top bits, which choose the bucket, are
/// well mixed.
fn delete_key(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish().wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl Index {
    /// Builds the index over every name and alias of `entries`.
    pub fn build(entries: &[Entry]) -> Index {
        let mut ix = Index::default();
        let mut df: Vec<u32> = Vec::new();
        let mut last_entry: Vec<u32> = Vec::new();
        for (e_no, entry) in entries.iter().enumerate() {
            let kind = NameKind::from_party(Some(entry.kind));
            for (name_no, (name, weak)) in entry.names().enumerate() {
                let tokens = tokenize(name, kind);
                if tokens.is_empty() {
                    continue;
                }
                let name_id = ix.names.len() as u32;
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
                    .then(|| tokens.iter().map(|t| t.display.as_str().into()).collect());
                ix.names.push(NameRec {
                    entry: e_no as u32,
                    name_no: name_no as u32,
                    weak,
                    person: entry.kind == lists::model::PartyKind::Individual,
                    tokens: vids.into_boxed_slice(),
                    display,
                });
            }
        }
        ix.weight = ix
            .keyed
            .iter()
            .zip(&df)
            .map(|(k, &d)| indexed_weight(&k.text, k.legal, d as usize, entries.len()))
            .collect();
        ix.generic = ix
            .keyed
            .iter()
            .zip(&ix.weight)
            .map(|(k, &w)| !k.legal && (w < MIN_WEIGHT || is_generic(&k.text)))
            .collect();
        ix.deletes.sort_unstable();
        ix.bucket_deletes();
        ix.memo = (0..ix.keyed.len()).map(|_| OnceLock::new()).collect();
        ix
    }

    /// [`Index::similar`] of a query token: from the memo when the token is
    /// an indexed Latin-script word (the keys of both are then the same),
    /// computed otherwise.
    pub fn similar_token(&self, t: &Token) -> Similar {
        if !t.abjad && t.arabic.is_empty() {
            if let Some(v) = self.exact(&t.text, t.legal) {
                let k = &self.keyed[v as usize];
                if !k.abjad {
                    return self.memo[v as usize]
                        .get_or_init(|| self.similar(k).into())
                        .clone();
                }
            }
        }
        self.similar(&Keyed::new(t)).into()
    }

    /// Whether a query token is similar to some indexed token.
    pub fn has_similar(&self, t: &Token) -> bool {
        !self.similar_token(t).is_empty()
    }

    /// Fills `delete_start`, about one delete per bucket.
    fn bucket_deletes(&mut self) {
        let bits = (usize::BITS - self.deletes.len().leading_zeros()).clamp(1, 24);
        self.delete_shift = 64 - bits;
        let buckets = 1usize << bits;
        self.delete_start = Vec::with_capacity(buckets + 1);
        let mut i = 0;
        for b in 0..buckets as u64 {
            while i < self.deletes.len() && self.deletes[i].0 >> self.delete_shift < b {
                i += 1;
            }
            self.delete_start.push(i as u32);
        }
        self.delete_start.push(self.deletes.len() as u32);
    }

    fn intern(&mut self, t: &Token) -> Vid {
        if let Some(vid) = self.exact(&t.text, t.legal) {
            return vid;
        }
        let vid = self.keyed.len() as Vid;
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
        push_key(&mut self.loose, &k.loose, vid);
        push_key(&mut self.vowel, &k.vowel, vid);
        push_key(&mut self.class_all, &k.class, vid);
        if k.abjad {
            push_key(&mut self.class_abjad, &k.class, vid);
        }
        if (3..=4).contains(&k.text.len()) && k.text.is_ascii() {
            push_key(&mut self.short, &k.text, vid);
            if k.text.len() == 4 {
                let mut short = std::mem::take(&mut self.short);
                for_each_delete(&k.text, |d| push_key(&mut short, d, vid));
                self.short = short;
            }
        }
        // Typos are made in spellings, variants in romanisations: both
        // neighbourhoods are indexed.
        for form in [&k.text, &k.loose] {
            if form.len() >= 5 {
                for_each_delete(form, |d| self.deletes.push((delete_key(d), vid)));
            }
        }
    }

    /// The vocabulary id of an exact token, if indexed.
    pub fn exact(&self, text: &str, legal: bool) -> Option<Vid> {
        let map = if legal {
            &self.exact_legal
        } else {
            &self.exact
        };
        map.get(text).copied()
    }

    /// Every vocabulary token similar enough to `q`, best first.
    pub fn similar(&self, q: &Keyed) -> Vec<(Vid, TokenSim)> {
        let mut cands: Vec<Vid> = Vec::new();
        if q.legal {
            cands.extend(self.exact(&q.text, true));
        } else {
            self.gather(q, &mut cands);
        }
        cands.sort_unstable();
        cands.dedup();
        let mut out: Vec<(Vid, TokenSim)> = cands
            .into_iter()
            .filter_map(|v| token_similarity(q, &self.keyed[v as usize]).map(|s| (v, s)))
            .collect();
        out.sort_by(|a, b| b.1.sim.total_cmp(&a.1.sim).then(a.0.cmp(&b.0)));
        out
    }

    fn gather(&self, q: &Keyed, cands: &mut Vec<Vid>) {
        cands.extend(self.exact(&q.text, false));
        let maps = [
            (&self.loose, q.loose.as_str()),
            (&self.vowel, q.vowel.as_str()),
            (
                if q.abjad {
                    &self.class_all
                } else {
                    &self.class_abjad
                },
                q.class.as_str(),
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
            if let Some(v) = map.get(key) {
                cands.extend_from_slice(v);
            }
        }
        if (3..=4).contains(&q.text.len()) && q.text.is_ascii() {
            // One edit among short words: the query's spelling against the
            // words and their deletes, and for 4 letters its deletes too.
            if let Some(v) = self.short.get(q.text.as_str()) {
                cands.extend_from_slice(v);
            }
            if q.text.len() == 4 {
                for_each_delete(&q.text, |d| {
                    if let Some(v) = self.short.get(d) {
                        cands.extend_from_slice(v);
                    }
                });
            }
        }
        if q.text.len() >= 4 {
            self.gather_typos(&q.text, cands);
        }
        if q.loose.len() >= 4 && q.loose != q.text {
            self.gather_typos(&q.loose, cands);
        }
    }

    /// Symmetric deletes: the query key against the index's deletes, and each
    /// query delete against the index's keys and deletes.
    fn gather_typos(&self, form: &str, cands: &mut Vec<Vid>) {
        self.deletes_of(delete_key(form), cands);
        for_each_delete(form, |d| {
            cands.extend(self.exact(d, false));
            if let Some(v) = self.loose.get(d) {
                cands.extend_from_slice(v);
            }
            self.deletes_of(delete_key(d), cands);
        });
    }

    fn deletes_of(&self, h: u64, cands: &mut Vec<Vid>) {
        let Some(&end) = self.delete_start.get((h >> self.delete_shift) as usize + 1) else {
            return;
        };
        let begin = self.delete_start[(h >> self.delete_shift) as usize];
        let bucket = &self.deletes[begin as usize..end as usize];
        let start = bucket.partition_point(|&(k, _)| k < h);
        cands.extend(
            bucket[start..]
                .iter()
                .take_while(|&&(k, _)| k == h)
                .map(|&(_, v)| v),
        );
    }
}

fn push_key(map: &mut FxHashMap<Box<str>, Vec<Vid>>, key: &str, vid: Vid) {
    if key.is_empty() {
        return;
    }
    match map.get_mut(key) {
        Some(v) => {
            if v.last() != Some(&vid) {
                v.push(vid);
            }
        }
        None => {
            map.insert(key.into(), vec![vid]);
        }
    }
}
