//! Phone numbers that can receive a text.
//!
//! Contact lists arrive with numbers in every shape people type ("(212) 456-7890",
//! "212.456.7890", "+1 212 456 7890"). They become one [`PhoneNumber`] in E.164 form
//! ("+12124567890") at the edge, so duplicates collapse and the carrier API gets what it
//! expects.
//!
//! Validation is Google's libphonenumber data through the `phonenumber` crate. That crate
//! costs about 11 µs a number (regular expressions over the metadata), which is 11 s of CPU
//! for a million-row import, so the shapes that make up nearly every row of a US list — ten
//! digits, or eleven starting with 1, with the usual punctuation — take a fast path that
//! answers from a table of NANP area codes derived from the same metadata. Anything the table
//! cannot answer exactly (international numbers, odd formats, Caribbean area codes whose
//! mobile and landline exchanges differ) goes to the library. Tests check that both paths give
//! the same answer for every area code and for random inputs.

use phonenumber::metadata::DATABASE;
use phonenumber::{country, Mode, Type};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

parsed_string_serde!(Region);

/// The country a number is assumed to be in when it is written without a country code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region {
    code: [u8; 2],
    /// Whether the region dials with +1 (the North American Numbering Plan): only then is a
    /// bare ten-digit number a NANP number the fast path can read.
    nanp: bool,
}

impl Region {
    pub const US: Region = Region { code: *b"US", nanp: true };
    pub const CA: Region = Region { code: *b"CA", nanp: true };

    /// A two-letter ISO 3166 code that the phone number metadata knows ("US", "ca", "GB").
    pub fn parse(raw: &str) -> Result<Region, String> {
        let upper = raw.trim().to_ascii_uppercase();
        let unknown = || format!("\"{}\" is not a country code we know.", raw.trim());
        let &[a, b] = upper.as_bytes() else {
            return Err(unknown());
        };
        // The crate's list of region names, not its metadata: loading the metadata here
        // would put all of it in the browser bundle of any page with a region picker. A test
        // checks the two agree.
        upper.parse::<country::Id>().map_err(|_| unknown())?;
        Ok(Region { code: [a, b], nanp: NANP_REGIONS.contains(&upper.as_str()) })
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.code).unwrap_or("US")
    }

    fn id(&self) -> country::Id {
        // `parse` checked that the library knows the code; the constants are known codes.
        self.as_str().parse().unwrap_or(country::Id::US)
    }
}

/// The regions dialled with +1 (checked against the metadata by a test).
const NANP_REGIONS: [&str; 25] = [
    "AG", "AI", "AS", "BB", "BM", "BS", "CA", "DM", "DO", "GD", "GU", "JM", "KN", "KY", "LC", "MP", "MS", "PR", "SX",
    "TC", "TT", "US", "VC", "VG", "VI",
];

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a phone number we can text. The messages stand alone so a list import
/// can show them next to the offending row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum PhoneError {
    #[error("Enter a phone number.")]
    Empty,
    #[error("This is not a phone number.")]
    NotANumber,
    #[error("This number has too few digits.")]
    TooShort,
    #[error("This number has too many digits.")]
    TooLong,
    /// Seven digits in a +1 region: a local number written without its area code.
    #[error("This number is missing its area code.")]
    MissingAreaCode,
    #[error("This number does not start with a country code in use.")]
    UnknownCountryCode,
    /// Right length, but no such number exists for its country (unassigned area code, an
    /// exchange starting with 0 or 1, ...).
    #[error("This number is not valid for its country: check the area code and the digits.")]
    Invalid,
    #[error("This number has an extension; a text can only reach a number without one.")]
    HasExtension,
    #[error("This is a toll-free number, which cannot receive texts.")]
    TollFree,
    #[error("This is a premium-rate number, which cannot receive texts.")]
    PremiumRate,
    /// Only where the metadata can tell landlines apart; US and Canadian numbers cannot be.
    #[error("This is a landline number, which cannot receive texts.")]
    Landline,
    /// Shared-cost, personal (follow-me and machine-to-machine), pager, voicemail and other
    /// service numbers: not a phone a volunteer's text reaches a person on.
    #[error("This is a service number, not one a person can be texted on.")]
    NotTextable,
    /// 555-0100 to 555-0199, which the NANP reserves for films and examples.
    #[error("555-01XX numbers are reserved for fiction and never reach anyone.")]
    Fictional,
}

