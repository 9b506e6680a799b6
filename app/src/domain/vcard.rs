//! Contacts exported from a phone or an address book as vCards (`.vcf`): what a volunteer
//! brings to a Friend-to-Friend action. It reads vCard 2.1 (what Android's Contacts app
//! writes, with quoted-printable names), 3.0 (iOS, Google Contacts; RFC 2426) and 4.0
//! (RFC 6350).
//!
//! Hand-written rather than a crate: the vCard crates on the registry either pull in a parser
//! framework or skip 2.1's quoted-printable soft breaks, and this file runs in the browser
//! bundle as well as on the server (the same parse on both sides), where every kilobyte
//! counts. It keeps only what matching needs: names, numbers, e-mails, ZIP code and city.
//!
//! The numbers are kept as written; `PhoneNumber` normalises them in the next step.

use std::fmt;

/// At most this many cards in one file: far more than anyone's phone book, far less than the
/// browser or the server would struggle with.
pub const MAX_CARDS: usize = 5_000;
/// At most this many numbers and as many e-mails per card.
pub const MAX_PER_CARD: usize = 10;
/// The longest value kept; longer ones are cut at this many characters.
pub const MAX_VALUE_CHARS: usize = 200;
/// The largest file read (a 5,000-card export with photos removed is about 2 MB).
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// One card, as written in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardContact {
    pub first_name: String,
    pub last_name: String,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub zip: Option<String>,
    pub city: Option<String>,
}

impl CardContact {
    /// Nothing to know the person by: no name, number or e-mail.
    pub fn is_empty(&self) -> bool {
        self.first_name.is_empty() && self.last_name.is_empty() && self.phones.is_empty() && self.emails.is_empty()
    }
}

/// Why a file cannot be read, with the line it happened on (counted from 1, as an editor does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VcardError {
    TooLarge {
        bytes: usize,
    },
    TooManyCards,
    NoCards,
    /// A `BEGIN:VCARD` without its `END:VCARD`, or the other way round.
    Unbalanced {
        line: usize,
    },
}

impl fmt::Display for VcardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VcardError::TooLarge { bytes } => write!(
                f,
                "This file is {} MB; a contacts file can be at most {} MB. Export without photos and try again.",
                bytes.div_ceil(1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            VcardError::TooManyCards => {
                write!(f, "This file has more than {MAX_CARDS} contacts; split it and import the parts.")
            }
            VcardError::NoCards => write!(f, "This file has no contacts in it (no BEGIN:VCARD line)."),
            VcardError::Unbalanced { line } => {
                write!(
                    f,
                    "Line {line}: a contact card starts or ends here without its other half (BEGIN:VCARD / END:VCARD)."
                )
            }
        }
    }
}

/// Every card in a `.vcf` file, in order. Cards without a name, number or e-mail are skipped.
pub fn parse_vcards(text: &str) -> Result<Vec<CardContact>, VcardError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(VcardError::TooLarge { bytes: text.len() });
    }
    let mut cards = Vec::new();
    let mut current: Option<CardContact> = None;
    let mut saw_card = false;
    for (line_no, line) in logical_lines(text) {
        let Some(property) = Property::parse(&line) else { continue };
        match (property.name.as_str(), &mut current) {
            ("BEGIN", None) if property.value.eq_ignore_ascii_case("VCARD") => {
                current = Some(CardContact::default());
                saw_card = true;
            }
            ("BEGIN", Some(_)) if property.value.eq_ignore_ascii_case("VCARD") => {
                return Err(VcardError::Unbalanced { line: line_no });
            }
            ("END", Some(_)) if property.value.eq_ignore_ascii_case("VCARD") => {
                let card = current.take().unwrap_or_default();
                if !card.first_name.is_empty()
                    || !card.last_name.is_empty()
                    || !card.phones.is_empty()
                    || !card.emails.is_empty()
                {
                    if cards.len() == MAX_CARDS {
                        return Err(VcardError::TooManyCards);
                    }
                    cards.push(card);
                }
            }
            ("END", None) if property.value.eq_ignore_ascii_case("VCARD") => {
                return Err(VcardError::Unbalanced { line: line_no });
            }
            (_, Some(card)) => property.apply_to(card),
            (_, None) => {}
        }
    }
    if let Some(_open) = current {
        return Err(VcardError::Unbalanced { line: text.lines().count() });
    }
    if !saw_card {
        return Err(VcardError::NoCards);
    }
    Ok(cards)
}

