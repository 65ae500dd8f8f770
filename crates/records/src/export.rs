//! Writing records out as JSON lines or CSV.

use std::io::Write;

use crate::error::Result;
use crate::row::Row;
use crate::types::Format;

/// CSV header; input and output come last because they are long.
const CSV_HEADER: &str =
    "id,kind,created_at,actor,ruleset,list_snapshot,ace_version,transaction_id,prev_hash,hash,input,output";

/// Writes what goes before the first record.
pub(crate) fn start(format: Format, out: &mut dyn Write) -> Result<()> {
    if format == Format::Csv {
        writeln!(out, "{CSV_HEADER}")?;
    }
    Ok(())
}

/// Writes one record.
pub(crate) fn write_row(format: Format, row: Row, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Jsonl => {
            let record = row.into_record()?;
            serde_json::to_writer(&mut *out, &record)?;
            out.write_all(b"\n")?;
        }
        Format::Csv => write_csv_row(&row, out)?,
    }
    Ok(())
}

fn write_csv_row(row: &Row, out: &mut dyn Write) -> Result<()> {
    let optional = |v: &Option<String>| v.clone().unwrap_or_default();
    let fields = [
        row.id.to_string(),
        row.kind.clone(),
        row.created_at.clone(),
        row.actor.clone(),
        optional(&row.ruleset),
        optional(&row.list_snapshot),
        row.ace_version.clone(),
        optional(&row.transaction_id),
        row.prev_hash.clone(),
        row.hash.clone(),
        row.input.clone(),
        row.output.clone(),
    ];
    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    writeln!(out, "{}", line.join(","))?;
    Ok(())
}

/// RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_field("abc"), "abc");
        assert_eq!(csv_field(r#"{"a":1,"b":2}"#), r#""{""a"":1,""b"":2}""#);
    }
}
