//! The organization's do-not-contact list and its opt-out records: reading a list of numbers
//! brought from another tool (Spoke, ThruText, a carrier's export), how each opt-out came about,
//! and the reason a volunteer gives when they opt someone out by hand.
//!
//! A do-not-contact file is read as a contact list is (`csv_import`: the same delimiters,
//! encodings, byte-order mark and cell-column names), but it is all or nothing: one row whose
//! number cannot be read rejects the whole file, naming the row, the column and the reason, since
//! a number silently left out would be a number texted against someone's wishes.

use crate::domain::csv_import::{ColumnMapping, ColumnRole, CsvError, RawRecord, TextEncoding};
use crate::domain::phone::{PhoneNumber, Region};
use crate::domain::text_limits::OPT_OUT_REASON;
use serde::{Deserialize, Serialize};

/// Why a do-not-contact file was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum DoNotContactError {
    #[error("{0}")]
    Csv(#[from] CsvError),
    #[error("Row {row}, column \"{column}\": {reason}. Fix or delete that row; nothing was imported.")]
    BadRow { row: u64, column: String, reason: String },
}

/// Reads a do-not-contact file record by record (feed it from `RecordReader`): the header row
/// names the cell column, every later row must hold a number.
#[derive(Debug, Clone)]
pub struct DoNotContactReader {
    encoding: TextEncoding,
    region: Region,
    /// (position, header) of the cell column, once the header is read.
    cell: Option<(usize, String)>,
    columns: usize,
    rows: u64,
}

impl DoNotContactReader {
    pub fn new(encoding: TextEncoding, region: Region) -> DoNotContactReader {
        DoNotContactReader { encoding, region, cell: None, columns: 0, rows: 0 }
    }

    /// Data rows read (the header not counted).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// One record: the header (answers `None`) or a row's number.
    pub fn record(&mut self, record: &RawRecord<'_>) -> Result<Option<PhoneNumber>, DoNotContactError> {
        let text = |i: usize, column: &str| {
            self.encoding
                .decode(record.field(i))
                .map(|t| t.trim().to_string())
                .ok_or_else(|| CsvError::NotUtf8 { row: record.row, column: column.to_string() })
        };
        let Some((cell, header)) = self.cell.clone() else {
            let headers = (0..record.len()).map(|i| text(i, "")).collect::<Result<Vec<_>, _>>()?;
            // The contact import's own guess of the cell column ("cell", "phone", "mobile", ...).
            let cell = ColumnMapping::detect(&headers).position(ColumnRole::Cell).ok_or(CsvError::NoCellColumn)?;
            self.cell = Some((cell, headers[cell].clone()));
            self.columns = headers.len();
            return Ok(None);
        };
        if record.len() != self.columns {
            return Err(CsvError::Ragged { row: record.row, found: record.len(), expected: self.columns }.into());
        }
        self.rows += 1;
        let raw = text(cell, &header)?;
        PhoneNumber::parse(&raw, self.region).map(Some).map_err(|error| DoNotContactError::BadRow {
            row: record.row,
            column: header.clone(),
            reason: if raw.is_empty() {
                "the number is missing".to_string()
            } else {
                format!("\"{raw}\" is {}", error.short_reason())
            },
        })
    }

    /// After the last record: a file with nothing in it is refused too.
    pub fn finish(&self) -> Result<(), DoNotContactError> {
        match (&self.cell, self.rows) {
            (None, _) => Err(CsvError::Empty.into()),
            (Some(_), 0) => Err(CsvError::NoRows.into()),
            _ => Ok(()),
        }
    }
}

/// What importing a do-not-contact file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DoNotContactSummary {
    /// Data rows read.
    pub rows: u64,
    /// Numbers newly opted out.
    pub added: u64,
    /// Numbers that were opted out already (or repeated in the file).
    pub already: u64,
}

/// How an opt-out came about (`opt_outs.source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptOutSource {
    Keyword,
    Phrase,
    /// A reply recorded before keywords and phrases were told apart.
    Reply,
    /// Twilio error 21610: the recipient had replied STOP to the carrier.
    Carrier,
    Volunteer,
    Imported,
    Manual,
}

impl OptOutSource {
    pub fn parse(raw: &str) -> Option<OptOutSource> {
        use OptOutSource::*;
        [Keyword, Phrase, Reply, Carrier, Volunteer, Imported, Manual].into_iter().find(|s| s.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OptOutSource::Keyword => "keyword",
            OptOutSource::Phrase => "phrase",
            OptOutSource::Reply => "reply",
            OptOutSource::Carrier => "carrier",
            OptOutSource::Volunteer => "volunteer",
            OptOutSource::Imported => "imported",
            OptOutSource::Manual => "manual",
        }
    }

