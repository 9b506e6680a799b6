//! What an inbound reply asks for. Opt-outs are a legal obligation (TCPA/CTIA): once someone
//! says stop, nobody in the organization may text them again. The rules are therefore two
//! narrow nets rather than one wide one:
//! - the whole message is a carrier keyword ("STOP", "Unsubscribe", "Alto"), ignoring case,
//!   surrounding spaces and punctuation;
//! - or it contains one of a short list of unambiguous phrases ("stop texting me", "remove
//!   me", "quítame de la lista").
//!
//! A bare "stop" inside a sentence ("I can't stop thinking about this") is not an opt-out:
//! volunteers read every reply and can opt someone out by hand, whereas a false positive
//! silently ends a conversation the contact wanted.

use serde::{Deserialize, Serialize};

/// The action an inbound message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboundIntent {
    /// Never text this number again.
    OptOut,
    /// Texting may resume. Only meaningful for a contact who had opted out: "Yes" is also the
    /// answer to "Can we count on your vote?", so callers act on this only after an opt-out.
    OptIn,
    /// The contact wants to know who is texting and how to stop it.
    Help,
    /// A conversation for a volunteer to read.
    Other,
}

/// Whole-message opt-out keywords, in the form `fold_for_matching` produces. The US carrier
/// list, plus Spanish "alto"/"para" (the imperative "stop") which only count on their own.
const OPT_OUT_KEYWORDS: &[&str] = &[
    "stop",
    "stopall",
    "stop all",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "revoke",
    "optout",
    "opt out", // also "opt-out": the hyphen folds to a space
    "alto",
    "para",
];

/// Whole-message opt-in keywords.
const OPT_IN_KEYWORDS: &[&str] = &["start", "unstop", "yes"];

/// Whole-message help keywords ("ayuda" is the Spanish the carriers also honour).
const HELP_KEYWORDS: &[&str] = &["help", "info", "ayuda"];

/// Phrases that mean "stop" wherever they appear, matched on whole words after folding. Each
/// was chosen because it has no innocent reading in a reply to a campaign text. "Wrong number"
/// is deliberately absent: it is a data-quality signal, not consent withdrawn.
const OPT_OUT_PHRASES: &[&str] = &[
    "please stop",
    "stop please",
    "stop it",
    "stop texting",
    "stop texting me",
    "stop messaging me",
    "stop contacting me",
    "remove me",
    "take me off",
    "take me off your list",
    "unsubscribe me",
    "opt me out",
    "do not text",
    "don't text me",
    "dont text me",
    "do not contact me",
    "don't contact me",
    // Spanish; accents are folded, so "envíes" and "envies" both match.
    "no me envíes",
    "no me envíen",
    "no me escribas",
    "no me escriban",
    "quítame de la lista",
    "quítenme de la lista",
    "sácame de la lista",
];

impl InboundIntent {
    /// Classifies one inbound message body.
    pub fn classify(body: &str) -> InboundIntent {
        let folded = fold_for_matching(body);
        if folded.is_empty() {
            return InboundIntent::Other;
        }
        let is = |keywords: &[&str]| keywords.contains(&folded.as_str());
        if is_opt_out_keyword(&folded) {
            return InboundIntent::OptOut;
        }
        if is(OPT_IN_KEYWORDS) {
            return InboundIntent::OptIn;
        }
        if is(HELP_KEYWORDS) {
            return InboundIntent::Help;
        }
        if OPT_OUT_PHRASES.iter().any(|phrase| contains_phrase(&folded, phrase)) {
            return InboundIntent::OptOut;
        }
        InboundIntent::Other
    }
}

/// How an opt-out reply said stop, recorded with the opt-out (the export shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptOutWording {
    /// The whole message was a carrier keyword ("STOP", "Unsubscribe"), perhaps repeated.
    Keyword,
    /// The message contained one of the opt-out phrases ("please remove me").
    Phrase,
}

impl OptOutWording {
    /// How `body` opts out, when `InboundIntent::classify` says it does.
    pub fn of(body: &str) -> Option<OptOutWording> {
        if InboundIntent::classify(body) != InboundIntent::OptOut {
            return None;
        }
        Some(if is_opt_out_keyword(&fold_for_matching(body)) { OptOutWording::Keyword } else { OptOutWording::Phrase })
    }

    /// The `opt_outs.source` it is stored as.
    pub fn source(self) -> &'static str {
        match self {
            OptOutWording::Keyword => "keyword",
            OptOutWording::Phrase => "phrase",
        }
    }
}

/// The whole (folded) message is an opt-out keyword, or nothing but opt-out keywords repeated
/// ("STOP STOP", "Stop. Unsubscribe.").
fn is_opt_out_keyword(folded: &str) -> bool {
    OPT_OUT_KEYWORDS.contains(&folded) || folded.split(' ').all(|word| OPT_OUT_KEYWORDS.contains(&word))
}

/// Whether `folded` (already passed through `fold_for_matching`) contains `phrase` as whole
/// words. The phrase is folded here so the lists above can be written naturally.
pub(crate) fn contains_phrase(folded: &str, phrase: &str) -> bool {
    let phrase = fold_for_matching(phrase);
    !phrase.is_empty() && format!(" {folded} ").contains(&format!(" {phrase} "))
}

