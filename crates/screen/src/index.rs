//! The candidate index: a vocabulary of distinct tokens with their keys and
//! weights, postings from token to names, and key maps (loose, vowel and
//! consonant skeletons, single-delete neighbourhood) from a query token to the
//! vocabulary tokens it may match. Queries never scan the entries.

use crate::keys::single_deletes;
use crate::normalize::{tokenize, NameKind};
use crate::score::{token_similarity, Keyed, TokenSim};
use crate::weights::indexed_weight;
use lists::model::Entry;
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;

/// One name token in the index: a vocabulary id.
pub type Vid = u32;

/// One indexed name (primary name or alias).
#[derive(Debug)]
pub struct NameRec {
    pub entry: u32,
    /// Index in `Entry::names()` order (0 = primary name).
    pub name_no: u32,
    pub weak: bool,
    pub tokens: Box<[Vid]>,
}

/// The vocabulary and maps.
#[derive(Debug, Default)]
pub struct Index {
    pub keyed: Vec<Keyed>,
    pub weight: Vec<f64>,
    pub postings: Vec<Vec<u32>>,
    pub names: Vec<NameRec>,
    exact: FxHashMap<Box<str>, Vid>,
    loose: FxHashMap<Box<str>, Vec<Vid>>,
    vowel: FxHashMap<Box<str>, Vec<Vid>>,
    consonant_all: FxHashMap<Box<str>, Vec<Vid>>,
    consonant_abjad: FxHashMap<Box<str>, Vec<Vid>>,
    deletes: Vec<(u64, Vid)>,
}

/// Vocabulary key: legal-form tokens live apart from plain ones ("co").
fn vocab_key(text: &str, legal: bool) -> String {
    if legal {
        format!("#{text}")
    } else {
        text.to_string()
    }
}

fn hash(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
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
                    let vid = ix.intern(&t.text, t.legal, t.abjad);
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
                ix.names.push(NameRec {
                    entry: e_no as u32,
                    name_no: name_no as u32,
                    weak,
                    tokens: vids.into_boxed_slice(),
                });
            }
        }
        ix.weight = ix
            .keyed
            .iter()
            .zip(&df)
            .map(|(k, &d)| indexed_weight(&k.text, k.legal, d as usize, entries.len()))
            .collect();
        ix.deletes.sort_unstable();
        ix
    }

    fn intern(&mut self, text: &str, legal: bool, abjad: bool) -> Vid {
        let key = vocab_key(text, legal);
        if let Some(&vid) = self.exact.get(key.as_str()) {
            return vid;
        }
        let vid = self.keyed.len() as Vid;
        let k = Keyed::from_parts(text, legal, abjad);
        if !legal {
            self.add_keys(&k, vid);
        }
        self.exact.insert(key.into_boxed_str(), vid);
        self.keyed.push(k);
        self.postings.push(Vec::new());
        vid
    }

    fn add_keys(&mut self, k: &Keyed, vid: Vid) {
        push_key(&mut self.loose, &k.loose, vid);
        push_key(&mut self.vowel, &k.vowel, vid);
        push_key(&mut self.consonant_all, &k.consonant, vid);
        if k.abjad {
            push_key(&mut self.consonant_abjad, &k.consonant, vid);
        }
        // Typos are made in spellings, variants in romanisations: both
        // neighbourhoods are indexed.
        for form in [&k.text, &k.loose] {
            if form.len() >= 5 {
                for d in single_deletes(form) {
                    self.deletes.push((hash(&d), vid));
                }
            }
        }
    }

    /// The vocabulary id of an exact token, if indexed.
    pub fn exact(&self, text: &str, legal: bool) -> Option<Vid> {
        self.exact.get(vocab_key(text, legal).as_str()).copied()
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
                    &self.consonant_all
                } else {
                    &self.consonant_abjad
                },
                q.consonant.as_str(),
            ),
        ];
        for (map, key) in maps {
            if key.len() < 3 {
                continue;
            }
            if let Some(v) = map.get(key) {
                cands.extend_from_slice(v);
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
        self.deletes_of(hash(form), cands);
        for d in single_deletes(form) {
            cands.extend(self.exact(&d, false));
            if let Some(v) = self.loose.get(d.as_str()) {
                cands.extend_from_slice(v);
            }
            self.deletes_of(hash(&d), cands);
        }
    }

    fn deletes_of(&self, h: u64, cands: &mut Vec<Vid>) {
        let start = self.deletes.partition_point(|&(k, _)| k < h);
        cands.extend(
            self.deletes[start..]
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
