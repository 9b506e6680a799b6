//! SMS segment arithmetic. Carriers bill, and Twilio rate-limits, per segment, so the script
//! editor shows the count live and the sender uses the same numbers: both sides must agree
//! exactly, which is why this is plain Rust in `app` rather than a JavaScript estimate.
//!
//! The rules (3GPP TS 23.038 / 23.040, as applied by Twilio and US carriers):
//! - A message is GSM-7 if every character is in the GSM 03.38 basic set or its extension
//!   table; one character outside both switches the *whole* message to UCS-2.
//! - GSM-7 counts septets: basic characters take 1, extension characters (`^ { } \ [ ~ ] | €`
//!   and form feed) take 2 because they are sent as ESC + character.
//! - UCS-2 counts UTF-16 code units, so an emoji outside the Basic Multilingual Plane (a
//!   surrogate pair) takes 2.
//! - One segment holds 160 septets or 70 units. Longer messages are split into parts that
//!   each lose room to the concatenation header: 153 septets or 67 units per part.
//! - A part never ends halfway through an ESC sequence or a surrogate pair: the 2-unit
//!   character moves whole into the next part, leaving one unit unused. Twilio and handsets
//!   do this (a split pair or escape would render as garbage), so the count here can be one
//!   more than `ceil(units / 153)` and that is the number that will be billed. Grapheme
//!   clusters (a family emoji joined with ZWJ, a flag) *can* be split between code points,
//!   as Twilio does; we follow Twilio rather than guess at a stricter carrier.

use serde::{Deserialize, Serialize};

/// How a message is encoded on the air.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// The 7-bit GSM alphabet: 160 characters in one segment.
    Gsm7,
    /// UTF-16 (strictly UCS-2 on older networks): 70 units in one segment.
    Ucs2,
}

impl Encoding {
    /// Units that fit in a message sent as a single segment.
    pub const fn single_segment_limit(self) -> usize {
        match self {
            Encoding::Gsm7 => 160,
            Encoding::Ucs2 => 70,
        }
    }

    /// Units per part once a message has to be split (the rest is the concatenation header).
    pub const fn multipart_segment_limit(self) -> usize {
        match self {
            Encoding::Gsm7 => 153,
            Encoding::Ucs2 => 67,
        }
    }

    /// What the editor shows next to the counter.
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "Unicode (UCS-2)",
        }
    }
}

/// Everything the editor needs to explain a message's cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentInfo {
    pub encoding: Encoding,
    /// Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2. This is
    /// the raw total: room left unused at a part boundary (see the module docs) is not in it.
    pub units: usize,
    /// Segments that will be billed; 0 for empty text.
    pub segments: usize,
    /// Capacity of one segment at the current size: 160/70 while the message fits in one,
    /// 153/67 once it is split.
    pub per_segment_limit: usize,
    /// Units still free in the last segment before another is needed. Empty text reports the
    /// single-segment GSM-7 capacity (160).
    pub remaining_in_segment: usize,
    /// The characters that forced UCS-2, with their index counted in `char`s (Unicode scalar
    /// values, not bytes or UTF-16 units). Empty exactly when `encoding` is GSM-7.
    pub ucs2_chars: Vec<(usize, char)>,
}

/// Namespace for segment counting.
pub struct Segments;

impl Segments {
    /// Counts `text` as it will be sent: GSM-7 if it can be, UCS-2 otherwise.
    pub fn count(text: &str) -> SegmentInfo {
        let ucs2_chars = Self::offending_chars(text);
        let encoding = if ucs2_chars.is_empty() { Encoding::Gsm7 } else { Encoding::Ucs2 };
        measure(text, encoding, ucs2_chars)
    }

    /// Counts `text` as UCS-2 even if it is all GSM-7. Used for worst-case estimates, where a
    /// value that is not in the text being measured would switch the real message to UCS-2.
    pub(crate) fn count_as_ucs2(text: &str) -> SegmentInfo {
        measure(text, Encoding::Ucs2, Self::offending_chars(text))
    }

    /// The characters outside GSM-7 (basic set and extension table), with their `char` index,
    /// so the editor can highlight what is making the message expensive.
    pub fn offending_chars(text: &str) -> Vec<(usize, char)> {
        text.chars().enumerate().filter(|&(_, c)| gsm7_septets(c).is_none()).collect()
    }
}

