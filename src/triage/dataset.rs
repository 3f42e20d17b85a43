//! Labelled messages: the built-in set and CSV files of a deployment's own.

use std::io::Read;

/// One labelled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Every text field, joined by a space.
    pub text: String,
    /// The text fields one by one (a message's subject and body, say),
    /// empty ones included, in the order the columns were named.
    pub fields: Vec<String>,
    pub label: String,
    /// Whether the message reports danger to people now, where the data says.
    pub urgent: Option<bool>,
}

impl Row {
    /// A message with one text field.
    pub fn new(text: &str, label: &str) -> Row {
        Row { text: text.to_string(), fields: vec![text.to_string()], label: label.to_string(), urgent: None }
    }
}

const BUILTIN_CSV: &str = include_str!("../../data/triage/messages.csv");

/// linli's own labelled set (`data/triage/messages.csv`).
pub fn builtin() -> Vec<Row> {
    read_csv(BUILTIN_CSV.as_bytes(), &["text".to_string()], "label", Some("urgent"))
        .expect("the built-in labelled set is valid")
}

/// Why a CSV could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("the CSV has no column `{0}` (its columns: {1})")]
    MissingColumn(String, String),
    #[error("line {line}: {message}")]
    Bad { line: u64, message: String },
    #[error("the CSV has no labelled rows")]
    Empty,
}

/// Reads a UTF-8 CSV with a header; several text columns are joined by a
/// space (and kept one by one in `fields`). Rows with an empty text or
/// label are skipped. `urgent_col`, when given, holds 1/0 (or true/false).
pub fn read_csv(
    input: impl Read,
    text_cols: &[String],
    label_col: &str,
    urgent_col: Option<&str>,
) -> Result<Vec<Row>, CsvError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let headers = reader.headers().map_err(|e| CsvError::Bad { line: 1, message: e.to_string() })?.clone();
    let index = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| CsvError::MissingColumn(name.to_string(), headers.iter().collect::<Vec<_>>().join(", ")))
    };
    let text_idx: Vec<usize> = text_cols.iter().map(|c| index(c)).collect::<Result<_, _>>()?;
    let label_idx = index(label_col)?;
    let urgent_idx = urgent_col.map(index).transpose()?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| CsvError::Bad { line: e.position().map_or(0, |p| p.line()), message: e.to_string() })?;
        let line = record.position().map_or(0, |p| p.line());
        let fields: Vec<String> = text_idx.iter().map(|i| record.get(*i).unwrap_or("").trim().to_string()).collect();
        let text = fields.iter().filter(|t| !t.is_empty()).cloned().collect::<Vec<_>>().join(" ");
        let label = record.get(label_idx).unwrap_or("").trim().to_string();
        let urgent = match urgent_idx.map(|i| record.get(i).unwrap_or("").trim()) {
            None | Some("") => None,
            Some("1" | "true" | "yes") => Some(true),
            Some("0" | "false" | "no") => Some(false),
            Some(other) => {
                return Err(CsvError::Bad { line, message: format!("urgency `{other}` is not 1/0 or true/false") });
            }
        };
        if !text.is_empty() && !label.is_empty() {
            rows.push(Row { text, fields, label, urgent });
        }
    }
    if rows.is_empty() {
        return Err(CsvError::Empty);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_set_covers_every_category() {
        let rows = builtin();
        for c in crate::taxonomy::CATEGORIES {
            let n = rows.iter().filter(|r| r.label == c.code).count();
            assert!(n >= 40, "{}: {n} messages", c.code);
        }
        assert!(
            rows.iter().all(|r| r.label == super::super::NOT_REPORT || crate::taxonomy::category(&r.label).is_some())
        );
    }

    #[test]
    fn joins_text_columns_and_names_missing_ones() {
        let csv = "title,body,cat\n灯,不亮,lighting\n,漏水,water_drainage\n";
        let rows = read_csv(csv.as_bytes(), &["title".into(), "body".into()], "cat", None).expect("csv");
        assert_eq!(rows[0].text, "灯 不亮");
        assert_eq!(rows[1].text, "漏水");
        assert_eq!(rows[1].fields, ["", "漏水"]);
        let err = read_csv(csv.as_bytes(), &["text".into()], "cat", None).expect_err("missing column");
        assert!(err.to_string().contains("no column `text`"), "{err}");
    }
}
