//! Compact rows: a record's input and output texts stored as zstd frames compressed with a
//! dictionary that is itself kept in the database (docs/records-format.md).
//!
//! What is hashed does not change: the hash is over the canonical texts, and a compact row is
//! read (and verified) by decompressing them first. A row is compact when its `input` and
//! `output` columns are empty and `input_z`/`output_z` hold the texts, each one standard zstd
//! frame (content size in the header, the dictionary's id in the header, no checksum: the
//! record's SHA-256 covers the text) made with the dictionary `dictionary` names — so
//! `zstd -d -D dictionary.bin` gives the text back without ace.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use zstd_safe::{CCtx, CDict, DCtx, DDict};

use crate::canonical::sha256_hex;
use crate::error::{Error, Result};

/// The dictionary new rows are compressed with, trained on real determination, screening and
/// access records (`dictionary/train.sh`). Stored in the database's `dictionaries` table on
/// open; rows name it by that table's id.
pub(crate) const BUNDLED: &[u8] = include_bytes!("../dictionary/records-1.zdict");

/// zstd level for new rows: with the dictionary, higher levels save a few bytes a record for
/// several times the CPU (bench/records).
const LEVEL: i32 = 3;

/// The largest text a frame may claim to hold (a record's input or output is far smaller):
/// a corrupted header must not make a reader allocate without bound.
const MAX_TEXT: u64 = 256 << 20;

/// A record's texts as a compact row stores them.
#[derive(Debug, Clone)]
pub(crate) struct Compact {
    /// The id of the dictionary in `dictionaries`.
    pub dictionary: i64,
    pub input_z: Vec<u8>,
    pub output_z: Vec<u8>,
}

/// Reads a dictionary's bytes by id from the database (`None` when there is no such row).
pub(crate) type LoadDictionary = Box<dyn Fn(i64) -> Result<Option<Vec<u8>>> + Send + Sync>;

/// Compresses new rows with the bundled dictionary and decompresses rows with any dictionary
/// of the database (loaded when first needed, so one written by another process is found).
pub(crate) struct Codec {
    /// The bundled dictionary's id in this database, prepared for compression.
    current: Option<(i64, CDict<'static>)>,
    decoders: RwLock<HashMap<i64, Arc<DDict<'static>>>>,
    load: LoadDictionary,
}

thread_local! {
    static CCTX: RefCell<Option<CCtx<'static>>> = const { RefCell::new(None) };
    static DCTX: RefCell<Option<DCtx<'static>>> = const { RefCell::new(None) };
}

impl Codec {
    /// A codec writing with the bundled dictionary, stored under `bundled_id` (`None`: new
    /// rows are written as text).
    pub fn new(bundled_id: Option<i64>, load: LoadDictionary) -> Result<Self> {
        let current = match bundled_id {
            Some(id) => Some((
                id,
                CDict::try_create(BUNDLED, LEVEL).ok_or_else(|| dictionary_error(id))?,
            )),
            None => None,
        };
        Ok(Codec {
            current,
            decoders: RwLock::new(HashMap::new()),
            load,
        })
    }

    /// The compact form of two canonical texts, when it is smaller than the texts.
    pub fn compress(&self, input: &str, output: &str) -> Option<Compact> {
        let (dictionary, cdict) = self.current.as_ref()?;
        let (input_z, output_z) = CCTX.with(|cell| {
            let mut cell = cell.borrow_mut();
            if cell.is_none() {
                *cell = CCtx::try_create();
            }
            let cctx = cell.as_mut()?;
            let mut frame = |text: &str| {
                let mut out = Vec::with_capacity(zstd_safe::compress_bound(text.len()));
                cctx.compress_using_cdict(&mut out, text.as_bytes(), cdict)
                    .ok()
                    .map(|_| out)
            };
            Some((frame(input)?, frame(output)?))
        })?;
        (input_z.len() + output_z.len() < input.len() + output.len()).then_some(Compact {
            dictionary: *dictionary,
            input_z,
            output_z,
        })
    }

