//! Contacts exported as CSV from Google Contacts ("Google CSV") or Outlook: the other way a
//! volunteer brings their contacts to a Friend-to-Friend action. Read with the same CSV
//! reader as list uploads; columns are found by their export names, so no mapping is asked of
//! the volunteer.

use super::csv_import::{detect_delimiter, CsvError, RecordReader};
use super::vcard::{push_distinct, CardContact, MAX_CARDS, MAX_VALUE_CHARS};

/// What a column holds, by the names Google's and Outlook's exports give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    First,
    Last,
    FullName,
    Phone,
    Email,
    Zip,
    City,
    Other,
}

fn column(header: &str) -> Column {
    let h = header.trim().to_ascii_lowercase();
    let numbered = |prefix: &str, suffix: &str| {
        h.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(|n| n.trim().parse::<u8>().is_ok())
    };
    match h.as_str() {
        "first name" | "given name" => Column::First,
        "last name" | "family name" => Column::Last,
        "name" | "display name" => Column::FullName,
        "mobile phone" | "home phone" | "home phone 2" | "business phone" | "business phone 2" | "primary phone"
        | "other phone" | "car phone" | "phone" => Column::Phone,
        "e-mail address" | "e-mail 2 address" | "e-mail 3 address" | "email" | "email address" => Column::Email,
        "home postal code" | "business postal code" | "other postal code" | "zip" | "postal code" => Column::Zip,
        "home city" | "business city" | "other city" | "city" => Column::City,
        // Google: "Phone 1 - Value", "E-mail 1 - Value", "Address 1 - Postal Code", "Address 1 - City".
        _ if numbered("phone ", " - value") => Column::Phone,
        _ if numbered("e-mail ", " - value") => Column::Email,
        _ if numbered("address ", " - postal code") => Column::Zip,
        _ if numbered("address ", " - city") => Column::City,
        _ => Column::Other,
    }
}

/// Why reading stopped: the file itself, or one contact too many.
enum Stop {
    Csv(CsvError),
    TooMany { row: u64 },
}

impl From<CsvError> for Stop {
    fn from(error: CsvError) -> Stop {
        Stop::Csv(error)
    }
}