/// Septets a character takes in GSM-7: 1 for the basic set, 2 for the extension table (sent as
/// ESC + code), `None` if it cannot be sent as GSM-7 at all.
pub fn gsm7_septets(c: char) -> Option<usize> {
    match c {
        // Extension table. Matched first: several of these sit inside the ASCII range below.
        '\u{0C}' | '^' | '{' | '}' | '\\' | '[' | '~' | ']' | '|' | '€' => Some(2),
        // Printable ASCII except the backtick (0x60), which GSM does not have; `[\]^` were
        // taken by the arm above.
        '\n' | '\r' | ' '..='_' | 'a'..='z' => Some(1),
        // The rest of the basic set. Note what is *not* here: á í ó ú (and ç, lower case)
        // force UCS-2, which surprises Spanish-language campaigns.
        '£' | '¥' | 'è' | 'é' | 'ù' | 'ì' | 'ò' | 'Ç' | 'Ø' | 'ø' | 'Å' | 'å' | 'Δ' | 'Φ' | 'Γ' | 'Λ' | 'Ω' | 'Π'
        | 'Ψ' | 'Σ' | 'Θ' | 'Ξ' | 'Æ' | 'æ' | 'ß' | 'É' | '¤' | '¡' | 'Ä' | 'Ö' | 'Ñ' | 'Ü' | '§' | '¿' | 'ä' | 'ö'
        | 'ñ' | 'ü' | 'à' => Some(1),
        _ => None,
    }
}

fn unit_width(c: char, encoding: Encoding) -> usize {
    match encoding {
        // Only reached for text already known to be GSM-7; 1 keeps it total regardless.
        Encoding::Gsm7 => gsm7_septets(c).unwrap_or(1),
        Encoding::Ucs2 => c.len_utf16(),
    }
}

fn measure(text: &str, encoding: Encoding, ucs2_chars: Vec<(usize, char)>) -> SegmentInfo {
    let single = encoding.single_segment_limit();
    let part = encoding.multipart_segment_limit();
    let units: usize = text.chars().map(|c| unit_width(c, encoding)).sum();
    let (segments, per_segment_limit, remaining_in_segment) = if units == 0 {
        (0, single, single)
    } else if units <= single {
        (1, single, single - units)
    } else {
        // Greedy packing: a character that does not fit whole starts the next part. Widths
        // are 1 or 2, so at most one unit per part is lost.
        let mut segments = 1;
        let mut fill = 0;
        for c in text.chars() {
            let width = unit_width(c, encoding);
            if fill + width > part {
                segments += 1;
                fill = 0;
            }
            fill += width;
        }
        (segments, part, part - fill)
    };
    SegmentInfo { encoding, units, segments, per_segment_limit, remaining_in_segment, ucs2_chars }
}