/// The file's content lines with folding undone, each with the line number it starts on.
/// Folding (RFC 6350 §3.2, RFC 2426 §2.6): a line break followed by one space or tab continues
/// the line. vCard 2.1's quoted-printable values continue instead after a line ending in `=`
/// (a soft line break), with no space.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut soft_break = false;
    for (index, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let (Some(last), Some(rest)) = (out.last_mut(), raw.strip_prefix([' ', '\t'])) {
            last.1.push_str(rest);
        } else if let (true, Some(last)) = (soft_break, out.last_mut()) {
            last.1.pop(); // the soft break's `=`
            last.1.push_str(raw);
        } else if !raw.is_empty() {
            out.push((index + 1, raw.to_string()));
        }
        soft_break = out.last().is_some_and(|(_, l)| is_quoted_printable(l) && l.ends_with('='));
    }
    out
}

fn is_quoted_printable(line: &str) -> bool {
    let params = line.split(':').next().unwrap_or("").to_ascii_uppercase();
    params.contains("QUOTED-PRINTABLE")
}

/// One content line: `[group.]NAME[;PARAM…]:VALUE`, its value decoded.
struct Property {
    name: String,
    types: Vec<String>,
    value: String,
}

impl Property {
    fn parse(line: &str) -> Option<Property> {
        let (head, value) = split_unquoted(line, ':')?;
        let mut parts = head.split(';');
        let name = parts.next()?;
        // iOS groups a number with its label: `item1.TEL;type=pref:…`.
        let name = name.rsplit('.').next().unwrap_or(name).trim().to_ascii_uppercase();
        let (mut types, mut quoted_printable) = (Vec::new(), false);
        for param in parts {
            let (key, val) = param.split_once('=').unwrap_or(("TYPE", param));
            let (key, val) = (key.trim().to_ascii_uppercase(), val.trim_matches('"'));
            match key.as_str() {
                "ENCODING" if val.eq_ignore_ascii_case("QUOTED-PRINTABLE") => quoted_printable = true,
                "TYPE" => types.extend(val.split(',').map(|t| t.trim().to_ascii_uppercase())),
                _ => {}
            }
            // vCard 2.1 writes a bare `;QUOTED-PRINTABLE`.
            if param.eq_ignore_ascii_case("QUOTED-PRINTABLE") {
                quoted_printable = true;
            }
        }
        let value = if quoted_printable { decode_quoted_printable(value) } else { value.to_string() };
        Some(Property { name, types, value })
    }

    fn apply_to(&self, card: &mut CardContact) {
        match self.name.as_str() {
            "N" => {
                let fields = split_structured(&self.value);
                card.last_name = limited(fields.first().map(String::as_str).unwrap_or(""));
                card.first_name = limited(fields.get(1).map(String::as_str).unwrap_or(""));
            }
            // The formatted name fills in only what N left empty (some exports write only FN).
            "FN" if card.first_name.is_empty() && card.last_name.is_empty() => {
                let full = unescape(&self.value);
                let mut words = full.split_whitespace();
                card.first_name = limited(words.next().unwrap_or(""));
                card.last_name = limited(&words.collect::<Vec<_>>().join(" "));
            }
            "TEL" => push_distinct(&mut card.phones, &tel_value(&self.value)),
            "EMAIL" => push_distinct(&mut card.emails, &unescape(&self.value)),
            "ADR" => {
                // PO box; extended; street; locality; region; postal code; country. The home
                // address wins over others; the first one found is kept otherwise.
                let fields = split_structured(&self.value);
                let is_home = self.types.iter().any(|t| t == "HOME");
                let field = |i: usize| fields.get(i).map(|v| limited(v.trim())).filter(|v| !v.is_empty());
                if card.zip.is_none() || is_home {
                    if let Some(zip) = field(5) {
                        card.zip = Some(zip);
                    }
                }
                if card.city.is_none() || is_home {
                    if let Some(city) = field(3) {
                        card.city = Some(city);
                    }
                }
            }
            _ => {}
        }
    }
}

/// vCard 4.0 writes numbers as `tel:` URIs (`TEL;VALUE=uri:tel:+1-555-555-0100`).
fn tel_value(value: &str) -> String {
    let value = unescape(value);
    let value = value.trim();
    value.strip_prefix("tel:").unwrap_or(value).to_string()
}

/// Adds a number or an e-mail once, within the card's limits (CSV exports use it too).
pub(super) fn push_distinct(list: &mut Vec<String>, value: &str) {
    let value = limited(value);
    if !value.is_empty() && !list.contains(&value) && list.len() < MAX_PER_CARD {
        list.push(value);
    }
}

fn limited(value: &str) -> String {
    value.trim().chars().take(MAX_VALUE_CHARS).collect()
}