impl PhoneError {
    const ALL: [PhoneError; 13] = [
        PhoneError::Empty,
        PhoneError::NotANumber,
        PhoneError::TooShort,
        PhoneError::TooLong,
        PhoneError::MissingAreaCode,
        PhoneError::UnknownCountryCode,
        PhoneError::Invalid,
        PhoneError::HasExtension,
        PhoneError::TollFree,
        PhoneError::PremiumRate,
        PhoneError::Landline,
        PhoneError::NotTextable,
        PhoneError::Fictional,
    ];

    /// A stable name, for storing why an import left a row out.
    pub fn code(self) -> &'static str {
        match self {
            PhoneError::Empty => "empty",
            PhoneError::NotANumber => "not_a_number",
            PhoneError::TooShort => "too_short",
            PhoneError::TooLong => "too_long",
            PhoneError::MissingAreaCode => "missing_area_code",
            PhoneError::UnknownCountryCode => "unknown_country_code",
            PhoneError::Invalid => "invalid",
            PhoneError::HasExtension => "extension",
            PhoneError::TollFree => "toll_free",
            PhoneError::PremiumRate => "premium_rate",
            PhoneError::Landline => "landline",
            PhoneError::NotTextable => "service_number",
            PhoneError::Fictional => "fictional",
        }
    }

    pub fn from_code(code: &str) -> Option<PhoneError> {
        PhoneError::ALL.into_iter().find(|e| e.code() == code)
    }

    /// The reason in a few words, for a column of a rejects file.
    pub fn short_reason(self) -> &'static str {
        match self {
            PhoneError::Empty => "no cell phone number",
            PhoneError::NotANumber => "not a phone number (letters or symbols)",
            PhoneError::TooShort => "too few digits for a phone number",
            PhoneError::TooLong => "too many digits for a phone number",
            PhoneError::MissingAreaCode => "missing its area code",
            PhoneError::UnknownCountryCode => "no country uses that country code",
            PhoneError::Invalid => "not a valid number for its country (check the area code and digits)",
            PhoneError::HasExtension => "has an extension: a text cannot reach an extension",
            PhoneError::TollFree => "a toll-free number: cannot receive texts",
            PhoneError::PremiumRate => "a premium-rate number: cannot receive texts",
            PhoneError::Landline => "a landline: cannot receive texts",
            PhoneError::NotTextable => "a service number: no person can be texted on it",
            PhoneError::Fictional => "a fictional 555-01XX number: reaches no one",
        }
    }
}

/// A number that can receive a text, held in E.164 form ("+12124567890").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

/// Longer input is pasted prose, not a number; refusing it keeps the library's regular
/// expressions away from it.
const MAX_INPUT_LEN: usize = 100;