/// Typographic look-alikes and their GSM-7 stand-ins. Word processors and phones insert these
/// silently (smart quotes, "--" becoming a dash), and each one would double the cost of a
/// message. Letters with accents are deliberately absent: "Sí" and "Si" mean different
/// things, so dropping an accent is the author's call, not ours.
const REPLACEMENTS: &[(char, &str)] = &[
    // Single quotes, apostrophes and primes.
    ('\u{2018}', "'"), // ‘
    ('\u{2019}', "'"), // ’
    ('\u{201A}', "'"), // ‚
    ('\u{201B}', "'"), // ‛
    ('\u{2032}', "'"), // ′
    ('\u{2035}', "'"), // ‵
    ('\u{02B9}', "'"), // ʹ
    ('\u{02BB}', "'"), // ʻ
    ('\u{02BC}', "'"), // ʼ
    ('\u{02BD}', "'"), // ʽ
    ('\u{02C8}', "'"), // ˈ
    ('\u{0060}', "'"), // ` (the one ASCII character GSM lacks)
    ('\u{00B4}', "'"), // ´
    // Double quotes.
    ('\u{201C}', "\""), // “
    ('\u{201D}', "\""), // ”
    ('\u{201E}', "\""), // „
    ('\u{201F}', "\""), // ‟
    ('\u{2033}', "\""), // ″
    ('\u{2036}', "\""), // ‶
    ('\u{02BA}', "\""), // ʺ
    ('\u{00AB}', "\""), // «
    ('\u{00BB}', "\""), // »
    ('\u{2039}', "<"),  // ‹
    ('\u{203A}', ">"),  // ›
    // Dashes and hyphens.
    ('\u{2010}', "-"), // hyphen
    ('\u{2011}', "-"), // non-breaking hyphen
    ('\u{2012}', "-"), // figure dash
    ('\u{2013}', "-"), // – en dash
    ('\u{2014}', "-"), // — em dash
    ('\u{2015}', "-"), // horizontal bar
    ('\u{2043}', "-"), // hyphen bullet
    ('\u{2212}', "-"), // minus sign
    // Other punctuation.
    ('\u{2026}', "..."), // …
    ('\u{2044}', "/"),   // fraction slash
    ('\u{02C6}', "^"),   // modifier circumflex
    ('\u{02DC}', "~"),   // small tilde
    // Spaces that look like a space.
    ('\t', " "),
    ('\u{00A0}', " "), // no-break space
    ('\u{1680}', " "),
    ('\u{2000}', " "),
    ('\u{2001}', " "),
    ('\u{2002}', " "),
    ('\u{2003}', " "),
    ('\u{2004}', " "),
    ('\u{2005}', " "),
    ('\u{2006}', " "),
    ('\u{2007}', " "),
    ('\u{2008}', " "),
    ('\u{2009}', " "),
    ('\u{200A}', " "),
    ('\u{202F}', " "), // narrow no-break space (French punctuation, macOS)
    ('\u{205F}', " "),
    ('\u{3000}', " "),
    ('\u{2028}', "\n"), // line separator
    ('\u{2029}', "\n"), // paragraph separator
    // Invisible characters: they show nothing, so dropping them changes nothing the reader
    // sees. The zero-width *joiner* stays, because it holds emoji sequences together.
    ('\u{00AD}', ""), // soft hyphen
    ('\u{200B}', ""), // zero-width space
    ('\u{2060}', ""), // word joiner
    ('\u{FEFF}', ""), // byte-order mark pasted from files
];

