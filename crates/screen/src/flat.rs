//! The container of a screening index: a header, a table of sections and the
//! sections, laid out so that the index is used where it lies — in memory
//! after a build, or in a memory-mapped file — without parsing.
//!
//! ```text
//! 0    magic "ACESCRN\0"
//! 8    format version (u32), endianness mark 0x01020304 (u32)
//! 16   fingerprint of the screening code that built it (32 bytes, see below)
//! 48   the snapshot's content hash (32 bytes; zero for an index built in memory)
//! 80   XXH3-128 of every byte of the index, these 16 taken as zero
//! 96   total length in bytes (u64), number of sections (u32), 0 (u32)
//! 112  reserved (zero)
//! 128  section table: (offset u64, length u64) per section
//! ...  sections, each at a multiple of 8 bytes, native little-endian
//! ```
//!
//! [`Layout::open`] refuses (an [`IndexError`]) any header that is not this
//! version's, an index built by other screening code (the fingerprint is a
//! SHA-256 of the `screen` crate's sources and data, the `Entry` model and the
//! workspace's `Cargo.lock`, made by `build.rs`: a change to normalisation or
//! scoring code can never meet an index built by the code before it), another
//! snapshot's index, a file of the wrong length (truncated or extended), and
//! bytes whose hash does not match; then every section must lie inside the
//! file, aligned. A caller that gets an error builds the index again.
//!
//! The hash is XXH3-128, not a cryptographic hash: it guards against
//! corruption, truncation and stale files. Whoever can write the index file
//! can write the snapshot beside it too; the snapshot's own SHA-256 is the
//! integrity check of the content (see `lists::snapshot`).

use std::ops::Range;

/// The first eight bytes of every index.
pub const MAGIC: [u8; 8] = *b"ACESCRN\0";
/// The version of this layout; any change of sections or their meaning bumps it.
pub const FORMAT_VERSION: u32 = 2;
/// SHA-256 (hex) of the code that builds and reads indexes (see the module doc).
pub const CODE_FINGERPRINT: &str = env!("SCREEN_CODE_FINGERPRINT");

const ENDIAN_MARK: u32 = 0x0102_0304;
const HEADER_LEN: usize = 128;

/// Why an index cannot be used as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexError {
    /// Shorter than its header, or its header is not an index's.
    NotAnIndex,
    /// Written in another version of the layout.
    Version { found: u32 },
    /// Written on a machine of the other byte order.
    Endianness,
    /// Built by other screening code.
    Fingerprint,
    /// Built over another snapshot.
    Snapshot { expected: String, found: String },
    /// The header gives another length than the bytes have.
    Length { header: u64, actual: u64 },
    /// The bytes do not hash to the header's hash.
    Hash,
    /// A section lies outside the bytes, is misaligned or inconsistent.
    Section { section: usize, why: &'static str },
}

impl std::fmt::Display for IndexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IndexError::NotAnIndex => f.write_str("not a screening index"),
            IndexError::Version { found } => write!(
                f,
                "index format version {found}, this build reads {FORMAT_VERSION}"
            ),
            IndexError::Endianness => f.write_str("index written with the other byte order"),
            IndexError::Fingerprint => f.write_str("index built by other screening code"),
            IndexError::Snapshot { expected, found } => {
                write!(f, "index of snapshot {found}, expected {expected}")
            }
            IndexError::Length { header, actual } => {
                write!(f, "index of {actual} bytes, its header says {header}")
            }
            IndexError::Hash => f.write_str("index bytes do not match their hash"),
            IndexError::Section { section, why } => write!(f, "index section {section}: {why}"),
        }
    }
}

impl std::error::Error for IndexError {}

/// The fingerprint as 32 bytes.
fn fingerprint() -> [u8; 32] {
    hex32(CODE_FINGERPRINT).unwrap_or([0; 32])
}

/// 64 hex digits as 32 bytes.
pub(crate) fn hex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let digit = |c: u8| char::from(c).to_digit(16);
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (digit(b[2 * i])? * 16 + digit(b[2 * i + 1])?) as u8;
    }
    Some(out)
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Sections in the making.
#[derive(Default)]
pub(crate) struct Writer {
    sections: Vec<Vec<u8>>,
}

impl Writer {
    pub fn bytes(&mut self, b: Vec<u8>) {
        self.sections.push(b);
    }

    pub fn u32s(&mut self, v: &[u32]) {
        self.sections.push(bytemuck::cast_slice(v).to_vec());
    }

    pub fn u64s(&mut self, v: &[u64]) {
        self.sections.push(bytemuck::cast_slice(v).to_vec());
    }

    pub fn f64s(&mut self, v: &[f64]) {
        self.sections.push(bytemuck::cast_slice(v).to_vec());
    }

