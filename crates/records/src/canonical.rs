//! The canonical serialization that record hashes are computed over (specified in the crate docs).

use std::fmt::Write;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::types::Record;

/// `prev_hash` of record 1.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Canonical JSON text of a value: object keys sorted by their UTF-8 bytes, recursively, no whitespace.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            // serde_json's map is usually a BTreeMap, already in byte order; another build
            // of it (preserve_order) keeps insertion order, which must be sorted.
            if map.keys().is_sorted_by(|a, b| a.as_bytes() <= b.as_bytes()) {
                write_object(map.iter(), out);
            } else {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                write_object(entries.into_iter(), out);
            }
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::String(s) => write_string(s, out),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
        // serde_json's own number text (shortest round-trip form), as hashed since v1.
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
    }
}

fn write_object<'v>(entries: impl Iterator<Item = (&'v String, &'v Value)>, out: &mut String) {
    out.push('{');
    for (i, (key, item)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(key, out);
        out.push(':');
        write_value(item, out);
    }
    out.push('}');
}

/// JSON string literal: `"` and `\` escaped, control characters as `\b \f \n \r \t` or `\u00xx`,
/// everything else as raw UTF-8 (serde_json's escaping, byte for byte).
pub(crate) fn write_string(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut plain_from = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time past plain text (most of a record's text is plain).
        if !any_escaped(word_at(bytes, i)) {
            i += 8;
            continue;
        }
        let end = (i + 8).min(bytes.len());
        for (at, &byte) in bytes.iter().enumerate().take(end).skip(i) {
            let Some(escape) = escape_of(byte) else {
                continue;
            };
            // Only ASCII bytes are escaped, so `at` is always a char boundary.
            out.push_str(&s[plain_from..at]);
            if escape.is_empty() {
                let _ = write!(out, "\\u{byte:04x}");
            } else {
                out.push_str(escape);
            }
            plain_from = at + 1;
        }
        i = end;
    }
    out.push_str(&s[plain_from..]);
    out.push('"');
}

/// The eight bytes of `bytes` from `i`; past its end, spaces (never escaped): most strings
/// of a record are short, and their last bytes are then tested at once too.
fn word_at(bytes: &[u8], i: usize) -> u64 {
    let rest = &bytes[i..];
    match rest.first_chunk::<8>() {
        Some(word) => u64::from_le_bytes(*word),
        None => {
            let mut padded = [b' '; 8];
            padded[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(padded)
        }
    }
}

/// How JSON writes `byte` inside a string: `None` as itself, `Some("")` as `\u00xx`.
fn escape_of(byte: u8) -> Option<&'static str> {
    Some(match byte {
        b'"' => "\\\"",
        b'\\' => "\\\\",
        b'\n' => "\\n",
        b'\r' => "\\r",
        b'\t' => "\\t",
        0x08 => "\\b",
        0x0c => "\\f",
        0x00..=0x1f => "",
        _ => return None,
    })
}

/// Whether any of the eight bytes of `word` is escaped in a JSON string: a control
/// character (below 0x20), `"` or `\`. Bytes of multi-byte UTF-8 characters (0x80 and up)
/// never count.
fn any_escaped(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    // Some byte below n (n <= 0x80): the classic "has less" test, exact as to whether any
    // byte is, for every byte value.
    let has_below = |w: u64, n: u64| w.wrapping_sub(ONES * n) & !w & HIGH_BITS;
    let has_byte = |b: u8| has_below(word ^ (ONES * u64::from(b)), 1);
    (has_below(word, 0x20) | has_byte(b'"') | has_byte(b'\\')) != 0
}

/// The fields of a record that the hash covers, with input and output already in canonical text.
pub(crate) struct HashedFields<'a> {
    pub id: i64,
    pub kind: &'a str,
    pub created_at: &'a str,
    pub actor: &'a str,
    pub input: &'a str,
    pub output: &'a str,
    pub ruleset: Option<&'a str>,
    pub list_snapshot: Option<&'a str>,
    pub ace_version: &'a str,
    pub transaction_id: Option<&'a str>,
    pub prev_hash: &'a str,
}

impl HashedFields<'_> {
    /// The canonical serialization: every field but `hash`, keys in sorted order.
    pub fn canonical(&self) -> String {
        let mut out = String::with_capacity(self.input.len() + self.output.len() + 400);
        self.write(|piece| out.push_str(piece));
        out
    }

    /// SHA-256, lowercase hex, of [`Self::canonical`] — fed piece by piece, so the long
    /// input and output texts are hashed where they are, never copied.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        self.write(|piece| hasher.update(piece.as_bytes()));
        hex::encode(hasher.finalize())
    }

    /// Hands [`Self::canonical`] to `emit` in pieces, in order.
    fn write(&self, mut emit: impl FnMut(&str)) {
        let mut out = String::with_capacity(400);
        out.push('{');
        push_field(&mut out, "ace_version", &text(self.ace_version), true);
        push_field(&mut out, "actor", &text(self.actor), false);
        push_field(&mut out, "created_at", &text(self.created_at), false);
        push_field(&mut out, "id", &self.id.to_string(), false);
        push_field(&mut out, "input", "", false);
        emit(&out);
        emit(self.input);
        out.clear();
        push_field(&mut out, "kind", &text(self.kind), false);
        push_field(
            &mut out,
            "list_snapshot",
            &optional(self.list_snapshot),
            false,
        );
        push_field(&mut out, "output", "", false);
        emit(&out);
        emit(self.output);
        out.clear();
        push_field(&mut out, "prev_hash", &text(self.prev_hash), false);
        push_field(&mut out, "ruleset", &optional(self.ruleset), false);
        push_field(
            &mut out,
            "transaction_id",
            &optional(self.transaction_id),
            false,
        );
        out.push('}');
        emit(&out);
    }
}

