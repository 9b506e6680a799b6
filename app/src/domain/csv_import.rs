//! Reading contact CSVs: delimiter detection, a streaming record reader with bounded memory,
//! text decoding, and the column mapping. The browser uses it for the preview and the server
//! for the import, so both read a file the same way.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// No record may be longer than this: it bounds the reader's memory whatever the file holds
/// (an unclosed quote would otherwise swallow the rest of the file into one field).
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// More columns than any real export has; bounds the field index buffer.
pub const MAX_FIELDS: usize = 1_000;

/// A problem with the file, phrased for the person who uploaded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum CsvError {
    #[error("The file is empty.")]
    Empty,
    #[error("The file has a header row but no contacts.")]
    NoRows,
    #[error("Row {row} is longer than 1 MB. Is a quote (\") left open on that row?")]
    RowTooLong { row: u64 },
    #[error("Row {row} has more than {MAX_FIELDS} columns.")]
    TooManyColumns { row: u64 },
    #[error("Row {row} has {found} columns but the header has {expected}. Check for a stray delimiter or a missing quote on that row.")]
    Ragged { row: u64, found: usize, expected: usize },
    #[error("Row {row}, column \"{column}\" is not valid UTF-8. Save the file as UTF-8, or import it again choosing the Windows-1252 (Latin-1) encoding.")]
    NotUtf8 { row: u64, column: String },
    #[error("No column can be the cell phone number. Name one \"cell\" or \"phone\", or choose it in the mapping.")]
    NoCellColumn,
    #[error("{0}")]
    Mapping(String),
    #[error("The file's header changed since the preview ({0}). Choose the file again.")]
    HeaderChanged(String),
}

/// How the file's bytes become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum TextEncoding {
    #[default]
    Utf8,
    /// What Excel on Windows writes as "CSV"; Latin-1 is a subset of it.
    Windows1252,
}

impl TextEncoding {
    pub fn parse(raw: &str) -> Result<TextEncoding, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "windows-1252" | "latin-1" | "latin1" | "cp1252" | "iso-8859-1" => Ok(TextEncoding::Windows1252),
            other => Err(format!("\"{other}\" is not an encoding we read (UTF-8 or Windows-1252).")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }

    /// Decodes one field; `None` when the bytes are not valid in this encoding.
    pub fn decode(self, bytes: &[u8]) -> Option<Cow<'_, str>> {
        match self {
            TextEncoding::Utf8 => std::str::from_utf8(bytes).ok().map(Cow::Borrowed),
            TextEncoding::Windows1252 => Some(decode_windows_1252(bytes)),
        }
    }
}

/// Windows-1252 differs from Latin-1 only in 0x80..=0x9F; a 32-entry table is all it takes, so
/// no encoding crate (and its tables for every other encoding) is pulled into the wasm bundle.
fn decode_windows_1252(bytes: &[u8]) -> Cow<'_, str> {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    if bytes.is_ascii() {
        // ASCII is the same in both encodings.
        return Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default());
    }
    Cow::Owned(
        bytes
            .iter()
            .map(|&b| match b {
                0x80..=0x9f => HIGH[(b - 0x80) as usize],
                _ => b as char,
            })
            .collect(),
    )
}

/// Guesses the delimiter from the header line: the most frequent of `,` `;` tab `|` outside
/// quotes (European Excel writes `;`, many exports use tabs).
pub fn detect_delimiter(head: &[u8]) -> u8 {
    let line_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0), (b'|', 0)];
    let mut quoted = false;
    for &b in &head[..line_end] {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(entry) = counts.iter_mut().find(|(d, _)| *d == b) {
                entry.1 += 1;
            }
        }
    }
    counts.iter().max_by_key(|(d, n)| (*n, *d == b',')).filter(|(_, n)| *n > 0).map(|(d, _)| *d).unwrap_or(b',')
}

/// One record as the reader hands it out; valid until the next record.
pub struct RawRecord<'a> {
    /// 1-based, counting the header as row 1 (the numbering a spreadsheet shows).
    pub row: u64,
    buf: &'a [u8],
    ends: &'a [usize],
}

impl<'a> RawRecord<'a> {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn field(&self, i: usize) -> &'a [u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }
}

/// A CSV reader fed with chunks as they arrive (from an upload or a file slice), using memory
/// bounded by [`MAX_RECORD_BYTES`] whatever the size of the file.
pub struct RecordReader {
    inner: csv_core::Reader,
    out: Vec<u8>,
    out_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    row: u64,
    started: bool,
}