/// Replaces typographic look-alikes (curly quotes, dashes, ellipsis, odd spaces) with their
/// GSM-7 equivalents, so pasted text does not silently switch to UCS-2. Everything else,
/// including emoji and accented letters, is kept as written. Idempotent, and the identity on
/// text that is already GSM-7.
pub fn smart_replacements(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match REPLACEMENTS.iter().find(|(from, _)| *from == c) {
            Some((_, to)) => out.push_str(to),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn segments(text: &str) -> usize {
        Segments::count(text).segments
    }

    const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                             ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    const GSM_EXTENSION: &str = "\u{0C}^{}\\[~]|€";

    #[test]
    fn alphabet_matches_gsm_03_38() {
        // 128 code points less ESC, which is not a character anyone types.
        assert_eq!(GSM_BASIC.chars().count(), 127);
        for c in GSM_BASIC.chars() {
            assert_eq!(gsm7_septets(c), Some(1), "{c:?}");
        }
        for c in GSM_EXTENSION.chars() {
            assert_eq!(gsm7_septets(c), Some(2), "{c:?}");
        }
        for c in ['`', '\t', '\u{1B}', 'á', 'í', 'ó', 'ú', 'Á', 'ç', 'ê', '“', '’', '–', '…', '👍'] {
            assert_eq!(gsm7_septets(c), None, "{c:?}");
        }
    }

    #[test]
    fn empty_text_is_free() {
        let info = Segments::count("");
        assert_eq!(info.segments, 0);
        assert_eq!(info.units, 0);
        assert_eq!(info.encoding, Encoding::Gsm7);
        assert_eq!(info.remaining_in_segment, 160);
    }

    #[test]
    fn gsm_boundaries() {
        for (n, expected) in [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)] {
            let info = Segments::count(&"a".repeat(n));
            assert_eq!(info.encoding, Encoding::Gsm7);
            assert_eq!(info.units, n);
            assert_eq!(info.segments, expected, "{n} a's");
        }
        let info = Segments::count(&"a".repeat(160));
        assert_eq!((info.per_segment_limit, info.remaining_in_segment), (160, 0));
        let info = Segments::count(&"a".repeat(161));
        assert_eq!((info.per_segment_limit, info.remaining_in_segment), (153, 145));
    }

    #[test]
    fn gsm_accents_stay_gsm() {
        // 160 é is still one GSM segment: é is in the basic set.
        let info = Segments::count(&"é".repeat(160));
        assert_eq!((info.encoding, info.segments), (Encoding::Gsm7, 1));
        let info = Segments::count("¿Vas a votar mañana? José, Müller, Ñandú… no: Ñandu");
        assert_eq!(info.encoding, Encoding::Ucs2, "ú and … are not GSM");
        let info = Segments::count("¿Vas a votar mañana, José? ¡Gracias! à è ì ò ù É Ç Ø å ß Æ §");
        assert_eq!(info.encoding, Encoding::Gsm7);
    }

    #[test]
    fn spanish_acute_accents_force_ucs2() {
        let info = Segments::count("¿Cómo estás?");
        assert_eq!(info.encoding, Encoding::Ucs2);
        assert_eq!(info.ucs2_chars, vec![(2, 'ó'), (9, 'á')]);
        assert_eq!(info.units, 12);
        for word in ["Sí", "Información", "Perú", "Ángel", "Martín"] {
            assert_eq!(Segments::count(word).encoding, Encoding::Ucs2, "{word}");
        }
        assert_eq!(Segments::count("José Núñez").ucs2_chars, vec![(6, 'ú')]);
    }

    #[test]
    fn ucs2_boundaries() {
        for (n, expected) in [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)] {
            let info = Segments::count(&"á".repeat(n));
            assert_eq!(info.encoding, Encoding::Ucs2);
            assert_eq!(info.units, n);
            assert_eq!(info.segments, expected, "{n} á's");
        }
    }

    #[test]
    fn one_foreign_character_switches_everything() {
        let text = format!("{}á", "a".repeat(100));
        let info = Segments::count(&text);
        assert_eq!(info.encoding, Encoding::Ucs2);
        assert_eq!(info.units, 101);
        assert_eq!(info.segments, 2);
        assert_eq!(info.ucs2_chars, vec![(100, 'á')]);
    }

    #[test]
    fn extension_characters_take_two_septets() {
        let info = Segments::count(&"€".repeat(80));
        assert_eq!((info.encoding, info.units, info.segments), (Encoding::Gsm7, 160, 1));
        let info = Segments::count(&"€".repeat(81));
        assert_eq!((info.units, info.segments), (162, 2));
        assert_eq!(Segments::count("{}[]~^|\\\u{0C}").units, 18);
    }

    #[test]
    fn escape_sequences_are_not_split() {
        // 152 + 2 does not fit in a 153-septet part: the € starts part two, part one carries
        // only 152. Naive division would say ceil(306 / 153) = 2.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        let info = Segments::count(&text);
        assert_eq!(info.units, 306);
        assert_eq!(info.segments, 3);
        assert_eq!(info.remaining_in_segment, 152);
        // With the € one character earlier it fits and the message is 2 parts.
        let text = format!("{}€{}", "a".repeat(151), "a".repeat(153));
        assert_eq!(segments(&text), 2);
    }

    #[test]
    fn emoji_count_as_surrogate_pairs() {
        let info = Segments::count("👍");
        assert_eq!((info.encoding, info.units, info.segments), (Encoding::Ucs2, 2, 1));
        assert_eq!(info.ucs2_chars, vec![(0, '👍')]);
        let info = Segments::count(&format!("Thanks!{}", "👍"));
        assert_eq!((info.encoding, info.units), (Encoding::Ucs2, 9));
        assert_eq!(Segments::count(&"👍".repeat(33)).units, 66);
        assert_eq!(segments(&"👍".repeat(33)), 1);
        assert_eq!(segments(&"👍".repeat(35)), 1);
        assert_eq!(segments(&"👍".repeat(36)), 2);
    }

    #[test]
    fn surrogate_pairs_are_not_split() {
        // 33 pairs fill 66 of a part's 67 units; the 34th would straddle the boundary, so each
        // part carries 33. 67 emoji are 134 units, which division would call 2 parts.
        let info = Segments::count(&"👍".repeat(67));
        assert_eq!(info.units, 134);
        assert_eq!(info.segments, 3);
        assert_eq!(info.remaining_in_segment, 65);
        // An odd unit in front lines the pairs up with the boundary instead: á + 33 emoji
        // fill part one exactly, so nothing is lost.
        let info = Segments::count(&format!("á{}", "👍".repeat(66)));
        assert_eq!((info.units, info.segments, info.remaining_in_segment), (133, 2, 1));
    }

    #[test]
    fn forcing_ucs2_counts_utf16_units() {
        let info = Segments::count_as_ucs2(&"a".repeat(71));
        assert_eq!((info.encoding, info.units, info.segments), (Encoding::Ucs2, 71, 2));
        assert!(info.ucs2_chars.is_empty());
    }

    #[test]
    fn smart_replacements_make_pasted_text_gsm() {
        let pasted = "“Hi” – it’s time… vote\u{00A0}today — ‘now’\u{200B}";
        let fixed = smart_replacements(pasted);
        assert_eq!(fixed, "\"Hi\" - it's time... vote today - 'now'");
        assert_eq!(Segments::count(pasted).encoding, Encoding::Ucs2);
        assert_eq!(Segments::count(&fixed).encoding, Encoding::Gsm7);
        // Emoji and accents are the author's choice and stay.
        assert_eq!(smart_replacements("Sí 👍 “ok”"), "Sí 👍 \"ok\"");
        assert_eq!(Segments::offending_chars(&smart_replacements("Sí 👍 “ok”")), [(1, 'í'), (3, '👍')]);
    }

    #[test]
    fn every_replacement_turns_a_non_gsm_character_into_gsm() {
        for (from, to) in REPLACEMENTS {
            assert_eq!(gsm7_septets(*from), None, "{from:?} is already GSM");
            assert!(to.chars().all(|c| gsm7_septets(c).is_some()), "{to:?}");
        }
    }

    fn gsm_char() -> impl Strategy<Value = char> {
        let alphabet: Vec<char> = GSM_BASIC.chars().chain(GSM_EXTENSION.chars()).collect();
        prop::sample::select(alphabet)
    }

    /// Characters weighted towards the interesting widths so strings cross part boundaries.
    fn any_sms_char() -> impl Strategy<Value = char> {
        prop_oneof![
            4 => Just('a'),
            2 => Just('€'),
            1 => Just('á'),
            1 => Just('👍'),
            2 => gsm_char(),
            2 => any::<char>(),
        ]
    }

    proptest! {
        #[test]
        fn appending_never_reduces_segments(
            chars in prop::collection::vec(any_sms_char(), 0..450),
            extra in any_sms_char(),
        ) {
            let text: String = chars.into_iter().collect();
            let longer = format!("{text}{extra}");
            prop_assert!(segments(&longer) >= segments(&text));
        }

        #[test]
        fn gsm_text_is_never_ucs2(chars in prop::collection::vec(gsm_char(), 0..500)) {
            let text: String = chars.into_iter().collect();
            let info = Segments::count(&text);
            prop_assert_eq!(info.encoding, Encoding::Gsm7);
            prop_assert!(info.ucs2_chars.is_empty());
        }

        #[test]
        fn units_and_segments_are_consistent(chars in prop::collection::vec(any_sms_char(), 0..500)) {
            let text: String = chars.into_iter().collect();
            let info = Segments::count(&text);
            match info.encoding {
                Encoding::Gsm7 => {
                    let septets: usize = text.chars().map(|c| gsm7_septets(c).unwrap()).sum();
                    prop_assert_eq!(info.units, septets);
                    prop_assert!(info.ucs2_chars.is_empty());
                }
                Encoding::Ucs2 => {
                    prop_assert_eq!(info.units, text.encode_utf16().count());
                    prop_assert!(!info.ucs2_chars.is_empty());
                }
            }
            let single = info.encoding.single_segment_limit();
            let part = info.encoding.multipart_segment_limit();
            if info.units <= single {
                prop_assert_eq!(info.segments, usize::from(info.units > 0));
            } else {
                // At least what division says, and at most one unit lost per full part.
                prop_assert!(info.segments >= info.units.div_ceil(part));
                prop_assert!(info.segments <= (info.units - 1) / (part - 1) + 1);
                prop_assert_eq!(info.per_segment_limit, part);
            }
            prop_assert!(info.remaining_in_segment <= info.per_segment_limit);
            prop_assert_eq!(info.ucs2_chars, Segments::offending_chars(&text));
        }

        #[test]
        fn smart_replacements_only_ever_help(text in "\\PC{0,200}") {
            let fixed = smart_replacements(&text);
            prop_assert_eq!(smart_replacements(&fixed), fixed.clone());
            prop_assert!(Segments::offending_chars(&fixed).len() <= Segments::offending_chars(&text).len());
        }

        #[test]
        fn smart_replacements_leave_gsm_text_alone(chars in prop::collection::vec(gsm_char(), 0..200)) {
            let text: String = chars.into_iter().collect();
            prop_assert_eq!(smart_replacements(&text), text);
        }
    }
}
