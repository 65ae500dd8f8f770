//! A small reader for delimiter-separated records with `"` quoting (CSV, the DPL's
//! tab-separated text), which keeps the physical line each record starts on.

/// One record: its fields, raw bytes, and the 1-based line where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRecord {
    pub line: usize,
    pub fields: Vec<Vec<u8>>,
}

/// A final record whose quoted field never closes (the file was cut short).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unterminated {
    /// Line where the broken record starts.
    pub line: usize,
    /// 0-based index of the field that is left open.
    pub field: usize,
}

/// All complete records, plus the unterminated tail record if there is one.
#[derive(Debug, Default)]
pub(crate) struct Split {
    pub records: Vec<RawRecord>,
    pub unterminated: Option<Unterminated>,
}

/// DOS end-of-file marker (Ctrl-Z) that OFAC files end with.
const CTRL_Z: u8 = 0x1A;

/// Splits `bytes` into records. Blank lines and a lone Ctrl-Z line are skipped; `\r\n`
/// and `\n` both end a record; `""` inside quotes is a literal quote.
pub(crate) fn split(bytes: &[u8], delimiter: u8) -> Split {
    let mut reader = Reader {
        bytes,
        pos: 0,
        line: 1,
        delimiter,
    };
    let mut out = Split::default();
    while reader.pos < bytes.len() {
        match reader.record() {
            Ok(Some(record)) => out.records.push(record),
            Ok(None) => {}
            Err(open) => {
                out.unterminated = Some(open);
                break;
            }
        }
    }
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    delimiter: u8,
}

impl Reader<'_> {
    /// Reads one record; `Ok(None)` for a blank or Ctrl-Z line.
    fn record(&mut self) -> Result<Option<RawRecord>, Unterminated> {
        let start_line = self.line;
        let mut fields = Vec::new();
        loop {
            let field = self.field().map_err(|()| Unterminated {
                line: start_line,
                field: fields.len(),
            })?;
            fields.push(field);
            match self.bytes.get(self.pos) {
                Some(&b) if b == self.delimiter => self.pos += 1,
                _ => break,
            }
        }
        self.end_of_line();
        let blank = fields.len() == 1 && is_blank(&fields[0]);
        Ok((!blank).then_some(RawRecord {
            line: start_line,
            fields,
        }))
    }

    /// Reads one field up to (not including) the delimiter or line end.
    /// `Err(())` when a quoted field runs to the end of the input.
    fn field(&mut self) -> Result<Vec<u8>, ()> {
        let mut value = Vec::new();
        let starts_quoted = self.bytes.get(self.pos) == Some(&b'"');
        if starts_quoted {
            self.pos += 1;
            self.quoted_part(&mut value)?;
        }
        while let Some(&b) = self.bytes.get(self.pos) {
            if b == self.delimiter || b == b'\n' || self.at_crlf() {
                break;
            }
            value.push(b);
            self.pos += 1;
        }
        Ok(value)
    }

    /// Reads the inside of a quoted field, consuming the closing quote.
    fn quoted_part(&mut self, value: &mut Vec<u8>) -> Result<(), ()> {
        loop {
            let b = *self.bytes.get(self.pos).ok_or(())?;
            self.pos += 1;
            match b {
                b'"' if self.bytes.get(self.pos) == Some(&b'"') => {
                    value.push(b'"');
                    self.pos += 1;
                }
                b'"' => return Ok(()),
                b'\n' => {
                    self.line += 1;
                    value.push(b);
                }
                _ => value.push(b),
            }
        }
    }

    fn at_crlf(&self) -> bool {
        self.bytes.get(self.pos) == Some(&b'\r') && self.bytes.get(self.pos + 1) == Some(&b'\n')
    }

    /// Consumes the record's line ending, if any.
    fn end_of_line(&mut self) {
        if self.at_crlf() {
            self.pos += 2;
            self.line += 1;
        } else if self.bytes.get(self.pos) == Some(&b'\n') {
            self.pos += 1;
            self.line += 1;
        } else if self.pos < self.bytes.len() {
            // A stray byte we stopped on (cannot happen with the loop above); step over it.
            self.pos += 1;
        }
    }
}

/// A field that makes a line count as empty: nothing, whitespace or a Ctrl-Z.
fn is_blank(field: &[u8]) -> bool {
    field
        .iter()
        .all(|&b| b == CTRL_Z || b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(r: &RawRecord) -> Vec<String> {
        r.fields
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect()
    }

    #[test]
    fn quoted_unquoted_crlf_and_ctrl_z() {
        let s = split(
            b"1,\"a, b\",-0- \r\n2,\"x\"\"y\",\"multi\nline\"\r\n\x1a",
            b',',
        );
        assert_eq!(s.records.len(), 2);
        assert_eq!(texts(&s.records[0]), ["1", "a, b", "-0- "]);
        assert_eq!(texts(&s.records[1]), ["2", "x\"y", "multi\nline"]);
        assert_eq!(s.records[1].line, 2);
        assert!(s.unterminated.is_none());
    }

    #[test]
    fn line_numbers_follow_embedded_newlines() {
        let s = split(b"a\n\"b\nc\"\nd\n", b',');
        let lines: Vec<usize> = s.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 2, 4]);
    }

    #[test]
    fn unterminated_tail_is_reported() {
        let s = split(b"a,b\nc,\"d\n", b',');
        assert_eq!(s.records.len(), 1);
        assert_eq!(s.unterminated, Some(Unterminated { line: 2, field: 1 }));
    }

    #[test]
    fn tabs() {
        let s = split(b"\"a\"\t\"b\"\n", b'\t');
        assert_eq!(texts(&s.records[0]), ["a", "b"]);
    }
}