    /// The whole index, as 8-byte words (so that every section is aligned
    /// in memory too); `snapshot` is the snapshot's content hash (hex), if any.
    pub fn finish(self, snapshot: Option<&str>) -> Vec<u64> {
        let count = self.sections.len();
        let table = count * 16;
        let mut at = HEADER_LEN + table;
        let mut places = Vec::with_capacity(self.sections.len());
        for s in &self.sections {
            places.push((at as u64, s.len() as u64));
            at = (at + s.len()).next_multiple_of(8);
        }
        let mut words = vec![0u64; at / 8];
        let out: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
        // Each section is freed once copied: a build never holds two copies of all.
        for (i, (s, &(off, len))) in self.sections.into_iter().zip(&places).enumerate() {
            let t = HEADER_LEN + i * 16;
            out[t..t + 8].copy_from_slice(&off.to_le_bytes());
            out[t + 8..t + 16].copy_from_slice(&len.to_le_bytes());
            out[off as usize..(off + len) as usize].copy_from_slice(&s);
        }
        out[0..8].copy_from_slice(&MAGIC);
        out[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        out[12..16].copy_from_slice(&ENDIAN_MARK.to_ne_bytes());
        out[16..48].copy_from_slice(&fingerprint());
        if let Some(h) = snapshot.and_then(hex32) {
            out[48..80].copy_from_slice(&h);
        }
        out[96..104].copy_from_slice(&(at as u64).to_le_bytes());
        out[104..108].copy_from_slice(&(count as u32).to_le_bytes());
        let hash = index_hash(out);
        out[80..96].copy_from_slice(&hash.to_le_bytes());
        words
    }
}

/// XXH3-128 of the whole index with its hash field taken as zero.
fn index_hash(bytes: &[u8]) -> u128 {
    let mut header = [0u8; HEADER_LEN];
    header.copy_from_slice(&bytes[..HEADER_LEN]);
    header[80..96].fill(0);
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&header);
    h.update(&bytes[HEADER_LEN..]);
    h.digest128()
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// [`index_hash`] of the `len` bytes `source` reads (the bytes of a mapped
/// file, read rather than touched through the mapping, so that checking them
/// does not bring every page of the file into the process); `None` when it
/// reads fewer.
fn index_hash_read(source: &mut dyn std::io::Read, len: usize) -> Option<u128> {
    let mut header = [0u8; HEADER_LEN];
    source.read_exact(&mut header).ok()?;
    header[80..96].fill(0);
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&header);
    let mut buf = vec![0u8; 1 << 20];
    let mut left = len.checked_sub(HEADER_LEN)?;
    while left > 0 {
        let want = left.min(buf.len());
        let n = source.read(&mut buf[..want]).ok()?;
        if n == 0 {
            return None;
        }
        h.update(&buf[..n]);
        left -= n;
    }
    Some(h.digest128())
}

/// Where each section lies in a validated index.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    sections: Vec<Range<usize>>,
    /// The snapshot's content hash (hex), or `None` when the header has none.
    pub snapshot: Option<String>,
}