/// Splits at the first `sep` outside double quotes (a parameter value may hold a colon).
fn split_unquoted(line: &str, sep: char) -> Option<(&str, &str)> {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c == sep && !quoted => return Some((&line[..i], &line[i + 1..])),
            _ => {}
        }
    }
    None
}

/// The components of N or ADR: split at unescaped semicolons, each unescaped.
fn split_structured(value: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().unwrap().push('\\');
                    fields.last_mut().unwrap().push(next);
                }
            }
            ';' => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields.iter().map(|f| unescape(f)).collect()
}

/// RFC 6350 §3.4 escapes: `\n`, `\,`, `\;`, `\\`.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push(' '),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// `=C3=A9` → "é"; soft line breaks were joined already. Bytes that do not make UTF-8 are
/// read as Latin-1, which is what old exports without a charset meant.
fn decode_quoted_printable(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
            // A soft break left at the very end.
            if i + 1 == bytes.len() {
                break;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out.clone()).unwrap_or_else(|_| out.iter().map(|&b| b as char).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What iOS Contacts shares as a .vcf (vCard 3.0, CRLF, grouped items with labels).
    const IOS: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.5.1//EN\r\nN:Appleseed;John;;;\r\nFN:John Appleseed\r\nORG:Apple Inc.;\r\nitem1.TEL;type=pref:(408) 555-0100\r\nitem1.X-ABLabel:_$!<Mobile>!$_\r\nTEL;type=HOME;type=VOICE:+1 408 555 0123\r\nEMAIL;type=INTERNET;type=HOME;type=pref:john@example.com\r\nitem2.ADR;type=HOME;type=pref:;;1 Infinite Loop;Cupertino;CA;95014;United States\r\nitem2.X-ABADR:us\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\nTEL;type=CELL;type=VOICE;type=pref:+1 (312) 555-0177\r\nEND:VCARD\r\n";

    /// What Android's Contacts app exports (vCard 2.1, quoted-printable non-ASCII names with a
    /// soft line break).
    const ANDROID: &str = "BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=4D=C3=BC=6C=6C=65=72;=4A=6F=73=C3=A9=\n=20Luis;;;\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=4A=6F=73=C3=A9=20=4C=75=69=73=20=4D=C3=BC=6C=6C=65=72\nTEL;CELL:+13125550100\nTEL;CELL:+13125550100\nTEL;WORK:312-555-0101\nEMAIL;HOME:jose@example.org\nEND:VCARD\nBEGIN:VCARD\nVERSION:2.1\nN:Kim;Liz;;;\nFN:Liz Kim\nTEL;HOME:(773) 555-0142\nADR;HOME:;;42 Elm St;Chicago;IL;60614;USA\nEND:VCARD\n";

    /// Google Contacts' "Export → vCard" (3.0, folded long lines, escaped commas).
    const GOOGLE: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Robert \"Bob\" Smith\r\nN:Smith;Robert;;;\r\nEMAIL;TYPE=INTERNET;TYPE=HOME:bob.smith@exam\r\n ple.com\r\nTEL;TYPE=CELL:+1 202-555-0199\r\nADR;TYPE=HOME:;;1600 Pennsylvania Ave\\, NW;Washington;DC;20500;US\r\nNOTE:Met at the\\, uh\\, county fair\r\nEND:VCARD\r\n";

    /// vCard 4.0 (RFC 6350's own examples' shape): tel URIs and a quoted TYPE list.
    const V4: &str = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Simon Perreault\r\nN:Perreault;Simon;;;ing. jr,M.Sc.\r\nTEL;VALUE=uri;TYPE=\"work,voice\";PREF=1:tel:+1-418-656-9254;ext=102\r\nTEL;VALUE=uri;TYPE=\"work,cell,voice,video,text\":tel:+1-418-262-6501\r\nEMAIL;TYPE=work:simon.perreault@viagenie.ca\r\nADR;TYPE=work:;Suite D2-630;2875 Laurier;Quebec;QC;G1V 2M2;Canada\r\nEND:VCARD\r\n";

    #[test]
    fn ios_cards_with_grouped_items() {
        let cards = parse_vcards(IOS).unwrap();
        assert_eq!(cards.len(), 2);
        assert_eq!(
            cards[0],
            CardContact {
                first_name: "John".into(),
                last_name: "Appleseed".into(),
                phones: vec!["(408) 555-0100".into(), "+1 408 555 0123".into()],
                emails: vec!["john@example.com".into()],
                zip: Some("95014".into()),
                city: Some("Cupertino".into()),
            }
        );
        assert_eq!(cards[1].phones, ["+1 (312) 555-0177"]);
    }

    #[test]
    fn android_quoted_printable_names_and_repeated_numbers() {
        let cards = parse_vcards(ANDROID).unwrap();
        assert_eq!(cards[0].first_name, "José Luis");
        assert_eq!(cards[0].last_name, "Müller");
        assert_eq!(cards[0].phones, ["+13125550100", "312-555-0101"], "the same number twice is kept once");
        assert_eq!(cards[0].emails, ["jose@example.org"]);
        assert_eq!(
            (cards[1].first_name.as_str(), cards[1].zip.as_deref(), cards[1].city.as_deref()),
            ("Liz", Some("60614"), Some("Chicago"))
        );
    }

    #[test]
    fn google_folded_lines_and_escapes() {
        let cards = parse_vcards(GOOGLE).unwrap();
        assert_eq!(cards[0].emails, ["bob.smith@example.com"]);
        assert_eq!(cards[0].first_name, "Robert");
        assert_eq!(cards[0].zip.as_deref(), Some("20500"));
    }

    #[test]
    fn version_four_tel_uris() {
        let cards = parse_vcards(V4).unwrap();
        assert_eq!(cards[0].phones, ["+1-418-656-9254;ext=102", "+1-418-262-6501"]);
        assert_eq!(cards[0].city.as_deref(), Some("Quebec"));
    }

    #[test]
    fn only_a_formatted_name_is_split_into_first_and_last() {
        let cards = parse_vcards("BEGIN:VCARD\nVERSION:3.0\nFN:Ana Maria Lima\nTEL:555\nEND:VCARD\n").unwrap();
        assert_eq!((cards[0].first_name.as_str(), cards[0].last_name.as_str()), ("Ana", "Maria Lima"));
    }

    #[test]
    fn broken_files_say_which_line() {
        assert_eq!(parse_vcards("hello"), Err(VcardError::NoCards));
        assert_eq!(parse_vcards("BEGIN:VCARD\nFN:A\nBEGIN:VCARD\n"), Err(VcardError::Unbalanced { line: 3 }));
        assert_eq!(parse_vcards("FN:A\nEND:VCARD\n"), Err(VcardError::Unbalanced { line: 2 }));
        assert!(parse_vcards("BEGIN:VCARD\nFN:A\n").is_err());
        let message = VcardError::Unbalanced { line: 7 }.to_string();
        assert!(message.starts_with("Line 7:"), "{message}");
    }

    #[test]
    fn limits_hold() {
        let many = "BEGIN:VCARD\nFN:A\nEND:VCARD\n".repeat(MAX_CARDS + 1);
        assert_eq!(parse_vcards(&many), Err(VcardError::TooManyCards));
        let tels: String = (0..20).map(|i| format!("TEL:555-01{i:02}\n")).collect();
        let cards = parse_vcards(&format!("BEGIN:VCARD\nFN:A\n{tels}END:VCARD\n")).unwrap();
        assert_eq!(cards[0].phones.len(), MAX_PER_CARD);
        let long = "x".repeat(1000);
        let cards = parse_vcards(&format!("BEGIN:VCARD\nFN:{long}\nEND:VCARD\n")).unwrap();
        assert_eq!(cards[0].first_name.chars().count(), MAX_VALUE_CHARS);
    }

    /// Folds a line as RFC 6350 §3.2 allows: a CRLF and one space anywhere between characters.
    fn fold(line: &str, at: &[usize]) -> String {
        let chars: Vec<char> = line.chars().collect();
        let mut out = String::new();
        for (i, c) in chars.iter().enumerate() {
            if i > 0 && at.contains(&i) {
                out.push_str("\r\n ");
            }
            out.push(*c);
        }
        out
    }

    proptest! {
        #[test]
        fn folding_anywhere_reads_the_same(
            first in "[A-Za-zéü]{1,12}",
            last in "[A-Za-z]{1,12}",
            email in "[a-z]{1,10}@[a-z]{1,8}\\.org",
            at in proptest::collection::vec(1usize..40, 0..6),
        ) {
            let plain = format!("BEGIN:VCARD\r\nVERSION:3.0\r\nN:{last};{first};;;\r\nEMAIL:{email}\r\nEND:VCARD\r\n");
            let folded = format!(
                "BEGIN:VCARD\r\nVERSION:3.0\r\n{}\r\n{}\r\nEND:VCARD\r\n",
                fold(&format!("N:{last};{first};;;"), &at),
                fold(&format!("EMAIL:{email}"), &at),
            );
            prop_assert_eq!(parse_vcards(&plain).unwrap(), parse_vcards(&folded).unwrap());
        }
    }
}