    /// The text of one frame compressed with dictionary `id`; what is wrong otherwise.
    pub fn decompress(&self, id: i64, frame: &[u8]) -> std::result::Result<String, String> {
        let ddict = self.decoder(id).map_err(|e| e.to_string())?;
        let size = match zstd_safe::get_frame_content_size(frame) {
            Ok(Some(size)) if size <= MAX_TEXT => size as usize,
            Ok(Some(size)) => return Err(format!("the frame claims {size} bytes of text")),
            Ok(None) => return Err("the frame does not state its content size".into()),
            Err(_) => return Err("not a zstd frame".into()),
        };
        let mut text = Vec::with_capacity(size);
        DCTX.with(|cell| {
            let mut cell = cell.borrow_mut();
            if cell.is_none() {
                *cell = DCtx::try_create();
            }
            let dctx = cell
                .as_mut()
                .ok_or_else(|| "no memory for a zstd context".to_string())?;
            dctx.decompress_using_ddict(&mut text, frame, &ddict)
                .map_err(|code| format!("zstd: {}", zstd_safe::get_error_name(code)))
        })?;
        if text.len() != size {
            return Err(format!(
                "the frame holds {} bytes but its header says {size}",
                text.len()
            ));
        }
        String::from_utf8(text).map_err(|_| "the text is not UTF-8".to_string())
    }

    fn decoder(&self, id: i64) -> Result<Arc<DDict<'static>>> {
        if let Some(d) = self.decoders.read().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(d);
        }
        let bytes = (self.load)(id)?.ok_or_else(|| Error::Corrupt {
            id: 0,
            problem: format!("dictionary {id} is not in the dictionaries table"),
        })?;
        let ddict = Arc::new(DDict::try_create(&bytes).ok_or_else(|| dictionary_error(id))?);
        if let Ok(mut map) = self.decoders.write() {
            map.insert(id, ddict.clone());
        }
        Ok(ddict)
    }
}

fn dictionary_error(id: i64) -> Error {
    Error::Corrupt {
        id: 0,
        problem: format!("dictionary {id} cannot be loaded by zstd"),
    }
}

/// SHA-256 (lowercase hex) of the bundled dictionary: its key in `dictionaries`.
pub(crate) fn bundled_sha256() -> String {
    sha256_hex(BUNDLED)
}

/// The problem with a stored dictionary, if its bytes are not the ones its SHA-256 names.
pub(crate) fn dictionary_problem(id: i64, sha256: &str, bytes: &[u8]) -> Option<String> {
    let actual = sha256_hex(bytes);
    (actual != sha256).then(|| {
        format!(
            "dictionary {id} was changed: its bytes have SHA-256 {actual}, the table says {sha256}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec() -> Codec {
        Codec::new(
            Some(1),
            Box::new(|id| Ok((id == 1).then(|| BUNDLED.to_vec()))),
        )
        .expect("codec")
    }

    const INPUT: &str = r#"{"date":"2024-03-01","destination":"DE","end_user":{"kind":"non_government","name":"Example GmbH"},"item":{"eccn":"4D004"}}"#;
    const OUTPUT: &str = r#"{"outcome":"ACE","trace":[{"because":"the transaction does not state that the item is published","check":"the item is published software or technology (not subject to the EAR)","citation":"15 CFR 734.3(b)(3); 15 CFR 734.7","confidence":"summary","held":false,"step":"subject_to_ear"}]}"#;

    #[test]
    fn texts_come_back_byte_for_byte_and_smaller() {
        let (input, output) = (INPUT, OUTPUT);
        let c = codec();
        let compact = c.compress(input, output).expect("compressed");
        assert_eq!(compact.dictionary, 1);
        assert!(compact.input_z.len() + compact.output_z.len() < (input.len() + output.len()) / 2);
        assert_eq!(c.decompress(1, &compact.input_z).as_deref(), Ok(input));
        assert_eq!(c.decompress(1, &compact.output_z).as_deref(), Ok(output));
    }

    #[test]
    fn damaged_frames_and_unknown_dictionaries_are_named() {
        let c = codec();
        let compact = c.compress(INPUT, OUTPUT).expect("compressed");
        let cut = &compact.output_z[..compact.output_z.len() - 2];
        assert!(c.decompress(1, cut).is_err());
        assert_eq!(c.decompress(1, b"{}"), Err("not a zstd frame".to_string()));
        let unknown = c
            .decompress(2, &compact.output_z)
            .expect_err("no dictionary 2");
        assert!(unknown.contains("dictionary 2"), "{unknown}");
    }

    #[test]
    fn texts_that_do_not_shrink_stay_text() {
        assert!(codec().compress("{}", r#"{"a":1}"#).is_none());
    }

    #[test]
    fn a_changed_dictionary_is_named() {
        let sha = bundled_sha256();
        assert_eq!(dictionary_problem(1, &sha, BUNDLED), None);
        let mut changed = BUNDLED.to_vec();
        changed[100] ^= 1;
        assert!(dictionary_problem(1, &sha, &changed).is_some());
    }
}