impl Layout {
    /// Validates `bytes` as an index of `sections` sections (see the module
    /// doc); with `snapshot`, also that it was built over that snapshot. The
    /// hash is checked over what `source` reads when given (the same bytes,
    /// from a file), else over `bytes`.
    pub fn open(
        bytes: &[u8],
        sections: usize,
        snapshot: Option<&str>,
        source: Option<&mut dyn std::io::Read>,
    ) -> Result<Layout, IndexError> {
        if bytes.len() < HEADER_LEN || bytes[0..8] != MAGIC {
            return Err(IndexError::NotAnIndex);
        }
        let version = u32_at(bytes, 8);
        if version != FORMAT_VERSION {
            return Err(IndexError::Version { found: version });
        }
        let mut mark = [0u8; 4];
        mark.copy_from_slice(&bytes[12..16]);
        if u32::from_ne_bytes(mark) != ENDIAN_MARK {
            return Err(IndexError::Endianness);
        }
        if bytes[16..48] != fingerprint() {
            return Err(IndexError::Fingerprint);
        }
        let found = (bytes[48..80] != [0u8; 32]).then(|| to_hex(&bytes[48..80]));
        if let Some(expected) = snapshot {
            if found.as_deref() != Some(expected) {
                return Err(IndexError::Snapshot {
                    expected: expected.to_owned(),
                    found: found.unwrap_or_else(|| "(none)".to_owned()),
                });
            }
        }
        let total = u64_at(bytes, 96);
        if total != bytes.len() as u64 {
            return Err(IndexError::Length {
                header: total,
                actual: bytes.len() as u64,
            });
        }
        let mut hash = [0u8; 16];
        hash.copy_from_slice(&bytes[80..96]);
        let actual = match source {
            Some(source) => index_hash_read(source, bytes.len()),
            None => Some(index_hash(bytes)),
        };
        if actual != Some(u128::from_le_bytes(hash)) {
            return Err(IndexError::Hash);
        }
        let count = u32_at(bytes, 104) as usize;
        if count != sections || HEADER_LEN + count * 16 > bytes.len() {
            return Err(IndexError::Section {
                section: count,
                why: "not the number of sections of this format",
            });
        }
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let t = HEADER_LEN + i * 16;
            let (off, len) = (u64_at(bytes, t), u64_at(bytes, t + 8));
            let end = off.checked_add(len).filter(|&e| e <= bytes.len() as u64);
            let Some(end) = end else {
                return Err(IndexError::Section {
                    section: i,
                    why: "outside the file",
                });
            };
            if off % 8 != 0 || off < (HEADER_LEN + count * 16) as u64 {
                return Err(IndexError::Section {
                    section: i,
                    why: "misplaced",
                });
            }
            out.push(off as usize..end as usize);
        }
        Ok(Layout {
            sections: out,
            snapshot: found,
        })
    }

    /// The bytes of section `i` (empty when there is no such section).
    pub fn bytes<'a>(&self, b: &'a [u8], i: usize) -> &'a [u8] {
        self.sections
            .get(i)
            .and_then(|r| b.get(r.clone()))
            .unwrap_or_default()
    }

    /// Section `i` as a slice of `T`, or an error naming it.
    pub fn slice<'a, T: bytemuck::Pod>(
        &self,
        b: &'a [u8],
        i: usize,
    ) -> Result<&'a [T], IndexError> {
        bytemuck::try_cast_slice(self.bytes(b, i)).map_err(|_| IndexError::Section {
            section: i,
            why: "not a whole number of aligned values",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u64> {
        let mut w = Writer::default();
        w.u32s(&[1, 2, 3]);
        w.bytes(b"hello".to_vec());
        w.f64s(&[0.5]);
        w.finish(Some(&"ab".repeat(32)))
    }

    #[test]
    fn sections_come_back_as_written() {
        let words = sample();
        let b: &[u8] = bytemuck::cast_slice(&words);
        let l = Layout::open(b, 3, Some(&"ab".repeat(32)), None).expect("valid");
        assert_eq!(l.slice::<u32>(b, 0), Ok(&[1u32, 2, 3][..]));
        assert_eq!(l.bytes(b, 1), b"hello");
        assert_eq!(l.slice::<f64>(b, 2), Ok(&[0.5f64][..]));
        assert_eq!(l.snapshot.as_deref(), Some(&*"ab".repeat(32)));
    }

    #[test]
    fn a_changed_byte_a_short_file_or_another_snapshot_is_refused() {
        let words = sample();
        let good: &[u8] = bytemuck::cast_slice(&words);
        for at in [130, good.len() - 1, 20, 50, 85] {
            let mut bad = good.to_vec();
            bad[at] ^= 1;
            assert!(
                Layout::open(&bad, 3, None, None).is_err(),
                "byte {at} flipped"
            );
        }
        let err = Layout::open(&good[..good.len() - 8], 3, None, None).err();
        assert!(matches!(err, Some(IndexError::Length { .. })), "{err:?}");
        let err = Layout::open(good, 3, Some(&"cd".repeat(32)), None).err();
        assert!(matches!(err, Some(IndexError::Snapshot { .. })), "{err:?}");
        assert_eq!(
            Layout::open(good, 4, None, None)
                .err()
                .map(|e| matches!(e, IndexError::Section { .. })),
            Some(true)
        );
        let mut old = good.to_vec();
        old[8] = 0;
        assert_eq!(
            Layout::open(&old, 3, None, None).err(),
            Some(IndexError::Version { found: 0 })
        );
        assert_eq!(
            Layout::open(b"ACESCRN", 3, None, None).err(),
            Some(IndexError::NotAnIndex)
        );
    }

    #[test]
    fn the_hash_is_checked_over_what_the_source_reads() {
        let words = sample();
        let good: &[u8] = bytemuck::cast_slice(&words);
        let mut same = good;
        assert!(Layout::open(good, 3, None, Some(&mut same)).is_ok());
        let mut changed = good.to_vec();
        changed[140] ^= 1;
        let mut read = &changed[..];
        let err = Layout::open(good, 3, None, Some(&mut read)).err();
        assert_eq!(err, Some(IndexError::Hash));
        let mut short = &good[..good.len() - 1];
        let err = Layout::open(good, 3, None, Some(&mut short)).err();
        assert_eq!(err, Some(IndexError::Hash));
    }
}
