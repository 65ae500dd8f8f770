//! The WHERE clause of a filter, written once for both SQL dialects.

use crate::error::Result;
use crate::time::normalize_bound;
use crate::types::Filter;

/// A parameter of a filter query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    Text(String),
    Int(i64),
}

/// A filter with its time bounds in stored form, ready to page through.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    since: Option<String>,
    until: Option<String>,
    kind: Option<&'static str>,
    actor: Option<String>,
    pub after_id: i64,
    /// Paging back: only ids below this, the newest first (the caller restores the order).
    pub before_id: Option<i64>,
}

impl Selection {
    /// Validates and normalizes a filter.
    pub fn of(filter: &Filter) -> Result<Self> {
        Ok(Selection {
            since: filter.since.as_deref().map(normalize_bound).transpose()?,
            until: filter.until.as_deref().map(normalize_bound).transpose()?,
            kind: filter.kind.map(|k| k.as_str()),
            actor: filter.actor.clone(),
            after_id: filter.after_id.unwrap_or(0),
            before_id: filter.before_id,
        })
    }

    /// `SELECT <columns> FROM records WHERE … ORDER BY id LIMIT n` with numbered placeholders
    /// written by `placeholder` (`?1` for SQLite, `$1` for PostgreSQL).
    pub fn sql(
        &self,
        columns: &str,
        limit: usize,
        placeholder: fn(usize) -> String,
    ) -> (String, Vec<Param>) {
        let mut params = vec![Param::Int(self.after_id)];
        let mut conditions = vec![format!("id > {}", placeholder(1))];
        let mut add = |column: &str, op: &str, value: Param| {
            params.push(value);
            conditions.push(format!("{column} {op} {}", placeholder(params.len())));
        };
        if let Some(since) = &self.since {
            add("created_at", ">=", Param::Text(since.clone()));
        }
        if let Some(until) = &self.until {
            add("created_at", "<", Param::Text(until.clone()));
        }
        if let Some(kind) = self.kind {
            add("kind", "=", Param::Text(kind.to_string()));
        }
        if let Some(actor) = &self.actor {
            add("actor", "=", Param::Text(actor.clone()));
        }
        if let Some(before) = self.before_id {
            add("id", "<", Param::Int(before));
        }
        let order = if self.before_id.is_some() {
            "DESC"
        } else {
            "ASC"
        };
        let sql = format!(
            "SELECT {columns} FROM records WHERE {} ORDER BY id {order} LIMIT {limit}",
            conditions.join(" AND ")
        );
        (sql, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::RecordKind;

    #[test]
    fn conditions_are_numbered_in_order() {
        let filter = Filter {
            since: Some("2024-01-01".into()),
            kind: Some(RecordKind::Review),
            ..Filter::default()
        };
        let selection = Selection::of(&filter).unwrap_or_default();
        let (sql, params) = selection.sql("id", 10, |i| format!("${i}"));
        assert_eq!(
            sql,
            "SELECT id FROM records WHERE id > $1 AND created_at >= $2 AND kind = $3 ORDER BY id ASC LIMIT 10"
        );
        assert_eq!(params.len(), 3);
    }

    #[test]
    fn paging_back_takes_the_newest_before_the_id() {
        let filter = Filter {
            before_id: Some(40),
            ..Filter::default()
        };
        let selection = Selection::of(&filter).unwrap_or_default();
        let (sql, params) = selection.sql("id", 10, |i| format!("?{i}"));
        assert_eq!(
            sql,
            "SELECT id FROM records WHERE id > ?1 AND id < ?2 ORDER BY id DESC LIMIT 10"
        );
        assert_eq!(params, vec![Param::Int(0), Param::Int(40)]);
    }
}