/// Reduces text to lower-case words separated by single spaces, for keyword matching:
/// accents and combining marks are dropped ("Quítame" = "quitame"), full-width letters
/// become ASCII, and every run of anything that is not a letter or digit (spaces, curly or
/// straight quotes, apostrophes, emoji, "!") becomes one space, trimmed at both ends. So
/// "don’t" and "don't" both become "don t", and " 'STOP!' " becomes "stop".
pub(crate) fn fold_for_matching(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        // Combining accents (a decomposed "í") belong to the letter before them.
        if ('\u{0300}'..='\u{036F}').contains(&c) {
            continue;
        }
        let c = fold_char(c);
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// One lower-case character without its accent, or full-width form.
fn fold_char(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'ē' => 'e',
        'í' | 'ì' | 'î' | 'ï' | 'ī' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ō' => 'o',
        'ú' | 'ù' | 'û' | 'ü' | 'ū' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        'ý' | 'ÿ' => 'y',
        // Full-width ASCII (ＳＴＯＰ), typed by CJK keyboards.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use InboundIntent::*;

    #[test]
    fn opt_outs_say_whether_a_keyword_or_a_phrase_did_it() {
        assert_eq!(OptOutWording::of("STOP"), Some(OptOutWording::Keyword));
        assert_eq!(OptOutWording::of("Stop. Unsubscribe."), Some(OptOutWording::Keyword));
        assert_eq!(OptOutWording::of("¡PARA!"), Some(OptOutWording::Keyword));
        assert_eq!(OptOutWording::of("Please remove me from your list"), Some(OptOutWording::Phrase));
        assert_eq!(OptOutWording::of("stop texting me"), Some(OptOutWording::Phrase));
        assert_eq!(OptOutWording::of("I can't stop thinking about it"), None);
        assert_eq!(OptOutWording::of("HELP"), None);
        assert_eq!(OptOutWording::of(""), None);
    }

    const EXAMPLES: &[(&str, InboundIntent)] = &[
        // Whole-message keywords, any case, any wrapping.
        ("STOP", OptOut),
        ("Stop", OptOut),
        ("stop", OptOut),
        ("STOP!", OptOut),
        (" stop. ", OptOut),
        ("'stop'", OptOut),
        ("“Stop”", OptOut),
        ("STOP 🛑", OptOut),
        ("ＳＴＯＰ", OptOut),
        ("StopAll", OptOut),
        ("stop all", OptOut),
        ("STOP STOP", OptOut),
        ("Unsubscribe", OptOut),
        ("cancel", OptOut),
        ("END", OptOut),
        ("Quit.", OptOut),
        ("revoke", OptOut),
        ("optout", OptOut),
        ("Opt out", OptOut),
        ("OPT-OUT", OptOut),
        ("Alto", OptOut),
        ("¡PARA!", OptOut),
        // Phrases anywhere.
        ("please stop", OptOut),
        ("Stop please!!", OptOut),
        ("stop it", OptOut),
        ("Please remove me from your list", OptOut),
        ("Stop texting me", OptOut),
        ("can you stop texting", OptOut),
        ("take me off your list", OptOut),
        ("Unsubscribe me please", OptOut),
        ("do not text this number", OptOut),
        ("Don’t text me again", OptOut),
        ("dont text me", OptOut),
        ("No me envíes más mensajes", OptOut),
        ("no me envies mas", OptOut),
        ("Por favor no me escriban", OptOut),
        ("Quítame de la lista", OptOut),
        ("quitame de la lista por favor", OptOut),
        ("Qui\u{301}tame de la lista", OptOut),
        // Opt-in and help.
        ("START", OptIn),
        ("unstop", OptIn),
        ("Yes!", OptIn),
        ("HELP", Help),
        ("info?", Help),
        ("Ayuda", Help),
        // Not opt-outs, however close.
        ("I can't stop thinking about this", Other),
        ("Wrong number", Other),
        ("wrong number, this is not Ana", Other),
        ("The end of the month works", Other),
        ("Is this the stop on Main St?", Other),
        ("Yes please, send me info", Other),
        ("Voy para allá", Other),
        ("El alto costo de la vivienda", Other),
        ("Unstoppable!", Other),
        ("Stopping by later", Other),
        ("", Other),
        ("   ", Other),
        ("!!!", Other),
        ("👍", Other),
    ];

    #[test]
    fn examples() {
        for (body, expected) in EXAMPLES {
            assert_eq!(InboundIntent::classify(body), *expected, "{body:?}");
        }
    }

    #[test]
    fn folding() {
        assert_eq!(fold_for_matching("  'STOP!' "), "stop");
        assert_eq!(fold_for_matching("Don’t  text—me"), "don t text me");
        assert_eq!(fold_for_matching("QUÍTAME de la LISTA"), "quitame de la lista");
        assert_eq!(fold_for_matching("Ｈｅｌｐ"), "help");
        assert!(contains_phrase("por favor quitame de la lista", "quítame de la lista"));
        assert!(!contains_phrase("unstoppable", "stop"));
    }

    fn surrounding() -> impl Strategy<Value = String> {
        "[ \t\n.!?,;:'\"()*~¡¿“”‘’«»-]{0,5}"
    }

    proptest! {
        #[test]
        fn case_and_surroundings_do_not_matter(
            index in 0..EXAMPLES.len(),
            upper in prop::collection::vec(any::<bool>(), 64),
            before in surrounding(),
            after in surrounding(),
        ) {
            let (body, expected) = EXAMPLES[index];
            let recased: String = body
                .chars()
                .zip(upper.iter().cycle())
                .map(|(c, &up)| if up { c.to_uppercase().to_string() } else { c.to_lowercase().to_string() })
                .collect();
            let wrapped = format!("{before}{recased}{after}");
            prop_assert_eq!(InboundIntent::classify(&wrapped), expected, "{:?}", wrapped);
        }

        #[test]
        fn any_text_ignores_case_and_wrapping(body in "[ -~]{0,40}", before in surrounding(), after in surrounding()) {
            let intent = InboundIntent::classify(&body);
            prop_assert_eq!(InboundIntent::classify(&body.to_ascii_uppercase()), intent);
            prop_assert_eq!(InboundIntent::classify(&format!("{before}{body}{after}")), intent);
        }
    }
}