/// Every contact in the file, in order; rows without a name, number or e-mail are skipped.
/// Errors name the row (the header is row 1).
pub fn parse_contacts_csv(text: &str) -> Result<Vec<CardContact>, String> {
    let bytes = text.as_bytes();
    let mut reader = RecordReader::new(detect_delimiter(&bytes[..bytes.len().min(4096)]));
    let mut columns: Option<Vec<Column>> = None;
    let mut contacts = Vec::new();
    let mut on_record = |record: super::csv_import::RawRecord<'_>| -> Result<(), Stop> {
        let field = |i: usize| String::from_utf8_lossy(record.field(i)).trim().to_string();
        let Some(columns) = &columns else {
            columns = Some((0..record.len()).map(|i| column(&field(i))).collect());
            return Ok(());
        };
        let mut contact = CardContact::default();
        for (i, role) in columns.iter().enumerate().take(record.len()) {
            let value: String = field(i).chars().take(MAX_VALUE_CHARS).collect();
            if value.is_empty() {
                continue;
            }
            // Google writes several values of one kind into one cell, joined by " ::: ".
            let values = value.split(" ::: ").map(str::trim).filter(|v| !v.is_empty());
            match role {
                Column::First => contact.first_name = value,
                Column::Last => contact.last_name = value,
                Column::FullName if contact.first_name.is_empty() && contact.last_name.is_empty() => {
                    let mut words = value.split_whitespace();
                    contact.first_name = words.next().unwrap_or("").to_string();
                    contact.last_name = words.collect::<Vec<_>>().join(" ");
                }
                Column::Phone => values.for_each(|v| push_distinct(&mut contact.phones, v)),
                Column::Email => values.for_each(|v| push_distinct(&mut contact.emails, v)),
                Column::Zip if contact.zip.is_none() => contact.zip = Some(value),
                Column::City if contact.city.is_none() => contact.city = Some(value),
                _ => {}
            }
        }
        if !contact.is_empty() {
            if contacts.len() == MAX_CARDS {
                return Err(Stop::TooMany { row: record.row });
            }
            contacts.push(contact);
        }
        Ok(())
    };
    let read = reader.feed(bytes, &mut on_record).and_then(|()| reader.finish(&mut on_record));
    match read {
        Ok(()) => {}
        Err(Stop::TooMany { row }) => {
            return Err(format!(
                "Row {row}: this file has more than {MAX_CARDS} contacts; split it and import the parts."
            ));
        }
        Err(Stop::Csv(error)) => return Err(error.to_string()),
    }
    if columns.is_none() {
        return Err("This file is empty.".into());
    }
    Ok(contacts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Google Contacts' export ("Google CSV"), with two numbers in one cell.
    const GOOGLE: &str = "First Name,Middle Name,Last Name,Phonetic First Name,Nickname,Birthday,Notes,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - City,Address 1 - Postal Code\n\
Robert,,Smith,,Bob,,,* Home,bob@example.com,Mobile,+1 202-555-0199 ::: (202) 555-0100,Home,202-555-0199,Home,\"1600 Pennsylvania Ave NW\nWashington, DC 20500\",Washington,20500\n\
Ana,,Lima,,,,,,,Mobile,312 555 0177,,,,,,\n";

    /// Outlook's "Export to a file → Comma Separated Values".
    const OUTLOOK: &str = "First Name,Middle Name,Last Name,Title,Suffix,Nickname,Given Yomi,Surname Yomi,E-mail Address,E-mail 2 Address,E-mail 3 Address,Home Phone,Home Phone 2,Business Phone,Business Phone 2,Mobile Phone,Car Phone,Other Phone,Primary Phone,Pager,Business Fax,Home Fax,Other Fax,Company Main Phone,Callback,Radio Phone,Telex,TTY/TDD Phone,IMAddress,Job Title,Department,Company,Office Location,Manager's Name,Assistant's Name,Assistant's Phone,Company Yomi,Business Street,Business City,Business State,Business Postal Code,Business Country/Region,Home Street,Home City,Home State,Home Postal Code,Home Country/Region\n\
Liz,,Kim,,,,,,liz@example.org,,,(773) 555-0142,,,,773-555-0143,,,,,,,,,,,,,,,,,,,,,,,,,,,42 Elm St,Chicago,IL,60614,United States\n";

    #[test]
    fn google_export_with_several_values_in_a_cell() {
        let contacts = parse_contacts_csv(GOOGLE).unwrap();
        assert_eq!(contacts.len(), 2);
        assert_eq!(
            contacts[0],
            CardContact {
                first_name: "Robert".into(),
                last_name: "Smith".into(),
                phones: vec!["+1 202-555-0199".into(), "(202) 555-0100".into(), "202-555-0199".into()],
                emails: vec!["bob@example.com".into()],
                zip: Some("20500".into()),
                city: Some("Washington".into()),
            }
        );
        assert_eq!(contacts[1].phones, ["312 555 0177"]);
    }

    #[test]
    fn outlook_export() {
        let contacts = parse_contacts_csv(OUTLOOK).unwrap();
        assert_eq!(contacts[0].first_name, "Liz");
        assert_eq!(contacts[0].phones, ["(773) 555-0142", "773-555-0143"]);
        assert_eq!(contacts[0].emails, ["liz@example.org"]);
        assert_eq!((contacts[0].zip.as_deref(), contacts[0].city.as_deref()), (Some("60614"), Some("Chicago")));
    }

    #[test]
    fn a_full_name_column_fills_first_and_last() {
        let contacts = parse_contacts_csv("Name,Phone\nAna Maria Lima,555\n,\n").unwrap();
        assert_eq!(contacts.len(), 1, "the empty row is skipped");
        assert_eq!((contacts[0].first_name.as_str(), contacts[0].last_name.as_str()), ("Ana", "Maria Lima"));
    }

    #[test]
    fn empty_and_oversized_files_are_explained() {
        assert_eq!(parse_contacts_csv(""), Err("This file is empty.".to_string()));
        let many = format!("First Name\n{}", "A\n".repeat(MAX_CARDS + 1));
        let err = parse_contacts_csv(&many).unwrap_err();
        assert!(err.contains(&MAX_CARDS.to_string()), "{err}");
    }
}
