//! Canonical JSON written straight from a `Serialize` value, without building a
//! `serde_json::Value` first: the same text as `canonical_json(&serde_json::to_value(v)?)`,
//! byte for byte (tested against it), for a fraction of the allocations — records are made
//! for every determination.
//!
//! Object entries are written as they come and put in key-byte order when the object ends,
//! if they came otherwise; a key given twice keeps its last value, as `serde_json::Map` does. What this serializer does
//! not handle the way `to_value` does (an `f32`, a non-string map key other than an integer,
//! serde_json's raw values) makes it give up, and [`canonical_json_of`] takes the `Value`
//! path instead.

use std::borrow::Cow;
use std::ops::Range;

use serde::ser::{self, Impossible, Serialize};

use crate::canonical::{canonical_json, write_string};

/// Canonical JSON text of any serializable value (see the module doc).
pub fn canonical_json_of<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut sink = Sink::take();
    let written = value.serialize(Writer { sink: &mut sink });
    let text = std::mem::take(&mut sink.out);
    sink.give_back();
    match written {
        Ok(()) => Ok(text),
        Err(GiveUp) => Ok(canonical_json(&serde_json::to_value(value)?)),
    }
}

/// What one serialization writes to: the text, and the buffers its objects share — a
/// record's output has a hundred objects or so, and giving each its own entry list (and
/// each reordered one its own copy of its text) cost more than writing them.
#[derive(Default)]
struct Sink {
    out: String,
    /// The entries of the objects being written, innermost last: an object's own entries
    /// are those above the length the stack had when it began (an inner object's are gone
    /// by the time the outer one adds the entry holding it).
    entries: Vec<Entry>,
    /// An out-of-order object's text while its entries are put back in key order.
    reorder: String,
}

thread_local! {
    /// The entry stack and reorder buffer of this thread's last serialization, kept for
    /// the next one (emptied, their capacity kept).
    static SPARE: std::cell::Cell<Option<(Vec<Entry>, String)>> =
        const { std::cell::Cell::new(None) };
}

impl Sink {
    /// An empty sink, with the buffers of this thread's last serialization if any.
    fn take() -> Sink {
        let (entries, reorder) = SPARE.take().unwrap_or_default();
        Sink {
            out: String::new(),
            entries,
            reorder,
        }
    }

    /// Keeps the buffers for this thread's next serialization.
    fn give_back(mut self) {
        self.entries.clear();
        self.reorder.clear();
        SPARE.set(Some((self.entries, self.reorder)));
    }
}

/// Anything this serializer leaves to the `Value` path.
#[derive(Debug)]
struct GiveUp;

impl std::fmt::Display for GiveUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not written directly")
    }
}

impl std::error::Error for GiveUp {}

impl ser::Error for GiveUp {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        GiveUp
    }
}

type Done = Result<(), GiveUp>;

/// Writes one value's canonical text at the end of the sink's text.
struct Writer<'o> {
    sink: &'o mut Sink,
}

fn number(out: &mut String, n: serde_json::Number) -> Done {
    use std::fmt::Write;
    write!(out, "{n}").map_err(|_| GiveUp)
}

impl<'o> ser::Serializer for Writer<'o> {
    type Ok = ();
    type Error = GiveUp;
    type SerializeSeq = Array<'o>;
    type SerializeTuple = Array<'o>;
    type SerializeTupleStruct = Array<'o>;
    type SerializeTupleVariant = Impossible<(), GiveUp>;
    type SerializeMap = Object<'o>;
    type SerializeStruct = Object<'o>;
    type SerializeStructVariant = Impossible<(), GiveUp>;