impl RecordReader {
    pub fn new(delimiter: u8) -> RecordReader {
        RecordReader {
            inner: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            out: vec![0; 64 * 1024],
            out_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
            row: 0,
            started: false,
        }
    }

    /// Rows completed so far (the header included).
    pub fn rows(&self) -> u64 {
        self.row
    }

    /// Parses `input`, calling `on_record` for each complete record (blank lines are skipped).
    pub fn feed<E: From<CsvError>>(
        &mut self,
        mut input: &[u8],
        on_record: &mut impl FnMut(RawRecord<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if !self.started && !input.is_empty() {
            self.started = true;
            // A byte-order mark is how Excel says "UTF-8"; it is not part of the first header.
            input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
        }
        self.run(input, false, on_record)
    }

    /// Ends the input, delivering a last record that had no line break after it.
    pub fn finish<E: From<CsvError>>(
        &mut self,
        on_record: &mut impl FnMut(RawRecord<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.run(&[], true, on_record)
    }

    fn run<E: From<CsvError>>(
        &mut self,
        mut input: &[u8],
        at_end: bool,
        on_record: &mut impl FnMut(RawRecord<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        use csv_core::ReadRecordResult::*;
        loop {
            let (result, nin, nout, nend) =
                self.inner.read_record(input, &mut self.out[self.out_len..], &mut self.ends[self.ends_len..]);
            input = &input[nin..];
            self.out_len += nout;
            self.ends_len += nend;
            match result {
                InputEmpty => {
                    if !at_end {
                        return Ok(());
                    }
                }
                OutputFull => {
                    if self.out.len() >= MAX_RECORD_BYTES {
                        return Err(CsvError::RowTooLong { row: self.row + 1 }.into());
                    }
                    let grown = (self.out.len() * 2).min(MAX_RECORD_BYTES);
                    self.out.resize(grown, 0);
                }
                OutputEndsFull => {
                    if self.ends.len() >= MAX_FIELDS {
                        return Err(CsvError::TooManyColumns { row: self.row + 1 }.into());
                    }
                    let grown = (self.ends.len() * 2).min(MAX_FIELDS);
                    self.ends.resize(grown, 0);
                }
                Record => {
                    self.row += 1;
                    let record =
                        RawRecord { row: self.row, buf: &self.out[..self.out_len], ends: &self.ends[..self.ends_len] };
                    let outcome = on_record(record);
                    self.out_len = 0;
                    self.ends_len = 0;
                    outcome?;
                }
                End => return Ok(()),
            }
        }
    }
}

/// What a column of the file becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    FirstName,
    LastName,
    Cell,
    Zip,
    Email,
    ExternalId,
    AssignedUserId,
    AssignedUserEmail,
    /// Kept as a named custom field, usable in scripts as `{custom:name}`.
    Custom,
    Ignore,
}

impl ColumnRole {
    pub const ALL: [ColumnRole; 10] = [
        ColumnRole::FirstName,
        ColumnRole::LastName,
        ColumnRole::Cell,
        ColumnRole::Zip,
        ColumnRole::Email,
        ColumnRole::ExternalId,
        ColumnRole::AssignedUserId,
        ColumnRole::AssignedUserEmail,
        ColumnRole::Custom,
        ColumnRole::Ignore,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ColumnRole::FirstName => "first_name",
            ColumnRole::LastName => "last_name",
            ColumnRole::Cell => "cell",
            ColumnRole::Zip => "zip",
            ColumnRole::Email => "email",
            ColumnRole::ExternalId => "external_id",
            ColumnRole::AssignedUserId => "assigned_user_id",
            ColumnRole::AssignedUserEmail => "assigned_user_email",
            ColumnRole::Custom => "custom",
            ColumnRole::Ignore => "ignore",
        }
    }

    pub fn parse(raw: &str) -> Option<ColumnRole> {
        ColumnRole::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            ColumnRole::FirstName => "First name",
            ColumnRole::LastName => "Last name",
            ColumnRole::Cell => "Cell phone",
            ColumnRole::Zip => "ZIP code",
            ColumnRole::Email => "E-mail",
            ColumnRole::ExternalId => "External ID",
            ColumnRole::AssignedUserId => "Assigned volunteer (ID)",
            ColumnRole::AssignedUserEmail => "Assigned volunteer (e-mail)",
            ColumnRole::Custom => "Custom field",
            ColumnRole::Ignore => "Don't import",
        }
    }