    /// How the export says it.
    pub fn label(self) -> &'static str {
        match self {
            OptOutSource::Keyword => "keyword",
            OptOutSource::Phrase => "phrase",
            OptOutSource::Reply => "reply (keyword or phrase)",
            // https://www.twilio.com/docs/api/errors/21610: "Attempt to send to unsubscribed recipient".
            OptOutSource::Carrier => "carrier 21610",
            OptOutSource::Volunteer => "volunteer",
            OptOutSource::Imported => "import",
            OptOutSource::Manual => "manual",
        }
    }
}

/// Why a volunteer opted a contact out by hand ("Said stop in other words", "Wrong number,
/// asked not to be texted"): required, and at most `OPT_OUT_REASON` characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOutReason(String);

impl OptOutReason {
    pub fn parse(raw: &str) -> Result<OptOutReason, String> {
        let reason = raw.trim();
        if reason.is_empty() {
            return Err("Say why this person is opted out (for example \"Asked not to be texted\").".into());
        }
        OPT_OUT_REASON.check(reason).map(|r| OptOutReason(r.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::csv_import::{detect_delimiter, RecordReader};

    fn read(file: &str) -> Result<Vec<String>, DoNotContactError> {
        let bytes = file.as_bytes();
        let mut reader = RecordReader::new(detect_delimiter(bytes));
        let mut list = DoNotContactReader::new(TextEncoding::Utf8, Region::parse("US").unwrap());
        let mut numbers = Vec::new();
        let mut on_record = |r: RawRecord<'_>| -> Result<(), DoNotContactError> {
            if let Some(n) = list.record(&r)? {
                numbers.push(n.as_str().to_string());
            }
            Ok(())
        };
        reader.feed(bytes, &mut on_record)?;
        reader.finish(&mut on_record)?;
        list.finish()?;
        Ok(numbers)
    }

    #[test]
    fn reads_the_formats_the_contact_import_reads() {
        assert_eq!(read("phone\n(312) 555-0342\n+1 312 555 0343\n").unwrap(), ["+13125550342", "+13125550343"]);
        // Semicolons, a byte-order mark, another name for the cell column, extra columns.
        assert_eq!(
            read("\u{feff}name;Mobile Number;note\nAna;312.555.0344;x\nBo;13125550345;\n").unwrap(),
            ["+13125550344", "+13125550345"]
        );
        assert_eq!(read("cell\r\n3125550346").unwrap(), ["+13125550346"]);
    }

    #[test]
    fn one_bad_row_rejects_the_file_naming_row_column_and_reason() {
        let err = read("name,cell\nAna,3125550342\nBo,not a phone\n").unwrap_err();
        assert_eq!(
            err,
            DoNotContactError::BadRow {
                row: 3,
                column: "cell".into(),
                reason: "\"not a phone\" is not a phone number (letters or symbols)".into()
            }
        );
        assert!(err.to_string().starts_with("Row 3, column \"cell\": "), "{err}");
        let err = read("cell,name\n,Ana\n").unwrap_err();
        assert!(err.to_string().contains("the number is missing"), "{err}");
        assert!(read("cell\n555-0100\n").unwrap_err().to_string().contains("Row 2"));
    }

    #[test]
    fn files_without_a_cell_column_or_rows_are_refused() {
        assert_eq!(read("name,zip\nAna,60601\n").unwrap_err(), DoNotContactError::Csv(CsvError::NoCellColumn));
        assert_eq!(read("cell\n").unwrap_err(), DoNotContactError::Csv(CsvError::NoRows));
        assert_eq!(read("").unwrap_err(), DoNotContactError::Csv(CsvError::Empty));
        assert!(matches!(
            read("cell,name\n3125550342\n").unwrap_err(),
            DoNotContactError::Csv(CsvError::Ragged { row: 2, .. })
        ));
    }

    #[test]
    fn sources_round_trip_and_read_as_the_export_says_them() {
        for s in ["keyword", "phrase", "reply", "carrier", "volunteer", "imported", "manual"] {
            assert_eq!(OptOutSource::parse(s).unwrap().as_str(), s);
        }
        assert_eq!(OptOutSource::parse("sms"), None);
        assert_eq!(OptOutSource::Carrier.label(), "carrier 21610");
        assert_eq!(OptOutSource::Imported.label(), "import");
    }

    #[test]
    fn a_reason_is_required_and_bounded() {
        assert_eq!(OptOutReason::parse("  Asked not to be texted ").unwrap().as_str(), "Asked not to be texted");
        assert!(OptOutReason::parse("   ").is_err());
        let long = "x".repeat(OPT_OUT_REASON.max + 1);
        let err = OptOutReason::parse(&long).unwrap_err();
        assert!(err.contains("300"), "{err}");
        assert!(OptOutReason::parse(&"x".repeat(OPT_OUT_REASON.max)).is_ok());
    }
}