    fn serialize_bool(self, v: bool) -> Done {
        self.sink.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Done {
        number(&mut self.sink.out, v.into())
    }
    fn serialize_i16(self, v: i16) -> Done {
        number(&mut self.sink.out, v.into())
    }
    fn serialize_i32(self, v: i32) -> Done {
        number(&mut self.sink.out, v.into())
    }
    fn serialize_i64(self, v: i64) -> Done {
        number(&mut self.sink.out, v.into())
    }
    fn serialize_u8(self, v: u8) -> Done {
        number(&mut self.sink.out, v.into())
    }
    fn serialize_u16(self, v: u16) -> Done {
        number(&mut self.sink.out, v.into())
    }
    fn serialize_u32(self, v: u32) -> Done {
        number(&mut self.sink.out, v.into())
    }
    fn serialize_u64(self, v: u64) -> Done {
        number(&mut self.sink.out, v.into())
    }
    fn serialize_f32(self, _: f32) -> Done {
        Err(GiveUp)
    }
    fn serialize_f64(self, v: f64) -> Done {
        match serde_json::Number::from_f64(v) {
            Some(n) => number(&mut self.sink.out, n),
            // `to_value` makes a NaN or an infinity `null`.
            None => self.serialize_unit(),
        }
    }
    fn serialize_char(self, v: char) -> Done {
        write_string(v.encode_utf8(&mut [0; 4]), &mut self.sink.out);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Done {
        write_string(v, &mut self.sink.out);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Done {
        let mut array = self.serialize_seq(Some(v.len()))?;
        for b in v {
            ser::SerializeSeq::serialize_element(&mut array, b)?;
        }
        ser::SerializeSeq::end(array)
    }
    fn serialize_none(self) -> Done {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Done {
        self.sink.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Done {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Done {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Done {
        let mut object = self.serialize_map(Some(1))?;
        object.entry(Cow::Borrowed(variant), value)?;
        object.close()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Array<'o>, GiveUp> {
        self.sink.out.push('[');
        Ok(Array {
            sink: self.sink,
            first: true,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Array<'o>, GiveUp> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Array<'o>, GiveUp> {
        self.serialize_seq(Some(len))
    }
    /// Left to the `Value` path (no record holds one today).
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Impossible<(), GiveUp>, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Object<'o>, GiveUp> {
        self.sink.out.push('{');
        Ok(Object {
            start: self.sink.out.len(),
            first_entry: self.sink.entries.len(),
            sink: self.sink,
            in_order: true,
            key: None,
        })
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Object<'o>, GiveUp> {
        // serde_json's raw values and arbitrary-precision numbers are structs by magic name.
        if name.starts_with("$serde_json") {
            return Err(GiveUp);
        }
        self.serialize_map(Some(len))
    }
    /// Left to the `Value` path (no record holds one today).
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Impossible<(), GiveUp>, GiveUp> {
        Err(GiveUp)
    }
}

/// An array being written.
struct Array<'o> {
    sink: &'o mut Sink,
    first: bool,
}

impl Array<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        if !self.first {
            self.sink.out.push(',');
        }
        self.first = false;
        value.serialize(Writer { sink: self.sink })
    }
    fn close(self) -> Done {
        self.sink.out.push(']');
        Ok(())
    }
}

impl ser::SerializeSeq for Array<'_> {
    type Ok = ();
    type Error = GiveUp;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(self) -> Done {
        self.close()
    }
}

impl ser::SerializeTuple for Array<'_> {
    type Ok = ();
    type Error = GiveUp;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(self) -> Done {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Array<'_> {
    type Ok = ();
    type Error = GiveUp;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(self) -> Done {
        self.close()
    }
}

/// An object being written. Each entry goes straight to the text as `"key":value`, its key
/// and place noted on the sink's entry stack; most objects (every struct whose fields are
/// declared in key order) are then done when they end. Entries that came out of key order,
/// or a key given twice, are put in order when the object ends, from a copy of its text.
struct Object<'o> {
    sink: &'o mut Sink,
    /// Where the first entry starts in the text (just after the `{`).
    start: usize,
    /// Where this object's entries start on the sink's entry stack.
    first_entry: usize,
    in_order: bool,
    /// The key of `serialize_key`, until its value comes.
    key: Option<String>,
}

/// An entry written: its key, and where its `"key":value` text is.
struct Entry {
    key: Cow<'static, str>,
    text: Range<usize>,
}

impl Object<'_> {
    fn entry<T: Serialize + ?Sized>(&mut self, key: Cow<'static, str>, value: &T) -> Done {
        let own = &self.sink.entries[self.first_entry..];
        if let Some(last) = own.last() {
            // An equal key is out of order too: the later value must replace the earlier.
            if key.as_bytes() <= last.key.as_bytes() {
                self.in_order = false;
            }
            self.sink.out.push(',');
        }
        let from = self.sink.out.len();
        write_string(&key, &mut self.sink.out);
        self.sink.out.push(':');
        value.serialize(Writer { sink: self.sink })?;
        let text = from..self.sink.out.len();
        self.sink.entries.push(Entry { key, text });
        Ok(())
    }

    fn close(self) -> Done {
        let Object {
            sink,
            start,
            first_entry,
            in_order,
            ..
        } = self;
        let Sink {
            out,
            entries,
            reorder,
        } = sink;
        if !in_order {
            reorder.clear();
            reorder.push_str(&out[start..]);
            out.truncate(start);
            let own = &mut entries[first_entry..];
            // Stable: of two equal keys the later stays later, and is the one kept.
            own.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
            let mut first = true;
            for (i, entry) in own.iter().enumerate() {
                if own.get(i + 1).is_some_and(|next| next.key == entry.key) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&reorder[entry.text.start - start..entry.text.end - start]);
            }
        }
        entries.truncate(first_entry);
        out.push('}');
        Ok(())
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = GiveUp;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Done {
        self.key = Some(key.serialize(KeyWriter)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        let key = self.key.take().ok_or(GiveUp)?;
        self.entry(Cow::Owned(key), value)
    }
    fn end(self) -> Done {
        self.close()
    }
}

impl ser::SerializeStruct for Object<'_> {
    type Ok = ();
    type Error = GiveUp;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Done {
        self.entry(Cow::Borrowed(key), value)
    }
    fn end(self) -> Done {
        self.close()
    }
}

/// A map key as `serde_json` writes one: a string as it is, an integer or a char as its
/// text; anything else is left to the `Value` path.
struct KeyWriter;

fn key_text(v: impl ToString) -> Result<String, GiveUp> {
    Ok(v.to_string())
}

impl ser::Serializer for KeyWriter {
    type Ok = String;
    type Error = GiveUp;
    type SerializeSeq = Impossible<String, GiveUp>;
    type SerializeTuple = Impossible<String, GiveUp>;
    type SerializeTupleStruct = Impossible<String, GiveUp>;
    type SerializeTupleVariant = Impossible<String, GiveUp>;
    type SerializeMap = Impossible<String, GiveUp>;
    type SerializeStruct = Impossible<String, GiveUp>;
    type SerializeStructVariant = Impossible<String, GiveUp>;

    fn serialize_str(self, v: &str) -> Result<String, GiveUp> {
        key_text(v)
    }
    fn serialize_char(self, v: char) -> Result<String, GiveUp> {
        key_text(v)
    }
    fn serialize_i8(self, v: i8) -> Result<String, GiveUp> {
        key_text(v)
    }
    fn serialize_i16(self, v: i16) -> Result<String, GiveUp> {
        key_text(v)
    }
    fn serialize_i32(self, v: i32) -> Result<String, GiveUp> {
        key_text(v)
    }
    fn serialize_i64(self, v: i64) -> Result<String, GiveUp> {
        key_text(v)
    }
    fn serialize_u8(self, v: u8) -> Result<String, GiveUp> {
        key_text(v)
    }
    fn serialize_u16(self, v: u16) -> Result<String, GiveUp> {
        key_text(v)
    }
    fn serialize_u32(self, v: u32) -> Result<String, GiveUp> {
        key_text(v)
    }
    fn serialize_u64(self, v: u64) -> Result<String, GiveUp> {
        key_text(v)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, GiveUp> {
        key_text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, GiveUp> {
        value.serialize(self)
    }
    fn serialize_bool(self, _: bool) -> Result<String, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_f32(self, _: f32) -> Result<String, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_f64(self, _: f64) -> Result<String, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_none(self) -> Result<String, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_unit(self) -> Result<String, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, GiveUp> {
        Err(GiveUp)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, GiveUp> {
        Err(GiveUp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;
    use std::collections::{BTreeMap, HashMap};

    /// The direct text equals the `Value` path's, and does not give up.
    fn same<T: Serialize>(value: &T) {
        let mut sink = Sink::default();
        value
            .serialize(Writer { sink: &mut sink })
            .expect("written directly");
        let direct = sink.out;
        let via_value = canonical_json(&serde_json::to_value(value).expect("to_value"));
        assert_eq!(direct, via_value);
        assert_eq!(canonical_json_of(value).expect("canonical"), via_value);
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Outcome {
        Ace,
        LicenseRequired,
    }

    #[derive(Serialize)]
    struct Inner {
        z: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u32>,
        a: Vec<f64>,
        tag: Outcome,
        wrapped: Wrapper,
        one: Newtype,
    }

    #[derive(Serialize)]
    struct Wrapper(String);

    #[derive(Serialize)]
    enum Newtype {
        Carried(i64),
    }

    #[derive(Serialize)]
    struct Outer<'a> {
        why: &'a str,
        #[serde(flatten)]
        inner: Inner,
        by_country: HashMap<String, u8>,
        by_id: BTreeMap<u64, bool>,
        unit: (),
        pair: (char, i8),
        #[serde(rename = "Ünïcode \"key\"")]
        odd: &'a str,
        bytes: &'a [u8],
        nothing: Option<String>,
    }

    #[test]
    fn structs_enums_maps_and_flattening_write_as_the_value_path_does() {
        let mut by_country = HashMap::new();
        by_country.insert("DE".to_string(), 1);
        by_country.insert("CN".to_string(), 2);
        by_country.insert("aa".to_string(), 3);
        let outer = Outer {
            why: "line\nbreak \u{1} \"quoted\" ✓",
            inner: Inner {
                z: None,
                skipped: None,
                a: vec![0.1, 1e300, -0.0, 3.0, f64::NAN, 2.5e-8],
                tag: Outcome::LicenseRequired,
                wrapped: Wrapper("w".into()),
                one: Newtype::Carried(-7),
            },
            by_country,
            by_id: [(10, true), (9, false)].into_iter().collect(),
            unit: (),
            pair: ('é', -128),
            odd: "x",
            bytes: &[0, 255],
            nothing: None,
        };
        same(&outer);
        same(&Outcome::Ace);
        same(&vec![Some(1u64), None, Some(u64::MAX)]);
        same(&i64::MIN);
    }

    #[test]
    fn json_documents_write_as_they_are_canonicalised() {
        same(&json!({
            "b": [1, 2.5, {"y": null, "x": "é"}],
            "a": {"nested": {"k2": true, "k1": false}},
            "": "empty key",
            "B": -1
        }));
    }

    #[test]
    fn a_key_given_twice_keeps_its_last_value() {
        #[derive(Serialize)]
        struct Twice {
            k: u8,
            #[serde(flatten)]
            more: BTreeMap<String, u8>,
        }
        let more = [("k".to_string(), 2), ("j".to_string(), 1)]
            .into_iter()
            .collect();
        same(&Twice { k: 1, more });
    }

    /// A JSON tree whose objects give their entries in any order, a key possibly twice.
    #[derive(Debug, Clone)]
    enum Tree {
        Number(i64),
        Text(String),
        Array(Vec<Tree>),
        Object(Vec<(String, Tree)>),
    }

    impl Serialize for Tree {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{SerializeMap, SerializeSeq};
            match self {
                Tree::Number(n) => s.serialize_i64(*n),
                Tree::Text(t) => s.serialize_str(t),
                Tree::Array(items) => {
                    let mut seq = s.serialize_seq(Some(items.len()))?;
                    for item in items {
                        seq.serialize_element(item)?;
                    }
                    seq.end()
                }
                Tree::Object(entries) => {
                    let mut map = s.serialize_map(Some(entries.len()))?;
                    for (k, v) in entries {
                        map.serialize_entry(k, v)?;
                    }
                    map.end()
                }
            }
        }
    }

    fn tree() -> impl proptest::strategy::Strategy<Value = Tree> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            any::<i64>().prop_map(Tree::Number),
            proptest::collection::vec(
                prop_oneof![
                    Just('a'),
                    Just('b'),
                    Just('"'),
                    Just('\\'),
                    Just('é'),
                    Just('\u{1}')
                ],
                0..3
            )
            .prop_map(|chars| Tree::Text(chars.into_iter().collect())),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Tree::Array),
                proptest::collection::vec(("[a-d]{0,2}", inner), 0..6).prop_map(Tree::Object),
            ]
        })
    }

    proptest::proptest! {
        /// Entries in any order, repeated keys, nesting: the text is the `Value` path's.
        #[test]
        fn any_tree_writes_as_the_value_path_does(t in tree()) {
            same(&t);
        }
    }

    #[test]
    fn what_is_not_written_directly_takes_the_value_path() {
        #[derive(Serialize)]
        enum Shape {
            Point { x: i32 },
            Pair(i32, i32),
        }
        for value in [
            canonical_json_of(&Shape::Point { x: 1 }),
            canonical_json_of(&Shape::Pair(1, 2)),
        ] {
            assert!(value.is_ok());
        }
        assert_eq!(
            canonical_json_of(&Shape::Point { x: 1 }).expect("canonical"),
            r#"{"Point":{"x":1}}"#
        );
        assert_eq!(canonical_json_of(&1.5f32).expect("canonical"), "1.5");
        let bool_keys: BTreeMap<bool, u8> = [(true, 1)].into_iter().collect();
        assert_eq!(
            canonical_json_of(&bool_keys).ok(),
            serde_json::to_value(&bool_keys)
                .ok()
                .map(|v| canonical_json(&v))
        );
    }
}