    /// The role a header name suggests, from the names common exports use.
    pub fn guess(header: &str) -> ColumnRole {
        match field_name(header).as_str() {
            "first_name" | "firstname" | "first" | "fname" | "given_name" | "givenname" => ColumnRole::FirstName,
            "last_name" | "lastname" | "last" | "lname" | "surname" | "family_name" => ColumnRole::LastName,
            "cell" | "cell_phone" | "cellphone" | "cell_number" | "phone" | "phone_number" | "phonenumber"
            | "mobile" | "mobile_phone" | "mobile_number" | "mobilephone" | "wireless" | "number" | "sms"
            | "cell_1" | "phone_1" => ColumnRole::Cell,
            "zip" | "zip_code" | "zipcode" | "zip5" | "postal_code" | "postalcode" | "postcode" => ColumnRole::Zip,
            "email" | "email_address" | "e_mail" | "emailaddress" => ColumnRole::Email,
            "external_id" | "externalid" | "id" | "voter_id" | "voterid" | "van_id" | "vanid" | "contact_id" => {
                ColumnRole::ExternalId
            }
            "assigned_user_id" => ColumnRole::AssignedUserId,
            "assigned_user_email" => ColumnRole::AssignedUserEmail,
            "" => ColumnRole::Ignore,
            _ => ColumnRole::Custom,
        }
    }
}

/// A header turned into a custom field name: lower case letters, digits and underscores
/// ("Ward #" → "ward"), the form scripts refer to.
pub fn field_name(header: &str) -> String {
    let mut name = String::with_capacity(header.len());
    for c in header.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('_') {
            name.push('_');
        }
    }
    name.trim_matches('_').chars().take(64).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappedColumn {
    pub header: String,
    pub role: ColumnRole,
    /// The custom field's name, for `ColumnRole::Custom`.
    pub custom_name: String,
}

/// Which role each column of the file plays, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    pub columns: Vec<MappedColumn>,
}

impl ColumnMapping {
    /// The mapping a header row suggests; the first column of each standard kind wins, later
    /// look-alikes become custom fields.
    pub fn detect(headers: &[String]) -> ColumnMapping {
        let mut seen = Vec::new();
        let columns = headers
            .iter()
            .map(|header| {
                let mut role = ColumnRole::guess(header);
                if role != ColumnRole::Custom && role != ColumnRole::Ignore {
                    if seen.contains(&role) {
                        role = ColumnRole::Custom;
                    } else {
                        seen.push(role);
                    }
                }
                let custom_name = if role == ColumnRole::Custom { field_name(header) } else { String::new() };
                MappedColumn { header: header.clone(), role, custom_name }
            })
            .collect();
        ColumnMapping { columns }
    }

    /// Checks the mapping is usable: exactly one cell column, no standard role twice, custom
    /// field names valid and distinct.
    pub fn validate(&self) -> Result<(), CsvError> {
        let cells = self.columns.iter().filter(|c| c.role == ColumnRole::Cell).count();
        if cells == 0 {
            return Err(CsvError::NoCellColumn);
        }
        for role in ColumnRole::ALL {
            if matches!(role, ColumnRole::Custom | ColumnRole::Ignore) {
                continue;
            }
            let with_role: Vec<&str> =
                self.columns.iter().filter(|c| c.role == role).map(|c| c.header.as_str()).collect();
            if with_role.len() > 1 {
                return Err(CsvError::Mapping(format!(
                    "Only one column can be the {}: \"{}\" and \"{}\" both are.",
                    role.label().to_lowercase(),
                    with_role[0],
                    with_role[1]
                )));
            }
        }
        let mut names: Vec<&str> = Vec::new();
        for column in self.columns.iter().filter(|c| c.role == ColumnRole::Custom) {
            let name = column.custom_name.as_str();
            if name.is_empty() || field_name(name) != name {
                return Err(CsvError::Mapping(format!(
                    "Column \"{}\": a custom field name uses lower-case letters, digits and underscores (like \"{}\").",
                    column.header,
                    field_name(&column.header).if_empty("ward")
                )));
            }
            if names.contains(&name) {
                return Err(CsvError::Mapping(format!("Two columns would both be the custom field \"{name}\".")));
            }
            names.push(name);
        }
        Ok(())
    }

    /// Position of the column with this role, if any.
    pub fn position(&self, role: ColumnRole) -> Option<usize> {
        self.columns.iter().position(|c| c.role == role)
    }