impl PhoneNumber {
    /// Reads a number as people write it; numbers without a country code are taken to be in
    /// `default_region`.
    ///
    /// Browser code that calls this pulls the phone metadata into the wasm bundle (about
    /// 2 MB, 0.5 MB compressed), because anything off the fast path needs it; prefer sending
    /// raw input to the server, which parses it anyway.
    pub fn parse(raw: &str, default_region: Region) -> Result<PhoneNumber, PhoneError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(PhoneError::Empty);
        }
        match fast_path(raw, default_region) {
            FastPath::Decided(verdict) => verdict,
            // Handing the library the canonical form also sidesteps its misreading of
            // "+1876-210-1234" (a "+" group followed by "-" or "." is taken for a longer
            // country code), so every written shape of a number gets the same answer.
            FastPath::AskLibrary(national) => parse_with_library(&format!("+1{national:010}"), default_region),
            FastPath::NotNanp => parse_with_library(raw, default_region),
        }
    }

    /// Reads a stored or transmitted number: E.164, "+" and digits only, fully validated.
    pub fn from_e164(raw: &str) -> Result<PhoneNumber, PhoneError> {
        if !is_e164_shape(raw) {
            return Err(PhoneError::NotANumber);
        }
        // With a leading "+" the region is never consulted.
        PhoneNumber::parse(raw, Region::US)
    }

    /// E.164: "+" and digits, what carriers and the database use.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For display: "(212) 456-7890" for +1 numbers. Other numbers stay in E.164 form
    /// ("+447911123456"), which is how a volunteer in North America would dial them; it also
    /// keeps the phone metadata out of the browser, so server and browser render the same.
    pub fn national_format(&self) -> String {
        match self.nanp_national() {
            Some(national) => {
                let (area, rest) = national.split_at(3);
                let (exchange, line) = rest.split_at(3);
                format!("({area}) {exchange}-{line}")
            }
            None => self.0.clone(),
        }
    }

    /// The area code of a +1 (NANP) number, the fallback signal for the contact's time zone.
    pub fn area_code(&self) -> Option<u16> {
        self.nanp_national().and_then(|national| national[..3].parse().ok())
    }

    fn nanp_national(&self) -> Option<&str> {
        self.0.strip_prefix("+1").filter(|national| national.len() == 10)
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Stored and transmitted numbers must be E.164 exactly. The server (and tests) also check
/// them against the metadata, since they may come from a browser. The browser only receives
/// numbers from the server, which checked them; checking the shape there keeps the metadata
/// (about 2 MB of wasm) out of the bundle of every page that shows a contact.
impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        let invalid = |e: PhoneError| serde::de::Error::custom(format!("{raw:?}: {e}"));
        if !is_e164_shape(&raw) {
            return Err(invalid(PhoneError::NotANumber));
        }
        #[cfg(any(feature = "ssr", not(feature = "hydrate")))]
        return PhoneNumber::from_e164(&raw).map_err(invalid);
        #[cfg(not(any(feature = "ssr", not(feature = "hydrate"))))]
        return Ok(PhoneNumber(raw));
    }
}