fn push_field(out: &mut String, key: &str, json: &str, first: bool) {
    if !first {
        out.push(',');
    }
    write_string(key, out);
    out.push(':');
    out.push_str(json);
}

fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_string(s, &mut out);
    out
}

fn optional(s: Option<&str>) -> String {
    s.map_or_else(|| "null".to_string(), text)
}

/// Lowercase hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The canonical serialization of a record: what [`record_hash`] hashes.
pub fn canonical_record(r: &Record) -> String {
    let input = canonical_json(&r.input);
    let output = canonical_json(&r.output);
    fields_of(r, &input, &output).canonical()
}

/// The hash a record must carry: SHA-256 (lowercase hex) of its canonical serialization.
pub fn record_hash(r: &Record) -> String {
    sha256_hex(canonical_record(r).as_bytes())
}

pub(crate) fn fields_of<'a>(r: &'a Record, input: &'a str, output: &'a str) -> HashedFields<'a> {
    HashedFields {
        id: r.id,
        kind: r.kind.as_str(),
        created_at: &r.created_at,
        actor: &r.actor,
        input,
        output,
        ruleset: r.ruleset.as_deref(),
        list_snapshot: r.list_snapshot.as_deref(),
        ace_version: &r.ace_version,
        transaction_id: r.transaction_id.as_deref(),
        prev_hash: &r.prev_hash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::RecordKind;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_recursively_without_whitespace() {
        let v = json!({"b": 1, "a": {"z": [3, {"y": true, "x": null}], "é": "\n\"q\""}, "A": 1.5});
        assert_eq!(
            canonical_json(&v),
            r#"{"A":1.5,"a":{"z":[3,{"x":null,"y":true}],"é":"\n\"q\""},"b":1}"#
        );
    }

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_escapes_them() {
        let mut samples: Vec<String> = (0u32..0x80)
            .filter_map(char::from_u32)
            .map(|c| format!("a{c}b"))
            .collect();
        samples.extend(
            [
                "",
                "\u{7f}",
                "é\"\\\u{1}x",
                "مرحبا\n",
                "\u{2028}\u{2029}",
                "😀\t",
            ]
            .map(String::from),
        );
        for s in samples {
            let mut ours = String::new();
            write_string(&s, &mut ours);
            assert_eq!(ours, Value::from(s.as_str()).to_string(), "escaping {s:?}");
        }
    }

    #[test]
    fn an_escaped_byte_is_found_at_every_place_of_a_word() {
        // The eight-byte skip must not step over an escaped byte, wherever it falls.
        for at in 0..24 {
            for special in ['"', '\\', '\n', '\u{1}', '\u{1f}'] {
                let mut s: String = "abcdéfghijklmnopqrstuvwxyz".chars().take(24).collect();
                s.insert(
                    s.char_indices().nth(at).map_or(s.len(), |(i, _)| i),
                    special,
                );
                let mut ours = String::new();
                write_string(&s, &mut ours);
                assert_eq!(ours, Value::from(s.as_str()).to_string(), "escaping {s:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_escaped_as_serde_json_escapes_it(
            s in "(\\PC|[\\x00-\\x1f\"\\\\\u{7f}\u{80}-\u{ff}\u{2028}])*",
        ) {
            let mut ours = String::new();
            write_string(&s, &mut ours);
            proptest::prop_assert_eq!(ours, Value::from(s.as_str()).to_string());
        }
    }

    #[test]
    fn numbers_keep_serde_json_text() {
        let v = json!([0, -1, 1.5, 1e300, 0.1, u64::MAX, i64::MIN, 2.5e-8]);
        assert_eq!(canonical_json(&v), v.to_string());
    }

    #[test]
    fn record_serialization_equals_sorted_json_of_the_record_without_hash() {
        let r = Record {
            id: 7,
            kind: RecordKind::Screening,
            created_at: "2024-05-29T12:00:00.000001Z".into(),
            actor: "alice".into(),
            input: json!({"q": [1, 2.25]}),
            output: json!({"hits": []}),
            ruleset: None,
            list_snapshot: Some("ab".into()),
            ace_version: "0.1.0".into(),
            transaction_id: Some("t1".into()),
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        };
        let mut as_value = serde_json::to_value(&r).unwrap_or_default();
        if let Value::Object(map) = &mut as_value {
            map.remove("hash");
        }
        assert_eq!(canonical_record(&r), canonical_json(&as_value));
        // The hash, fed in pieces, is the hash of that text.
        let (input, output) = (canonical_json(&r.input), canonical_json(&r.output));
        assert_eq!(
            fields_of(&r, &input, &output).hash(),
            sha256_hex(canonical_json(&as_value).as_bytes())
        );
    }
}