    /// Custom fields in file order, with their column positions.
    pub fn custom_fields(&self) -> Vec<(usize, String)> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.role == ColumnRole::Custom)
            .map(|(i, c)| (i, c.custom_name.clone()))
            .collect()
    }
}

trait IfEmpty {
    fn if_empty(self, default: &str) -> String;
}

impl IfEmpty for String {
    fn if_empty(self, default: &str) -> String {
        if self.is_empty() {
            default.to_string()
        } else {
            self
        }
    }
}

/// The first rows of a file, for the mapping step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub delimiter: u8,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Reads the header and up to `max_rows` rows from the start of a file. `complete` says whether
/// `head` is the whole file (otherwise its last, possibly cut, line is ignored).
pub fn preview(head: &[u8], encoding: TextEncoding, max_rows: usize, complete: bool) -> Result<Preview, CsvError> {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(CsvError::Empty);
    }
    let delimiter = detect_delimiter(body);
    let mut reader = RecordReader::new(delimiter);
    let mut headers: Vec<String> = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut collect = |record: RawRecord<'_>| -> Result<(), CsvError> {
        if rows.len() >= max_rows {
            return Ok(());
        }
        let mut fields = Vec::with_capacity(record.len());
        for i in 0..record.len() {
            let column = headers.get(i).cloned().unwrap_or_else(|| format!("column {}", i + 1));
            let text = encoding.decode(record.field(i)).ok_or(CsvError::NotUtf8 { row: record.row, column })?;
            fields.push(text.trim().to_string());
        }
        if record.row == 1 {
            headers = fields;
        } else {
            if fields.len() != headers.len() {
                return Err(CsvError::Ragged { row: record.row, found: fields.len(), expected: headers.len() });
            }
            rows.push(fields);
        }
        Ok(())
    };
    reader.feed(body, &mut collect)?;
    if complete {
        reader.finish(&mut collect)?;
    }
    if headers.is_empty() {
        return Err(CsvError::Empty);
    }
    if complete && rows.is_empty() {
        return Err(CsvError::NoRows);
    }
    Ok(Preview { delimiter, headers, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all_records(data: &[u8], delimiter: u8, chunk: usize) -> Result<Vec<Vec<String>>, CsvError> {
        let mut reader = RecordReader::new(delimiter);
        let mut out = Vec::new();
        let mut push = |r: RawRecord<'_>| -> Result<(), CsvError> {
            out.push((0..r.len()).map(|i| String::from_utf8_lossy(r.field(i)).into_owned()).collect());
            Ok(())
        };
        for piece in data.chunks(chunk.max(1)) {
            reader.feed(piece, &mut push)?;
        }
        reader.finish(&mut push)?;
        Ok(out)
    }

    #[test]
    fn reads_quotes_crlf_bom_and_quoted_newlines() {
        let data = b"\xEF\xBB\xBFfirst,cell\r\n\"Ana, Maria\",555\r\n\"Line\nbreak\",\"say \"\"hi\"\"\"\r\n";
        let records = all_records(data, b',', 3).unwrap();
        assert_eq!(
            records,
            vec![
                vec!["first".to_string(), "cell".into()],
                vec!["Ana, Maria".into(), "555".into()],
                vec!["Line\nbreak".into(), "say \"hi\"".into()],
            ]
        );
    }

    #[test]
    fn last_line_without_newline_and_blank_lines() {
        let records = all_records(b"a,b\n\n1,2\n\n3,4", b',', 1024).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[2], vec!["3", "4"]);
    }

    #[test]
    fn row_numbers_count_the_header_as_row_one() {
        let mut reader = RecordReader::new(b',');
        let mut rows = Vec::new();
        let mut push = |r: RawRecord<'_>| -> Result<(), CsvError> {
            rows.push(r.row);
            Ok(())
        };
        reader.feed(b"h\n1\n\n2\n", &mut push).unwrap();
        // The parser skips blank lines entirely, so they take no number.
        assert_eq!(rows, vec![1, 2, 3]);
    }

    #[test]
    fn detects_delimiters() {
        assert_eq!(detect_delimiter(b"first;last;cell\n"), b';');
        assert_eq!(detect_delimiter(b"first\tlast\tcell\n"), b'\t');
        assert_eq!(detect_delimiter(b"first,last,cell\n"), b',');
        assert_eq!(detect_delimiter(b"\"a;b\",c,d\n"), b',');
        assert_eq!(detect_delimiter(b"cell\n"), b',');
    }

    #[test]
    fn an_unclosed_quote_is_a_too_long_row_not_unbounded_memory() {
        let mut data = b"name,cell\n\"open,5551234567\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + 10));
        assert_eq!(all_records(&data, b',', 64 * 1024), Err(CsvError::RowTooLong { row: 2 }));
    }

    #[test]
    fn windows_1252_decodes_the_high_range() {
        assert_eq!(TextEncoding::Windows1252.decode(b"Jos\xe9 \x93hi\x94 \x80").unwrap(), "José “hi” €");
        assert!(TextEncoding::Utf8.decode(b"Jos\xe9").is_none());
    }

    #[test]
    fn preview_reports_specific_problems() {
        assert_eq!(preview(b"", TextEncoding::Utf8, 5, true), Err(CsvError::Empty));
        assert_eq!(preview(b"\xEF\xBB\xBF  \n", TextEncoding::Utf8, 5, true), Err(CsvError::Empty));
        assert_eq!(preview(b"first,cell\n", TextEncoding::Utf8, 5, true), Err(CsvError::NoRows));
        assert_eq!(
            preview(b"first,cell\nAna,555,extra\n", TextEncoding::Utf8, 5, true),
            Err(CsvError::Ragged { row: 2, found: 3, expected: 2 })
        );
        assert_eq!(
            preview(b"first,cell\nJos\xe9,555\n", TextEncoding::Utf8, 5, true),
            Err(CsvError::NotUtf8 { row: 2, column: "first".into() })
        );
        let ok = preview(b"first;cell\nJos\xe9;555\n", TextEncoding::Windows1252, 5, true).unwrap();
        assert_eq!(ok.delimiter, b';');
        assert_eq!(ok.rows, vec![vec!["José".to_string(), "555".into()]]);
    }

    #[test]
    fn a_cut_preview_ignores_the_partial_last_line() {
        let p = preview(b"first,cell\nAna,555\nBo,55", TextEncoding::Utf8, 5, false).unwrap();
        assert_eq!(p.rows.len(), 1);
    }

    #[test]
    fn detects_mappings_from_common_headers() {
        let headers: Vec<String> =
            ["First Name", "LAST", "Mobile Number", "Zip Code", "E-mail", "VANID", "Ward #", "Phone", ""]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let m = ColumnMapping::detect(&headers);
        let roles: Vec<ColumnRole> = m.columns.iter().map(|c| c.role).collect();
        use ColumnRole::*;
        assert_eq!(roles, vec![FirstName, LastName, Cell, Zip, Email, ExternalId, Custom, Custom, Ignore]);
        assert_eq!(m.columns[6].custom_name, "ward");
        assert_eq!(m.columns[7].custom_name, "phone");
        assert!(m.validate().is_ok());
    }

    #[test]
    fn mapping_errors_name_the_columns() {
        let headers = vec!["name".to_string(), "town".to_string()];
        assert_eq!(ColumnMapping::detect(&headers).validate(), Err(CsvError::NoCellColumn));
        let mut m = ColumnMapping::detect(&["cell".to_string(), "mobile".to_string()]);
        m.columns[1].role = ColumnRole::Cell;
        let err = m.validate().unwrap_err().to_string();
        assert!(err.contains("\"cell\" and \"mobile\""), "{err}");
        let mut m = ColumnMapping::detect(&["cell".to_string(), "Ward".to_string(), "ward".to_string()]);
        assert!(m.validate().unwrap_err().to_string().contains("ward"));
        m.columns[2].custom_name = "Bad Name".into();
        assert!(m.validate().unwrap_err().to_string().contains("lower-case"));
    }

    proptest! {
        #[test]
        fn chunking_never_changes_the_records(
            rows in proptest::collection::vec(proptest::collection::vec("[a-z ,\"\n]{0,8}", 3), 1..20),
            chunk in 1usize..40,
        ) {
            // Write the rows as proper CSV, then read them back in chunks of any size.
            let mut data = Vec::new();
            for row in &rows {
                let line: Vec<String> = row.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect();
                data.extend_from_slice(line.join(",").as_bytes());
                data.extend_from_slice(b"\r\n");
            }
            let whole = all_records(&data, b',', data.len()).unwrap();
            let chunked = all_records(&data, b',', chunk).unwrap();
            prop_assert_eq!(&whole, &chunked);
            prop_assert_eq!(whole, rows);
        }

        #[test]
        fn field_names_are_stable(header in "\\PC{0,80}") {
            let name = field_name(&header);
            prop_assert_eq!(field_name(&name), name.clone());
            prop_assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
        }
    }
}
