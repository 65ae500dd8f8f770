//! The short fuzz run of the test suite: every kept corpus input of every target, then a
//! few thousand deterministic mutations of them (bit flips, truncations, splices,
//! duplicated chunks). The long runs are libFuzzer's (fuzz/README.md).

use std::path::{Path, PathBuf};

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(corpus_dir(target))
        .map(|d| {
            d.flatten()
                .filter_map(|e| std::fs::read(e.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    out.push(Vec::new());
    out
}

/// xorshift64*: deterministic, so a failure is reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => v.truncate(rng.below(v.len())),
            2 => {
                let i = rng.below(v.len() + 1);
                let b = [b'"', b',', b'\n', b'<', b'{', b'}', b';', 0, 0xff, b'\t'][rng.below(10)];
                v.insert(i, b);
            }
            3 if !other.is_empty() => {
                let start = rng.below(other.len());
                let end = start + rng.below(other.len() - start + 1);
                let at = rng.below(v.len() + 1);
                v.splice(at..at, other[start..end].iter().copied());
            }
            4 if !v.is_empty() => {
                let start = rng.below(v.len());
                let end = (start + rng.below(64)).min(v.len());
                let chunk = v[start..end].to_vec();
                v.extend_from_slice(&chunk);
            }
            _ if !v.is_empty() => {
                let i = rng.below(v.len());
                v.remove(i);
            }
            _ => v.push(rng.below(256) as u8),
        }
    }
    v
}

#[test]
fn every_target_survives_its_corpus_and_mutations() {
    let rounds: usize = std::env::var("ACE_FUZZ_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    for (name, harness) in fuzzing::TARGETS {
        let seeds = seeds(name);
        assert!(
            seeds.len() > 1,
            "fuzz/corpus/{name} has no inputs: keep the corpus"
        );
        for s in &seeds {
            harness(s);
        }
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ name.len() as u64);
        for _ in 0..rounds {
            let a = &seeds[rng.below(seeds.len())];
            let b = &seeds[rng.below(seeds.len())];
            let input = mutate(&mut rng, a, b);
            harness(&input);
        }
    }
}