/// "+", a country code that does not start with 0, and at most 15 digits in all (ITU E.164).
fn is_e164_shape(raw: &str) -> bool {
    match raw.as_bytes() {
        [b'+', first, rest @ ..] => {
            (b'1'..=b'9').contains(first) && (6..=14).contains(&rest.len()) && rest.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// The general path: whatever the library makes of the input.
fn parse_with_library(raw: &str, region: Region) -> Result<PhoneNumber, PhoneError> {
    if raw.len() > MAX_INPUT_LEN {
        return Err(PhoneError::NotANumber);
    }
    let number = phonenumber::parse(Some(region.id()), raw).map_err(|e| match e {
        phonenumber::ParseError::InvalidCountryCode => PhoneError::UnknownCountryCode,
        phonenumber::ParseError::TooShortAfterIdd | phonenumber::ParseError::TooShortNsn => PhoneError::TooShort,
        phonenumber::ParseError::TooLong => PhoneError::TooLong,
        phonenumber::ParseError::NoNumber | phonenumber::ParseError::MalformedInteger(_) => PhoneError::NotANumber,
    })?;
    // An extension means an office switchboard: the text would go to the main line.
    if number.extension().is_some() {
        return Err(PhoneError::HasExtension);
    }
    let nanp = number.code().value() == 1;
    let national = number.national().value();
    // `number_type` is `Unknown` exactly when `is_valid` is false; asking once saves a second
    // pass over the metadata.
    match number.number_type(&DATABASE) {
        // US and Canadian numbers are all "fixed line or mobile": the number does not say,
        // and landlines are rare enough on campaign lists that the carrier's error is the
        // cheaper check. VoIP numbers (Google Voice and the like) take texts.
        Type::Mobile | Type::FixedLineOrMobile | Type::Voip => {}
        Type::FixedLine => return Err(PhoneError::Landline),
        Type::TollFree => return Err(PhoneError::TollFree),
        Type::PremiumRate => return Err(PhoneError::PremiumRate),
        Type::Unknown if nanp && national < 10_000_000 => return Err(PhoneError::MissingAreaCode),
        Type::Unknown => return Err(PhoneError::Invalid),
        Type::SharedCost
        | Type::PersonalNumber
        | Type::Pager
        | Type::Uan
        | Type::Emergency
        | Type::Voicemail
        | Type::ShortCode
        | Type::StandardRate
        | Type::Carrier
        | Type::NoInternational => return Err(PhoneError::NotTextable),
    }
    if nanp && is_fictional(national) {
        return Err(PhoneError::Fictional);
    }
    Ok(PhoneNumber(number.format().mode(Mode::E164).to_string()))
}

/// 555-0100 to 555-0199 in any area code (NANPA reserves them for fiction). The library calls
/// them valid — its own example number is one — so both paths check this after it.
fn is_fictional(national: u64) -> bool {
    let exchange = national / 10_000 % 1000;
    let line = national % 10_000;
    national < 10_000_000_000 && exchange == 555 && (100..=199).contains(&line)
}

#[derive(Debug, PartialEq)]
enum FastPath {
    /// A plain NANP number the area-code table decides.
    Decided(Result<PhoneNumber, PhoneError>),
    /// A plain NANP number (this ten-digit national number) in an area code only the library
    /// can judge.
    AskLibrary(u64),
    /// Not a plain NANP number: the library reads the input as written.
    NotNanp,
}

fn fast_path(raw: &str, region: Region) -> FastPath {
    let Some(national) = nanp_digits(raw, region) else {
        return FastPath::NotNanp;
    };
    let area = (national / 10_000_000) as usize;
    let exchange = national / 10_000 % 1000;
    // A leading 0 or 1 is read as a trunk prefix by the library; let it read the input.
    let Some(class) = area.checked_sub(200).and_then(|i| AREA_CODES.get(i)) else {
        return FastPath::NotNanp;
    };
    let verdict = match class {
        AreaClass::Library => return FastPath::AskLibrary(national),
        // "800-14X" is toll-free too, in the Dominican Republic's metadata of all places.
        AreaClass::TollFree if exchange < 200 => return FastPath::AskLibrary(national),
        // Outside that, no area code in the table takes an exchange starting with 0 or 1.
        _ if exchange < 200 => Err(PhoneError::Invalid),
        AreaClass::Unassigned => Err(PhoneError::Invalid),
        AreaClass::TollFree => Err(PhoneError::TollFree),
        AreaClass::Premium => Err(PhoneError::PremiumRate),
        AreaClass::Geographic if is_fictional(national) => Err(PhoneError::Fictional),
        AreaClass::Geographic => Ok(PhoneNumber(format!("+1{national:010}"))),
    };
    FastPath::Decided(verdict)
}

/// The ten-digit national number when `raw` is only digits and `( ) - . space`, with an
/// optional leading "+", and reads as a NANP number: "+1" and ten digits, or (in a +1 region)
/// ten digits or "1" and ten digits. Anything else — letters, extensions, other separators,
/// other lengths — is the library's to read.
fn nanp_digits(raw: &str, region: Region) -> Option<u64> {
    let (plus, rest) = match raw.as_bytes() {
        [b'+', rest @ ..] => (true, rest),
        bytes => (false, bytes),
    };
    let mut value: u64 = 0;
    let mut count = 0;
    for &b in rest {
        match b {
            b'0'..=b'9' => {
                if count == 11 {
                    return None;
                }
                value = value * 10 + u64::from(b - b'0');
                count += 1;
            }
            b' ' | b'(' | b')' | b'-' | b'.' => {}
            _ => return None,
        }
    }
    match count {
        11 if value / 10_000_000_000 == 1 && (plus || region.nanp) => Some(value % 10_000_000_000),
        10 if !plus && region.nanp => Some(value),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AreaClass {
    /// No region claims it: every number in it is invalid.
    Unassigned,
    /// US, Canadian or Puerto Rican: every exchange 2XX–9XX is a valid "fixed line or mobile"
    /// number, 0XX and 1XX none.
    Geographic,
    TollFree,
    Premium,
    /// Validity or type depends on the exchange (Caribbean islands, partly opened codes,
    /// non-geographic services): only the library can say.
    Library,
}

// Derived from the `phonenumber` crate's metadata (0.3.10+9.0.33) by classifying every area
// code over all exchanges; `table_agrees_with_library_for_every_area_code` re-derives it, so a
// metadata update that changes an area code fails that test instead of making the two paths
// disagree. Area codes in none of these lists are unassigned.
const GEOGRAPHIC: &[u16] = &[
    201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 220, 223, 224, 225, 226,
    227, 228, 229, 231, 234, 235, 236, 239, 240, 248, 249, 250, 251, 252, 253, 254, 256, 257, 260, 262, 263, 267, 269,
    270, 272, 276, 279, 281, 283, 289, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 312, 313, 314, 315, 316, 317,
    318, 319, 320, 321, 323, 324, 325, 326, 327, 329, 330, 331, 332, 334, 336, 337, 339, 341, 343, 346, 347, 350, 351,
    352, 353, 354, 360, 361, 363, 364, 365, 367, 368, 369, 380, 382, 385, 386, 401, 402, 403, 404, 405, 406, 407, 408,
    409, 410, 412, 413, 414, 415, 416, 417, 418, 419, 423, 424, 425, 428, 430, 431, 432, 434, 435, 437, 438, 440, 442,
    443, 445, 447, 448, 450, 458, 463, 464, 468, 469, 470, 474, 475, 478, 479, 480, 484, 501, 502, 503, 504, 505, 506,
    507, 508, 509, 510, 512, 513, 514, 515, 516, 517, 518, 519, 520, 530, 531, 534, 539, 540, 541, 548, 551, 557, 559,
    561, 562, 563, 564, 567, 570, 571, 572, 573, 574, 575, 579, 580, 581, 582, 584, 585, 586, 587, 601, 602, 603, 604,
    605, 606, 607, 608, 609, 610, 612, 613, 614, 615, 616, 617, 618, 619, 620, 623, 626, 628, 629, 630, 631, 636, 639,
    640, 641, 645, 646, 647, 650, 651, 656, 657, 659, 660, 661, 662, 667, 669, 672, 678, 680, 681, 682, 683, 686, 689,
    701, 702, 703, 704, 705, 706, 707, 708, 709, 712, 713, 714, 715, 716, 717, 718, 719, 720, 724, 725, 726, 727, 728,
    730, 731, 732, 734, 737, 738, 740, 742, 743, 747, 748, 753, 754, 757, 760, 762, 763, 765, 769, 770, 771, 772, 773,
    774, 775, 778, 779, 780, 781, 782, 785, 786, 787, 801, 802, 803, 804, 805, 806, 807, 808, 810, 812, 813, 814, 815,
    816, 817, 818, 819, 820, 821, 825, 826, 828, 830, 831, 832, 835, 838, 839, 840, 843, 845, 847, 848, 850, 854, 856,
    857, 858, 859, 860, 862, 863, 864, 865, 867, 870, 872, 873, 878, 879, 901, 902, 903, 904, 905, 906, 907, 908, 909,
    910, 912, 913, 914, 915, 916, 917, 918, 919, 920, 925, 928, 929, 930, 931, 934, 936, 937, 938, 939, 940, 941, 942,
    943, 945, 947, 948, 949, 951, 952, 954, 956, 959, 970, 971, 972, 973, 975, 978, 979, 980, 984, 985, 986, 989,
];
const TOLL_FREE: &[u16] = &[800, 833, 844, 855, 866, 877, 888];
const PREMIUM: &[u16] = &[900];
const LIBRARY: &[u16] = &[
    242, 246, 264, 268, 274, 284, 340, 345, 441, 472, 473, 500, 521, 522, 523, 524, 525, 526, 527, 528, 529, 532, 533,
    544, 566, 577, 588, 600, 622, 633, 649, 658, 664, 670, 671, 684, 721, 758, 767, 784, 809, 829, 849, 868, 869, 876,
    983,
];

/// Area codes 200–999 by class, built at compile time so a lookup is one index.
static AREA_CODES: [AreaClass; 800] = build_area_codes();

const fn build_area_codes() -> [AreaClass; 800] {
    let mut table = [AreaClass::Unassigned; 800];
    let lists: [(&[u16], AreaClass); 4] = [
        (GEOGRAPHIC, AreaClass::Geographic),
        (TOLL_FREE, AreaClass::TollFree),
        (PREMIUM, AreaClass::Premium),
        (LIBRARY, AreaClass::Library),
    ];
    let mut l = 0;
    while l < lists.len() {
        let (codes, class) = lists[l];
        let mut i = 0;
        while i < codes.len() {
            table[codes[i] as usize - 200] = class;
            i += 1;
        }
        l += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn us(raw: &str) -> Result<PhoneNumber, PhoneError> {
        PhoneNumber::parse(raw, Region::US)
    }

    #[test]
    fn accepts_the_ways_people_write_us_numbers() {
        for raw in [
            "(212) 456-7890",
            "212.456.7890",
            "212-456-7890",
            "2124567890",
            "+1 212 456 7890",
            "+1 (212) 456-7890",
            "1-212-456-7890",
            "1 (212) 456 7890",
            "12124567890",
            "+12124567890",
            "  212 456 7890 ",
            // Forms only the library reads.
            "tel:+1-212-456-7890",
            "011 1 212 456 7890",
            "+1/212/456/7890",
        ] {
            assert_eq!(us(raw).map(|p| p.0), Ok("+12124567890".to_string()), "{raw:?}");
        }
    }

    #[test]
    fn reads_other_countries() {
        // A UK mobile, with and without the default region.
        let gb = Region::parse("gb").unwrap();
        assert_eq!(us("+44 7911 123456").unwrap().as_str(), "+447911123456");
        assert_eq!(PhoneNumber::parse("07911 123456", gb).unwrap().as_str(), "+447911123456");
        // A Canadian number read with either NANP default.
        assert_eq!(us("(416) 555-2671").unwrap().as_str(), "+14165552671");
        assert_eq!(PhoneNumber::parse("416 555 2671", Region::CA).unwrap().as_str(), "+14165552671");
        // Outside +1 regions a bare ten-digit number is a national number of that country.
        assert!(PhoneNumber::parse("2124567890", gb).is_err());
        assert_eq!(PhoneNumber::parse("+1 212 456 7890", gb).unwrap().as_str(), "+12124567890");
    }

    #[test]
    fn names_each_problem() {
        let cases = [
            ("", PhoneError::Empty),
            ("   ", PhoneError::Empty),
            ("call me", PhoneError::NotANumber),
            ("12", PhoneError::TooShort),
            ("1", PhoneError::NotANumber),
            ("456-7890", PhoneError::MissingAreaCode),
            ("212-456-7890 x123", PhoneError::HasExtension),
            ("212-456-7890 ext. 4", PhoneError::HasExtension),
            ("(800) 555-2671", PhoneError::TollFree),
            ("1-888-456-7890", PhoneError::TollFree),
            ("+1 900 456 7890", PhoneError::PremiumRate),
            ("(555) 123-4567", PhoneError::Invalid), // 555 is not an area code
            ("(212) 123-4567", PhoneError::Invalid), // exchanges never start with 1
            ("(211) 456-7890", PhoneError::Invalid), // N11 codes are service codes
            ("(299) 456-7890", PhoneError::Invalid), // unassigned
            ("(212) 555-0123", PhoneError::Fictional),
            ("+1 212 555 0199", PhoneError::Fictional),
            ("+44 20 7946 0958", PhoneError::Landline),
            ("+999 1234 5678", PhoneError::UnknownCountryCode),
            ("+1 212 456 7890 1234 5678", PhoneError::TooLong),
        ];
        for (raw, expected) in cases {
            assert_eq!(us(raw), Err(expected), "{raw:?}");
        }
        assert!(us(&"2".repeat(500)).is_err());
        // Messages name the problem.
        assert!(PhoneError::TollFree.to_string().contains("toll-free"));
        assert!(PhoneError::HasExtension.to_string().contains("extension"));
    }

    #[test]
    fn fictional_range_is_exactly_0100_to_0199() {
        assert!(us("(212) 555-0100").is_err());
        assert!(us("(212) 555-0199").is_err());
        assert!(us("(212) 555-0200").is_ok());
        assert!(us("(212) 555-0099").is_ok());
        assert!(us("(212) 555-1234").is_ok());
    }

    #[test]
    fn formats_for_display() {
        let number = us("+1 212 456 7890").unwrap();
        assert_eq!(number.national_format(), "(212) 456-7890");
        assert_eq!(number.area_code(), Some(212));
        assert_eq!(number.to_string(), "+12124567890");
        let uk = us("+44 7911 123456").unwrap();
        assert_eq!(uk.national_format(), "+447911123456");
        assert_eq!(uk.area_code(), None);
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let number = us("(212) 456-7890").unwrap();
        let json = serde_json::to_string(&number).unwrap();
        assert_eq!(json, "\"+12124567890\"");
        assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), number);
        for bad in [
            "\"2124567890\"",
            "\"+18004567890\"",
            "\"+1 212 456 7890\"",
            "\"+1212\"",
            "\"+01234567890\"",
            "\"hello\"",
            "\"\"",
        ] {
            assert!(serde_json::from_str::<PhoneNumber>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn region_list_matches_metadata() {
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let code = String::from_utf8(vec![a, b]).unwrap();
                let meta = DATABASE.by_id(code.as_str());
                match Region::parse(&code) {
                    Ok(region) => {
                        let meta = meta.unwrap_or_else(|| panic!("{code} has no metadata"));
                        assert_eq!(region.nanp, meta.country_code() == 1, "{code}");
                    }
                    Err(_) => assert!(meta.is_none(), "{code} has metadata"),
                }
            }
        }
    }

    #[test]
    fn regions() {
        assert_eq!(Region::parse(" ca ").unwrap(), Region::CA);
        assert_eq!(Region::parse("US").unwrap(), Region::US);
        assert!(Region::parse("JM").unwrap().nanp);
        assert!(!Region::parse("GB").unwrap().nanp);
        for bad in ["", "USA", "ZZ", "001", "1"] {
            assert!(Region::parse(bad).is_err(), "{bad:?}");
        }
    }

    /// Every area code against the library: every first two digits of the exchange (the
    /// exceptions live in 0XX and 1XX), two exchanges for each other first digit, and a spread
    /// of line numbers. This is what keeps the hand-kept table honest.
    #[test]
    fn table_agrees_with_library_for_every_area_code() {
        let exchanges = (0..20).map(|d| d * 10 + 4).chain((2..10).flat_map(|d| [d * 100, d * 100 + 55]));
        for area in 200..1000u64 {
            for (i, exchange) in exchanges.clone().enumerate() {
                let line = (area * 7919 + i as u64 * 104_729) % 10_000;
                let national = area * 10_000_000 + exchange * 10_000 + line;
                let raw = format!("+1{national:010}");
                match fast_path(&raw, Region::US) {
                    FastPath::Decided(verdict) => {
                        assert_eq!(verdict, parse_with_library(&raw, Region::US), "{raw}")
                    }
                    FastPath::AskLibrary(n) => {
                        assert_eq!(n, national);
                        let class = AREA_CODES[area as usize - 200];
                        assert!(class == AreaClass::Library || class == AreaClass::TollFree, "{raw}");
                    }
                    FastPath::NotNanp => panic!("{raw}"),
                }
            }
        }
    }

    #[test]
    fn table_lists_are_sorted_and_disjoint() {
        let mut all: Vec<u16> = [GEOGRAPHIC, TOLL_FREE, PREMIUM, LIBRARY].concat();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
        assert!(all.iter().all(|c| (200..1000).contains(c)));
        assert!(GEOGRAPHIC.windows(2).all(|w| w[0] < w[1]));
    }

    /// What the library alone makes of `raw`. It misreads "+1201-456-7890" (see `parse`), so
    /// such input is given to it with the country code set apart, as "+1 201-456-7890".
    fn library_reading(raw: &str, region: Region) -> Result<PhoneNumber, PhoneError> {
        match raw.strip_prefix("+1") {
            Some(rest) => parse_with_library(&format!("+1 {rest}"), region),
            None => parse_with_library(raw, region),
        }
    }

    #[test]
    fn library_quirk_does_not_reach_callers() {
        assert_eq!(parse_with_library("+1212-456-7890", Region::US), Err(PhoneError::UnknownCountryCode));
        assert_eq!(us("+1212-456-7890").unwrap().as_str(), "+12124567890");
        // Also for area codes the library decides (Jamaica).
        assert_eq!(us("+1876.210.1234"), library_reading("+1876.210.1234", Region::US));
        assert!(us("+1876.210.1234").is_ok());
    }

    /// All +1 regions, to check that a bare ten-digit number means the same in each.
    fn nanp_region() -> impl Strategy<Value = Region> {
        prop::sample::select(vec![
            "US", "CA", "PR", "VI", "GU", "AS", "MP", "JM", "BS", "BB", "AG", "AI", "BM", "DM", "DO", "GD", "KN", "KY",
            "LC", "MS", "SX", "TC", "TT", "VC", "VG",
        ])
        .prop_map(|code| Region::parse(code).unwrap())
    }

    /// The written shapes the fast path takes, around a ten-digit national number.
    fn written(national: u64, shape: usize, seps: &[&str]) -> String {
        let s = format!("{national:010}");
        let (a, e, l) = (&s[..3], &s[3..6], &s[6..]);
        let [s1, s2, s3] = [seps[0], seps[1], seps[2]];
        match shape % 6 {
            0 => format!("{a}{s1}{e}{s2}{l}"),
            1 => format!("({a}){s1}{e}{s2}{l}"),
            2 => format!("+1{s3}{a}{s1}{e}{s2}{l}"),
            3 => format!("1{s3}{a}{s1}{e}{s2}{l}"),
            4 => format!("+1{s3}({a}){s1}{e}{s2}{l}"),
            _ => format!("1{s3}({a}){s1}{e}{s2}{l}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// The fast path and the library agree on numbers in the shapes the fast path takes,
        /// valid or not.
        #[test]
        fn fast_path_agrees_with_library(
            area in 200u64..1000,
            exchange in 0u64..1000,
            line in 0u64..10_000,
            shape in 0usize..6,
            seps in prop::collection::vec(prop::sample::select(vec!["", " ", "-", ".", " - "]), 3),
            region in nanp_region(),
        ) {
            let raw = written(area * 10_000_000 + exchange * 10_000 + line, shape, &seps);
            if fast_path(&raw, region) != FastPath::NotNanp {
                let parsed = PhoneNumber::parse(&raw, region);
                prop_assert_eq!(parsed, library_reading(&raw, region), "{}", raw);
            }
        }

        /// Biased to valid numbers: area codes from the geographic list, so most go the fast
        /// way and most are accepted.
        #[test]
        fn fast_path_agrees_on_valid_numbers(
            area in prop::sample::select(GEOGRAPHIC),
            exchange in 200u64..1000,
            line in 0u64..10_000,
            shape in 0usize..6,
            seps in prop::collection::vec(prop::sample::select(vec!["", " ", "-", "."]), 3),
        ) {
            let national = u64::from(area) * 10_000_000 + exchange * 10_000 + line;
            let raw = written(national, shape, &seps);
            let fast = fast_path(&raw, Region::US);
            let library = library_reading(&raw, Region::US);
            prop_assert_eq!(fast, FastPath::Decided(library.clone()), "{}", raw);
            if let Ok(number) = library {
                prop_assert_eq!(number.area_code(), Some(area));
            }
        }

        /// Random punctuation soup over the fast path's alphabet.
        #[test]
        fn fast_path_agrees_on_odd_punctuation(raw in "\\+?[0-9 ().-]{10,20}") {
            if fast_path(&raw, Region::US) != FastPath::NotNanp {
                prop_assert_eq!(us(&raw), library_reading(&raw, Region::US), "{}", raw);
            }
        }

        #[test]
        fn parsed_numbers_are_stable(raw in "\\+?[0-9 ()-]{7,16}") {
            if let Ok(number) = us(&raw) {
                prop_assert_eq!(PhoneNumber::from_e164(number.as_str()), Ok(number.clone()));
                if number.area_code().is_some() {
                    prop_assert_eq!(us(&number.national_format()), Ok(number.clone()));
                }
                prop_assert!(number.as_str().starts_with('+'));
                prop_assert!(number.as_str()[1..].bytes().all(|b| b.is_ascii_digit()));
            }
        }

        #[test]
        fn never_panics(raw in ".{0,120}") {
            let _ = us(&raw);
        }
    }

    #[test]
    fn every_error_has_a_code_that_reads_back_and_a_short_reason() {
        for e in PhoneError::ALL {
            assert_eq!(PhoneError::from_code(e.code()), Some(e));
            assert!(!e.short_reason().contains(','), "a reason is one CSV cell without quotes: {e:?}");
        }
        assert_eq!(PhoneError::from_code("nope"), None);
        let reason = |raw: &str| PhoneNumber::parse(raw, Region::US).unwrap_err().short_reason();
        assert_eq!(reason("(312) 555-0123"), "a fictional 555-01XX number: reaches no one");
        assert_eq!(reason("not a number"), "not a phone number (letters or symbols)");
        assert_eq!(reason("312-456-7890 ext. 12"), "has an extension: a text cannot reach an extension");
        assert_eq!(reason("456-7890"), "missing its area code");
        assert_eq!(reason("12345"), "missing its area code");
    }
}
