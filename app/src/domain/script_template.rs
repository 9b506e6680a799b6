//! Message templates ("scripts") with variables. The organizer writes one in the browser's
//! script editor; the server renders it once per contact when a volunteer sends. Both sides
//! parse with this module, so what the editor accepts is exactly what the sender can render.
//!
//! Syntax: `{firstName}`, `{lastName}`, `{senderFirstName}`, `{organizationName}` and
//! `{custom:field_name}` (a column of the contact list). `{{` and `}}` are literal braces, as
//! in Rust's `format!`; a lone `}` is an error rather than a literal, because it is almost
//! always a typo such as `{firstName}}` that would otherwise reach thousands of phones.
//! Variable names are exact (case-sensitive, no inner spaces); near misses get a suggestion.
//!
//! Positions in errors are `char` indices (0-based) into the raw text; messages show them
//! 1-based, as "character N", for people.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::opt_out::{contains_phrase, fold_for_matching};
use super::segments::{gsm7_septets, SegmentInfo, Segments};

/// A contact-list column usable as `{custom:name}`: 1–64 lowercase ASCII letters, digits and
/// underscores, so names survive CSV headers, URLs and SQL JSON paths unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CustomFieldName(String);

impl CustomFieldName {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<CustomFieldName, String> {
        let ok = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(CustomFieldName(raw.to_string()))
        } else {
            Err(format!(
                "\"{raw}\" is not a custom field name: use 1-{} lowercase letters, digits or \
                 underscores.",
                Self::MAX_LEN
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CustomFieldName {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        CustomFieldName::parse(&raw)
    }
}

impl From<CustomFieldName> for String {
    fn from(name: CustomFieldName) -> String {
        name.0
    }
}

/// A value a template can insert. Serialized as its name inside the braces (`"firstName"`,
/// `"custom:ward"`), which also makes it usable as a JSON map key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Variable {
    FirstName,
    LastName,
    SenderFirstName,
    OrganizationName,
    Custom(CustomFieldName),
}

impl Variable {
    /// The variables every template may use, in the order the editor offers them.
    pub const BUILT_IN: [Variable; 4] =
        [Variable::FirstName, Variable::LastName, Variable::SenderFirstName, Variable::OrganizationName];

    /// The name between the braces.
    pub fn name(&self) -> String {
        match self {
            Variable::FirstName => "firstName".into(),
            Variable::LastName => "lastName".into(),
            Variable::SenderFirstName => "senderFirstName".into(),
            Variable::OrganizationName => "organizationName".into(),
            Variable::Custom(field) => format!("custom:{}", field.as_str()),
        }
    }

    /// What to type into a template: `{firstName}`.
    pub fn placeholder(&self) -> String {
        format!("{{{}}}", self.name())
    }

    /// A human description for the editor's "insert variable" menu.
    pub fn label(&self) -> String {
        match self {
            Variable::FirstName => "Contact's first name".into(),
            Variable::LastName => "Contact's last name".into(),
            Variable::SenderFirstName => "Your first name".into(),
            Variable::OrganizationName => "Organization name".into(),
            Variable::Custom(field) => format!("Contact's {}", field.as_str().replace('_', " ")),
        }
    }

    /// The variable a name stands for, accepting any well-formed custom field.
    pub fn from_name(name: &str) -> Option<Variable> {
        match name {
            "firstName" => Some(Variable::FirstName),
            "lastName" => Some(Variable::LastName),
            "senderFirstName" => Some(Variable::SenderFirstName),
            "organizationName" => Some(Variable::OrganizationName),
            _ => {
                name.strip_prefix("custom:").and_then(|field| CustomFieldName::parse(field).ok()).map(Variable::Custom)
            }
        }
    }
}

impl fmt::Display for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.placeholder())
    }
}

impl TryFrom<String> for Variable {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        Variable::from_name(&name).ok_or_else(|| format!("\"{name}\" is not a variable."))
    }
}

impl From<Variable> for String {
    fn from(variable: Variable) -> String {
        variable.name()
    }
}

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Part {
    /// Literal text, with `{{`/`}}` already turned into single braces.
    Text(String),
    Var(Variable),
}

/// Why a template was rejected. `at` is the 0-based `char` index of the offending brace, for
/// highlighting; `Display` words it for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TemplateError {
    /// Nothing but whitespace.
    Empty,
    /// A `{` with no matching `}` (or another `{`, or a space-separated phrase, before it).
    UnclosedBrace { at: usize },
    /// A `}` that closes nothing.
    UnmatchedClosingBrace { at: usize },
    /// `{}`.
    EmptyVariable { at: usize },
    /// `{something}` that is not a variable; `name` is what was between the braces.
    UnknownVariable { name: String, at: usize, suggestion: Option<Variable> },
    /// `{custom:Bad Name}`: the part after `custom:` is not a valid field name.
    BadCustomFieldName { name: String, at: usize, suggestion: Option<Variable> },
}

impl TemplateError {
    /// Where to put the cursor, as a 0-based `char` index.
    pub fn position(&self) -> Option<usize> {
        match self {
            TemplateError::Empty => None,
            TemplateError::UnclosedBrace { at }
            | TemplateError::UnmatchedClosingBrace { at }
            | TemplateError::EmptyVariable { at }
            | TemplateError::UnknownVariable { at, .. }
            | TemplateError::BadCustomFieldName { at, .. } => Some(*at),
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let suggest = |f: &mut fmt::Formatter<'_>, suggestion: &Option<Variable>| match suggestion {
            Some(variable) => write!(f, "; did you mean {variable}?"),
            None => write!(
                f,
                ". Use {{firstName}}, {{lastName}}, {{senderFirstName}}, {{organizationName}} or \
                 {{custom:field_name}}."
            ),
        };
        match self {
            TemplateError::Empty => f.write_str("The script is empty: write the message to send."),
            TemplateError::UnclosedBrace { at } => write!(
                f,
                "Unclosed brace at character {}: end the variable with }}, or write {{{{ for a \
                 literal {{.",
                at + 1
            ),
            TemplateError::UnmatchedClosingBrace { at } => {
                write!(f, "Unmatched }} at character {}: remove it, or write }}}} for a literal }}.", at + 1)
            }
            TemplateError::EmptyVariable { at } => write!(
                f,
                "Empty variable {{}} at character {}: put a variable name inside, or write \
                 {{{{}}}} for literal braces.",
                at + 1
            ),
            TemplateError::UnknownVariable { name, at, suggestion } => {
                write!(f, "Unknown variable {{{name}}} at character {}", at + 1)?;
                suggest(f, suggestion)
            }
            TemplateError::BadCustomFieldName { name, at, suggestion } => {
                write!(
                    f,
                    "Invalid custom field {{{name}}} at character {}: field names are 1-{} \
                     lowercase letters, digits or underscores",
                    at + 1,
                    CustomFieldName::MAX_LEN
                )?;
                match suggestion {
                    Some(variable) => write!(f, "; did you mean {variable}?"),
                    None => f.write_str("."),
                }
            }
        }
    }
}

impl std::error::Error for TemplateError {}

/// Which `{custom:…}` names a template may use.
#[derive(Clone, Copy)]
enum CustomFields<'a> {
    /// Those of the contact list the template is written for.
    Known(&'a [String]),
    /// Any well-formed name. Used when reading a stored template back: it was checked against
    /// its fields when saved, and a field dropped since then renders as empty.
    AnyWellFormed,
}

/// A parsed script. Keeps the raw text so it can be edited and stored exactly as written, and
/// the parts so it can be rendered without parsing again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ScriptTemplate {
    raw: String,
    parts: Vec<Part>,
}

impl ScriptTemplate {
    /// Parses a template written for a contact list with the given custom field names.
    pub fn parse(raw: &str, known_custom_fields: &[String]) -> Result<ScriptTemplate, TemplateError> {
        parse(raw, CustomFields::Known(known_custom_fields))
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The variables used, each once, in order of first use.
    pub fn variables(&self) -> Vec<Variable> {
        let mut seen = Vec::new();
        for part in &self.parts {
            if let Part::Var(variable) = part {
                if !seen.contains(variable) {
                    seen.push(variable.clone());
                }
            }
        }
        seen
    }

    /// The message for one contact.
    pub fn render(&self, ctx: &RenderContext) -> String {
        let mut out = String::with_capacity(self.raw.len() + 32);
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Var(variable) => out.push_str(&ctx.value(variable)),
            }
        }
        out
    }

    /// The segment count of the most expensive message this template can produce for the
    /// values in `longest`, with `fallbacks` supplying what a missing value renders as (its
    /// fallback first names, and the organization name).
    ///
    /// The approximation: each variable independently takes its longest observed value, and
    /// the message is counted as UCS-2 if the literal text or *any* observed value of a used
    /// variable needs it (e.g. one "Ángel" in a list of "Ana"s), since that contact's message
    /// will be UCS-2. The longest values may never occur together on one contact, so this
    /// overestimates rather than under, except in one corner: where a 2-unit character
    /// falls relative to a part boundary can differ between values of equal length, which can
    /// move the count by one part in rare cases.
    pub fn worst_case_segments(&self, longest: &LongestValues, fallbacks: &RenderContext) -> SegmentInfo {
        let mut longest = longest.clone();
        for variable in self.variables() {
            longest.observe_value(&variable, &fallbacks.value(&variable));
        }
        let literal_needs_ucs2 = self.parts.iter().any(|part| match part {
            Part::Text(text) => text.chars().any(|c| gsm7_septets(c).is_none()),
            Part::Var(_) => false,
        });
        let values_need_ucs2 =
            self.variables().iter().any(|variable| longest.get(variable).is_some_and(|l| l.any_ucs2));
        let ucs2 = literal_needs_ucs2 || values_need_ucs2;
        let mut text = String::new();
        for part in &self.parts {
            match part {
                Part::Text(literal) => text.push_str(literal),
                Part::Var(variable) => {
                    if let Some(l) = longest.get(variable) {
                        text.push_str(if ucs2 { &l.utf16 } else { &l.gsm });
                    }
                }
            }
        }
        if ucs2 {
            Segments::count_as_ucs2(&text)
        } else {
            Segments::count(&text)
        }
    }

    /// Whether the literal text tells the contact how to opt out, so the editor can warn when
    /// a first message lacks it. Matches the uppercase keywords STOP, ALTO and PARA as words
    /// (the way opt-out instructions are written), and, in any case, phrases such as "reply
    /// stop", "text stop", "to opt out", "responde alto", "para darte de baja". A lowercase
    /// "stop" or "para" alone does not count: "stop by our office" and "vota para Ana" give no
    /// opt-out guidance. (The cost of the uppercase rule: a script written entirely in capitals,
    /// "VOTA PARA ANA", passes; the warning is advice, and that script is rare.)
    pub fn has_opt_out_language(&self) -> bool {
        // Variables become a space so words on either side do not run together.
        let literal: String = self
            .parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.as_str(),
                Part::Var(_) => " ",
            })
            .collect();
        let shouted = literal
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| matches!(word, "STOP" | "ALTO" | "PARA" | "STOPALL" | "UNSUBSCRIBE"));
        let folded = fold_for_matching(&literal);
        shouted || OPT_OUT_GUIDANCE.iter().any(|phrase| contains_phrase(&folded, phrase))
    }
}

/// What a first text lacks. CTIA's Messaging Principles and Best Practices (2023, sections 5.1
/// and 5.2, "Consumer Opt-In/Opt-Out" and the first message's content) ask that messages
/// identify the sender and that the first say how to opt out; carriers filter texts that do
/// not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComplianceWarning {
    /// Neither the organization's name nor `{organizationName}` appears.
    NoSenderIdentification,
    /// No opt-out language (`has_opt_out_language`).
    NoOptOutLanguage,
}

impl ComplianceWarning {
    pub fn message(self, org_name: &str) -> String {
        match self {
            ComplianceWarning::NoSenderIdentification => format!(
                "it does not say who is texting: name \"{}\" or add the Organization name variable",
                org_name.trim()
            ),
            ComplianceWarning::NoOptOutLanguage => {
                "it has no opt-out language, such as \"Text STOP to opt out\"".into()
            }
        }
    }
}

impl ScriptTemplate {
    /// Whether the text says who is texting: the `{organizationName}` variable, or the
    /// organization's name in the literal text (any case or accents, as whole words). The
    /// volunteer's first name alone (`{senderFirstName}`) does not identify the organization.
    pub fn identifies_sender(&self, org_name: &str) -> bool {
        if self.parts.iter().any(|part| matches!(part, Part::Var(Variable::OrganizationName))) {
            return true;
        }
        let literal: String = self
            .parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.as_str(),
                Part::Var(_) => " ",
            })
            .collect();
        let name = fold_for_matching(org_name);
        !name.is_empty() && contains_phrase(&fold_for_matching(&literal), &name)
    }

    /// What a first text to a contact is missing, in a fixed order; empty when it identifies
    /// the sender and says how to opt out. The editor warns with it and the server refuses to
    /// publish with it (unless acknowledged): one rule for both.
    pub fn compliance_warnings(&self, org_name: &str) -> Vec<ComplianceWarning> {
        let mut warnings = Vec::new();
        if !self.identifies_sender(org_name) {
            warnings.push(ComplianceWarning::NoSenderIdentification);
        }
        if !self.has_opt_out_language() {
            warnings.push(ComplianceWarning::NoOptOutLanguage);
        }
        warnings
    }
}

/// Phrases (matched case- and accent-insensitively, on whole words) that tell someone how to
/// stop the texts.
const OPT_OUT_GUIDANCE: &[&str] = &[
    "reply stop",
    "text stop",
    "txt stop",
    "send stop",
    "respond stop",
    "stop to opt out",
    "stop to unsubscribe",
    "stop to end",
    "stop to quit",
    "stop to cancel",
    "stop2end",
    "stop2quit",
    "to opt out",
    "opt out",
    "optout",
    "unsubscribe",
    "responde alto",
    "responda alto",
    "envía alto",
    "envíe alto",
    "escribe alto",
    "escriba alto",
    "responde para",
    "responda para",
    "envía para",
    "envíe para",
    "alto para",
    "para cancelar",
    "darte de baja",
    "darse de baja",
    "dejar de recibir",
];

impl fmt::Display for ScriptTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl TryFrom<String> for ScriptTemplate {
    type Error = TemplateError;
    fn try_from(raw: String) -> Result<Self, TemplateError> {
        parse(&raw, CustomFields::AnyWellFormed)
    }
}

impl From<ScriptTemplate> for String {
    fn from(template: ScriptTemplate) -> String {
        template.raw
    }
}

fn parse(raw: &str, custom: CustomFields<'_>) -> Result<ScriptTemplate, TemplateError> {
    if raw.trim().is_empty() {
        return Err(TemplateError::Empty);
    }
    let chars: Vec<char> = raw.chars().collect();
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            ('{', Some('{')) | ('}', Some('}')) => {
                text.push(chars[i]);
                i += 2;
            }
            ('}', _) => return Err(TemplateError::UnmatchedClosingBrace { at: i }),
            ('{', _) => {
                let open = i;
                let close = chars[open + 1..]
                    .iter()
                    .position(|&c| c == '}' || c == '{')
                    .map(|offset| open + 1 + offset)
                    .filter(|&end| chars[end] == '}')
                    .ok_or(TemplateError::UnclosedBrace { at: open })?;
                let name: String = chars[open + 1..close].iter().collect();
                // Names never contain spaces, so "{firstName, see you} soon" is a missing "}"
                // after firstName rather than a very strange variable.
                if name.trim().contains(char::is_whitespace) {
                    return Err(TemplateError::UnclosedBrace { at: open });
                }
                let variable = resolve(&name, open, custom)?;
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Var(variable));
                i = close + 1;
            }
            (c, _) => {
                text.push(c);
                i += 1;
            }
        }
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(ScriptTemplate { raw: raw.to_string(), parts })
}

fn resolve(name: &str, at: usize, custom: CustomFields<'_>) -> Result<Variable, TemplateError> {
    if name.trim().is_empty() {
        return Err(TemplateError::EmptyVariable { at });
    }
    let known = |field: &CustomFieldName| match custom {
        CustomFields::Known(fields) => fields.iter().any(|f| f == field.as_str()),
        CustomFields::AnyWellFormed => true,
    };
    let unknown = || TemplateError::UnknownVariable { name: name.to_string(), at, suggestion: suggest(name, custom) };
    match name.strip_prefix("custom:") {
        Some(field) => match CustomFieldName::parse(field) {
            Ok(field) if known(&field) => Ok(Variable::Custom(field)),
            Ok(_) => Err(unknown()),
            Err(_) => {
                Err(TemplateError::BadCustomFieldName { name: name.to_string(), at, suggestion: suggest(name, custom) })
            }
        },
        None => {
            Variable::from_name(name).filter(|variable| !matches!(variable, Variable::Custom(_))).ok_or_else(unknown)
        }
    }
}

/// The closest valid variable to a mistyped name, if one is close enough to be a plausible
/// typo: case and surrounding spaces are ignored, and up to a third of the letters (at least
/// two) may differ. A bare known field name (`{ward}`) suggests `{custom:ward}`.
fn suggest(name: &str, custom: CustomFields<'_>) -> Option<Variable> {
    let wanted = name.trim().to_lowercase();
    let mut candidates: Vec<Variable> = Variable::BUILT_IN.to_vec();
    if let CustomFields::Known(fields) = custom {
        candidates.extend(fields.iter().filter_map(|f| CustomFieldName::parse(f).ok()).map(Variable::Custom));
    }
    if let Some(field) = candidates.iter().find(|v| match v {
        Variable::Custom(field) => field.as_str() == wanted,
        _ => false,
    }) {
        return Some(field.clone());
    }
    candidates
        .into_iter()
        .map(|v| (edit_distance(&wanted, &v.name().to_lowercase()), v))
        .filter(|(distance, v)| *distance <= (v.name().chars().count() / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, v)| v)
}

/// Levenshtein distance in `char`s.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// The contact name used when a contact has none on file.
pub const DEFAULT_CONTACT_FALLBACK: &str = "friend";
/// The sender name used when the volunteer's first name is unknown.
pub const DEFAULT_SENDER_FALLBACK: &str = "a volunteer";

/// The values for one message. Blank and missing are the same thing: a first name falls back,
/// anything else renders empty. Values are trimmed and their inner whitespace collapsed, so a
/// stray newline in an imported name cannot break the message's layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderContext {
    pub contact_first_name: Option<String>,
    pub contact_last_name: Option<String>,
    pub sender_first_name: Option<String>,
    pub organization_name: String,
    pub custom_fields: BTreeMap<String, String>,
    /// Used for `{firstName}` when the contact has none, e.g. "Hi friend".
    pub contact_fallback_first_name: String,
    /// Used for `{senderFirstName}` when the volunteer's name is unknown.
    pub sender_fallback_first_name: String,
}

impl Default for RenderContext {
    fn default() -> Self {
        RenderContext {
            contact_first_name: None,
            contact_last_name: None,
            sender_first_name: None,
            organization_name: String::new(),
            custom_fields: BTreeMap::new(),
            contact_fallback_first_name: DEFAULT_CONTACT_FALLBACK.into(),
            sender_fallback_first_name: DEFAULT_SENDER_FALLBACK.into(),
        }
    }
}

impl RenderContext {
    /// What `variable` renders as.
    pub fn value(&self, variable: &Variable) -> String {
        let or_fallback = |value: &Option<String>, fallback: &str| {
            let value = collapse(value.as_deref().unwrap_or(""));
            if value.is_empty() {
                collapse(fallback)
            } else {
                value
            }
        };
        match variable {
            Variable::FirstName => or_fallback(&self.contact_first_name, &self.contact_fallback_first_name),
            Variable::LastName => collapse(self.contact_last_name.as_deref().unwrap_or("")),
            Variable::SenderFirstName => or_fallback(&self.sender_first_name, &self.sender_fallback_first_name),
            Variable::OrganizationName => collapse(&self.organization_name),
            Variable::Custom(field) => collapse(self.custom_fields.get(field.as_str()).map_or("", String::as_str)),
        }
    }
}

fn collapse(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What the editor counts a script with, so its counter and the estimate agree: a real contact
/// of the list (the sample) and the list's longest values with the organization's fallbacks
/// (the worst case the estimate charges). Built on the server by the same query as the estimate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptValues {
    pub sample: RenderContext,
    pub longest: LongestValues,
    pub fallbacks: RenderContext,
}

/// The two counts the editor shows under a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptCounts {
    /// The text as the sample contact would get it.
    pub sample_text: String,
    pub sample: SegmentInfo,
    /// The longest text any contact of the list can get.
    pub worst: SegmentInfo,
}

impl ScriptValues {
    /// Counts `template` for the sample contact and for the worst case.
    pub fn counts(&self, template: &ScriptTemplate) -> ScriptCounts {
        let sample_text = template.render(&self.sample);
        ScriptCounts {
            sample: Segments::count(&sample_text),
            sample_text,
            worst: template.worst_case_segments(&self.longest, &self.fallbacks),
        }
    }
}

/// The longest values seen per variable, for `worst_case_segments`. Built on the server from
/// a contact list (one `observe` per contact) and sent to the editor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LongestValues {
    values: BTreeMap<Variable, Longest>,
}

/// "Longest" depends on the encoding the message ends up in, so both are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Longest {
    /// Most GSM-7 septets among values that are all GSM-7.
    gsm: String,
    /// Most UTF-16 units among all values.
    utf16: String,
    /// Whether any value needs UCS-2.
    any_ucs2: bool,
}

impl LongestValues {
    pub fn new() -> LongestValues {
        LongestValues::default()
    }

    /// Records what each variable renders as for one contact (fallbacks included) and every
    /// custom field the contact has.
    pub fn observe(&mut self, ctx: &RenderContext) {
        for variable in &Variable::BUILT_IN {
            self.observe_value(variable, &ctx.value(variable));
        }
        for field in ctx.custom_fields.keys() {
            if let Ok(field) = CustomFieldName::parse(field) {
                let variable = Variable::Custom(field);
                let value = ctx.value(&variable);
                self.observe_value(&variable, &value);
            }
        }
    }

    /// Records one value of one variable, as it would be rendered.
    pub fn observe_value(&mut self, variable: &Variable, value: &str) {
        let value = collapse(value);
        let longest = self.values.entry(variable.clone()).or_default();
        let septets: Option<usize> = value.chars().map(gsm7_septets).sum();
        match septets {
            Some(septets) => {
                if septets > longest.gsm.chars().map(|c| gsm7_septets(c).unwrap_or(0)).sum::<usize>() {
                    longest.gsm = value.clone();
                }
            }
            None => longest.any_ucs2 = true,
        }
        if value.encode_utf16().count() > longest.utf16.encode_utf16().count() {
            longest.utf16 = value;
        }
    }

    fn get(&self, variable: &Variable) -> Option<&Longest> {
        self.values.get(variable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::segments::Encoding;
    use proptest::prelude::*;

    fn fields() -> Vec<String> {
        vec!["ward".into(), "polling_place".into()]
    }

    fn parse(raw: &str) -> Result<ScriptTemplate, TemplateError> {
        ScriptTemplate::parse(raw, &fields())
    }

    fn ctx() -> RenderContext {
        RenderContext {
            contact_first_name: Some("Ana".into()),
            contact_last_name: Some("Lima".into()),
            sender_first_name: Some("Sam".into()),
            organization_name: "Vote Now".into(),
            custom_fields: [("ward".to_string(), "12".to_string())].into(),
            ..RenderContext::default()
        }
    }

    #[test]
    fn parses_into_parts() {
        let t = parse("Hi {firstName}, it's {senderFirstName} from {organizationName}. Ward {custom:ward}!").unwrap();
        assert_eq!(
            t.parts(),
            [
                Part::Text("Hi ".into()),
                Part::Var(Variable::FirstName),
                Part::Text(", it's ".into()),
                Part::Var(Variable::SenderFirstName),
                Part::Text(" from ".into()),
                Part::Var(Variable::OrganizationName),
                Part::Text(". Ward ".into()),
                Part::Var(Variable::Custom(CustomFieldName::parse("ward").unwrap())),
                Part::Text("!".into()),
            ]
        );
        assert_eq!(
            t.variables().iter().map(Variable::placeholder).collect::<Vec<_>>(),
            ["{firstName}", "{senderFirstName}", "{organizationName}", "{custom:ward}"]
        );
    }

    #[test]
    fn variables_are_listed_once() {
        let t = parse("{firstName} {lastName} {firstName}").unwrap();
        assert_eq!(t.variables(), [Variable::FirstName, Variable::LastName]);
    }

    #[test]
    fn double_braces_are_literal() {
        let t = parse("Use {{firstName}} to write {firstName}, and }} alone").unwrap();
        assert_eq!(t.render(&ctx()), "Use {firstName} to write Ana, and } alone");
        assert_eq!(t.variables(), [Variable::FirstName]);
        assert_eq!(parse("{{{firstName}}}").unwrap().render(&ctx()), "{Ana}");
    }

    #[test]
    fn errors_name_the_problem_and_place() {
        let err = parse("Hi there, {custm:ward} is yours").unwrap_err();
        assert_eq!(err.to_string(), "Unknown variable {custm:ward} at character 11; did you mean {custom:ward}?");
        assert_eq!(err.position(), Some(10));
        let err = parse("Hi {firstName, see you").unwrap_err();
        assert_eq!(err, TemplateError::UnclosedBrace { at: 3 });
        assert_eq!(
            err.to_string(),
            "Unclosed brace at character 4: end the variable with }, or write {{ for a literal {."
        );
        // A space-separated phrase before the next "}" is a missing brace, not a variable.
        assert_eq!(parse("Hi {firstName, see you {lastName}").unwrap_err(), TemplateError::UnclosedBrace { at: 3 });
        assert_eq!(parse("Hi {firstName see} you").unwrap_err(), TemplateError::UnclosedBrace { at: 3 });
        assert_eq!(parse("Hi {firstName").unwrap_err(), TemplateError::UnclosedBrace { at: 3 });
        let err = parse("Hi {firstName}} :)").unwrap_err();
        assert_eq!(err, TemplateError::UnmatchedClosingBrace { at: 14 });
        assert_eq!(err.to_string(), "Unmatched } at character 15: remove it, or write }} for a literal }.");
        assert_eq!(parse("a {} b").unwrap_err(), TemplateError::EmptyVariable { at: 2 });
        assert_eq!(parse("").unwrap_err(), TemplateError::Empty);
        assert_eq!(parse(" \n\t ").unwrap_err(), TemplateError::Empty);
        assert_eq!(TemplateError::Empty.position(), None);
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let err = parse("¿Cómo estás, {nombre}?").unwrap_err();
        assert_eq!(err.position(), Some(13));
        assert!(err.to_string().starts_with("Unknown variable {nombre} at character 14. Use {firstName}"));
    }

    #[test]
    fn suggestions_for_near_misses() {
        let suggestion = |raw: &str| match parse(raw).unwrap_err() {
            TemplateError::UnknownVariable { suggestion, .. }
            | TemplateError::BadCustomFieldName { suggestion, .. } => suggestion.map(|v| v.placeholder()),
            other => panic!("{other:?}"),
        };
        assert_eq!(suggestion("{firstname}").as_deref(), Some("{firstName}"));
        assert_eq!(suggestion("{first_name}").as_deref(), Some("{firstName}"));
        assert_eq!(suggestion("{ firstName }").as_deref(), Some("{firstName}"));
        assert_eq!(suggestion("{FirstName}").as_deref(), Some("{firstName}"));
        assert_eq!(suggestion("{orgName}").as_deref(), None);
        assert_eq!(suggestion("{organisationName}").as_deref(), Some("{organizationName}"));
        assert_eq!(suggestion("{ward}").as_deref(), Some("{custom:ward}"));
        assert_eq!(suggestion("{custom:polling_plce}").as_deref(), Some("{custom:polling_place}"));
        assert_eq!(suggestion("{custom:Ward}").as_deref(), Some("{custom:ward}"));
        assert_eq!(suggestion("{custom:precinct}").as_deref(), None);
        assert_eq!(suggestion("{xyz}").as_deref(), None);
    }

    #[test]
    fn custom_fields_must_be_known_and_well_formed() {
        let err = parse("{custom:precinct}").unwrap_err();
        assert!(matches!(err, TemplateError::UnknownVariable { ref name, .. } if name == "custom:precinct"));
        let err = parse("Go to {custom:Polling-Place}").unwrap_err();
        assert!(matches!(err, TemplateError::BadCustomFieldName { at: 6, .. }), "{err:?}");
        assert!(err.to_string().starts_with("Invalid custom field {custom:Polling-Place} at character 7"));
        assert!(parse("{custom:}").is_err());
        assert!(CustomFieldName::parse(&"a".repeat(64)).is_ok());
        assert!(CustomFieldName::parse(&"a".repeat(65)).is_err());
        assert!(CustomFieldName::parse("ward_2").is_ok());
        for bad in ["", "Ward", "ward name", "wárd", "ward-2"] {
            assert!(CustomFieldName::parse(bad).is_err(), "{bad:?}");
        }
        // "custom" is not special on its own.
        assert!(parse("{custom}").is_err());
    }

    #[test]
    fn renders_values_and_fallbacks() {
        let t =
            parse("Hi {firstName} {lastName}! {senderFirstName} / {organizationName} / ward {custom:ward}.").unwrap();
        assert_eq!(t.render(&ctx()), "Hi Ana Lima! Sam / Vote Now / ward 12.");
        let bare = RenderContext { organization_name: "Vote Now".into(), ..RenderContext::default() };
        assert_eq!(t.render(&bare), "Hi friend ! a volunteer / Vote Now / ward .");
        let blank = RenderContext {
            contact_first_name: Some("   ".into()),
            contact_last_name: Some("\n".into()),
            sender_first_name: Some(String::new()),
            custom_fields: [("ward".to_string(), " ".to_string())].into(),
            contact_fallback_first_name: "amigo".into(),
            sender_fallback_first_name: "Team".into(),
            ..bare
        };
        assert_eq!(t.render(&blank), "Hi amigo ! Team / Vote Now / ward .");
        let messy = RenderContext { contact_first_name: Some("  Ana \n Maria ".into()), ..ctx() };
        assert_eq!(parse("Hi {firstName}!").unwrap().render(&messy), "Hi Ana Maria!");
    }

    #[test]
    fn a_dropped_custom_field_renders_empty() {
        let stored: ScriptTemplate = serde_json::from_str("\"Ward {custom:old_field}.\"").unwrap();
        assert_eq!(stored.render(&ctx()), "Ward .");
    }

    #[test]
    fn serde_is_the_raw_string() {
        let raw = "Hi {firstName}, {{literal}} {custom:ward}";
        let t = parse(raw).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, serde_json::to_string(raw).unwrap());
        assert_eq!(serde_json::from_str::<ScriptTemplate>(&json).unwrap(), t);
        assert!(serde_json::from_str::<ScriptTemplate>("\"Hi {firstName\"").is_err());
        assert_eq!(serde_json::to_string(&Variable::FirstName).unwrap(), "\"firstName\"");
        assert_eq!(t.to_string(), raw);
    }

    #[test]
    fn opt_out_language() {
        let yes = [
            "Reply STOP to opt out",
            "reply stop to opt out",
            "Text stop to quit.",
            "Txt STOP=end",
            "Msg&data rates may apply. STOP2END",
            "To opt out, reply 'stop'.",
            "Questions? Reply HELP. Reply “Stop” to unsubscribe.",
            "Responde ALTO para cancelar",
            "responda alto para no recibir más mensajes",
            "Envía PARA para darte de baja",
            "Hi {firstName}! STOP",
        ];
        for raw in yes {
            assert!(parse(raw).unwrap().has_opt_out_language(), "{raw:?}");
        }
        let no = [
            "Hi {firstName}, can you stop by the office?",
            "Vota para Ana el martes",
            "El costo es muy alto",
            "Nothing can stop us now",
            "Hi {firstName}, this is {senderFirstName}",
            "Unstoppable",
        ];
        for raw in no {
            assert!(!parse(raw).unwrap().has_opt_out_language(), "{raw:?}");
        }
        // A variable between two words does not glue them into a keyword.
        assert!(!parse("ST{firstName}OP").unwrap().has_opt_out_language());
    }

    #[test]
    fn script_values_count_the_rendered_text_not_the_placeholders() {
        let fields = vec!["ward".to_string()];
        let t = ScriptTemplate::parse(&format!("Hi {{firstName}}{}", " {custom:ward}".repeat(12)), &fields).unwrap();
        let mut values = ScriptValues::default();
        values.sample.contact_first_name = Some("Ana".into());
        values.sample.custom_fields.insert("ward".into(), "7".into());
        values.longest.observe(&values.sample);
        let counts = values.counts(&t);
        assert!(counts.sample_text.starts_with("Hi Ana 7 7"), "{}", counts.sample_text);
        assert_eq!((counts.sample.segments, counts.worst.segments), (1, 1));
        values.longest.observe_value(&Variable::FirstName, &"Maximiliana".repeat(15));
        assert_eq!(values.counts(&t).sample.segments, 1);
        assert_eq!(values.counts(&t).worst.segments, 2, "the longest name in the list decides the worst case");
    }

    #[test]
    fn worst_case_uses_the_longest_values() {
        let t = parse(&format!("Hi {{firstName}}, {}", "x".repeat(140))).unwrap();
        let fallbacks = RenderContext { organization_name: "Vote Now".into(), ..RenderContext::default() };
        let mut longest = LongestValues::new();
        for name in ["Ana", "Bo", "Maximiliano Alejandro"] {
            longest.observe(&RenderContext { contact_first_name: Some(name.into()), ..fallbacks.clone() });
        }
        // "Hi Ana, " + 140 = 148 septets; with the longest name it is 166: two segments.
        let rendered = t.render(&RenderContext { contact_first_name: Some("Ana".into()), ..fallbacks.clone() });
        assert_eq!(Segments::count(&rendered).segments, 1);
        let worst = t.worst_case_segments(&longest, &fallbacks);
        assert_eq!((worst.encoding, worst.units, worst.segments), (Encoding::Gsm7, 166, 2));
    }

    #[test]
    fn worst_case_switches_to_ucs2_if_any_value_needs_it() {
        let t = parse(&format!("Hi {{firstName}}, {}", "x".repeat(60))).unwrap();
        let fallbacks = RenderContext::default();
        let mut longest = LongestValues::new();
        longest.observe_value(&Variable::FirstName, "Ángel");
        longest.observe_value(&Variable::FirstName, "Christopher");
        let worst = t.worst_case_segments(&longest, &fallbacks);
        // The longest name is GSM, but Ángel's message is UCS-2: "Hi Christopher, " + 60 = 76.
        assert_eq!((worst.encoding, worst.units, worst.segments), (Encoding::Ucs2, 76, 2));
    }

    #[test]
    fn worst_case_includes_fallbacks_and_unobserved_variables() {
        let t = parse("Hi {firstName} from {organizationName}").unwrap();
        let fallbacks = RenderContext {
            organization_name: "Org".into(),
            contact_fallback_first_name: "neighbor and friend".into(),
            ..RenderContext::default()
        };
        let mut longest = LongestValues::new();
        longest.observe_value(&Variable::FirstName, "Ana");
        let worst = t.worst_case_segments(&longest, &fallbacks);
        assert_eq!(worst.units, "Hi neighbor and friend from Org".len());
        // A template with UCS-2 literal text is UCS-2 whatever the values.
        let t = parse("¿Cómo estás, {firstName}?").unwrap();
        assert_eq!(t.worst_case_segments(&longest, &fallbacks).encoding, Encoding::Ucs2);
    }

    fn variable() -> impl Strategy<Value = Variable> {
        prop_oneof![
            Just(Variable::FirstName),
            Just(Variable::LastName),
            Just(Variable::SenderFirstName),
            Just(Variable::OrganizationName),
            Just(Variable::Custom(CustomFieldName::parse("ward").unwrap())),
            Just(Variable::Custom(CustomFieldName::parse("polling_place").unwrap())),
        ]
    }

    /// A template as parts, with literal text that may contain braces (to be escaped).
    fn parts() -> impl Strategy<Value = Vec<Part>> {
        prop::collection::vec(
            prop_oneof![
                "[^{}]{1,12}".prop_map(Part::Text),
                "[a-z {}é👍]{1,8}".prop_map(Part::Text),
                variable().prop_map(Part::Var),
            ],
            1..12,
        )
    }

    fn write_raw(parts: &[Part]) -> String {
        parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.replace('{', "{{").replace('}', "}}"),
                Part::Var(variable) => variable.placeholder(),
            })
            .collect()
    }

    /// Adjacent text parts merge when parsed.
    fn merged(parts: Vec<Part>) -> Vec<Part> {
        let mut out: Vec<Part> = Vec::new();
        for part in parts {
            match (out.last_mut(), part) {
                (Some(Part::Text(previous)), Part::Text(text)) => previous.push_str(&text),
                (_, part) => out.push(part),
            }
        }
        out
    }

    proptest! {
        #[test]
        fn raw_round_trips(parts in parts()) {
            let raw = write_raw(&parts);
            prop_assume!(!raw.trim().is_empty());
            let t = ScriptTemplate::parse(&raw, &fields()).unwrap();
            prop_assert_eq!(t.as_str(), raw.as_str());
            let expected = merged(parts);
            prop_assert_eq!(t.parts(), expected.as_slice());
            let json = serde_json::to_string(&t).unwrap();
            prop_assert_eq!(serde_json::from_str::<ScriptTemplate>(&json).unwrap(), t.clone());
            prop_assert_eq!(ScriptTemplate::parse(t.as_str(), &fields()).unwrap(), t);
        }

        #[test]
        fn variables_never_leave_braces(
            parts in prop::collection::vec(
                prop_oneof!["[^{}]{1,12}".prop_map(Part::Text), variable().prop_map(Part::Var)],
                1..12,
            ),
            first in proptest::option::of("[^{}]{0,12}"),
            last in proptest::option::of("[^{}]{0,12}"),
            ward in "[^{}]{0,12}",
        ) {
            let raw = write_raw(&parts);
            prop_assume!(!raw.trim().is_empty());
            let t = ScriptTemplate::parse(&raw, &fields()).unwrap();
            let ctx = RenderContext {
                contact_first_name: first,
                contact_last_name: last,
                custom_fields: [("ward".to_string(), ward)].into(),
                ..RenderContext::default()
            };
            let rendered = t.render(&ctx);
            prop_assert!(!rendered.contains('{') && !rendered.contains('}'), "{:?}", rendered);
        }

        #[test]
        fn errors_point_at_a_brace(raw in "[a-z{}: ]{0,30}|\\PC{0,60}") {
            match ScriptTemplate::parse(&raw, &fields()) {
                Ok(t) => prop_assert_eq!(t.as_str(), raw.as_str()),
                Err(err) => {
                    if let Some(at) = err.position() {
                        let c = raw.chars().nth(at);
                        prop_assert!(matches!(c, Some('{') | Some('}')), "{:?} at {}", err, at);
                    }
                }
            }
        }

        #[test]
        fn worst_case_is_at_least_any_rendering(
            names in prop::collection::vec(proptest::option::of("[a-zA-Zé€áÁ👍 ]{0,30}"), 1..8),
            filler in 0usize..300,
        ) {
            let t = ScriptTemplate::parse(&format!("Hi {{firstName}}, {}", "x".repeat(filler)), &[]).unwrap();
            let fallbacks = RenderContext::default();
            let mut longest = LongestValues::new();
            let contexts: Vec<RenderContext> = names
                .into_iter()
                .map(|name| RenderContext { contact_first_name: name, ..fallbacks.clone() })
                .collect();
            for ctx in &contexts {
                longest.observe(ctx);
            }
            let worst = t.worst_case_segments(&longest, &fallbacks);
            for ctx in &contexts {
                let actual = Segments::count(&t.render(ctx));
                // Units are only comparable within one encoding (€ is 2 septets, 1 UTF-16
                // unit); UCS-2 never needs fewer segments than GSM-7 for the same text.
                if actual.encoding == worst.encoding {
                    prop_assert!(actual.units <= worst.units);
                }
                // Equal-length values can place a 2-unit character differently at a part
                // boundary, so allow that one part (documented on `worst_case_segments`).
                prop_assert!(actual.segments <= worst.segments + 1);
            }
        }
    }
}

#[cfg(test)]
mod compliance_tests {
    use super::*;

    fn warnings(text: &str, org: &str) -> Vec<ComplianceWarning> {
        ScriptTemplate::parse(text, &[]).unwrap().compliance_warnings(org)
    }

    #[test]
    fn a_first_text_names_the_sender_and_offers_a_way_out() {
        use ComplianceWarning::*;
        assert_eq!(
            warnings(
                "Hi {firstName}, it's {senderFirstName} with {organizationName}. Text STOP to opt out",
                "Campaign"
            ),
            vec![]
        );
        // The name in the text counts, in any case and with accents folded.
        assert_eq!(
            warnings("Hi! Ana from the yes on 4 campaign here. Reply STOP to opt out", "Yes on 4 Campaign"),
            vec![]
        );
        assert_eq!(
            warnings("Hola, somos de Acción Latina. Responde ALTO para no recibir más", "accion latina"),
            vec![]
        );
        // A volunteer's first name does not say who is texting.
        assert_eq!(
            warnings("Hi {firstName}, it's {senderFirstName}. Text STOP to opt out", "Campaign"),
            vec![NoSenderIdentification]
        );
        // Part of a word is not the name.
        assert_eq!(warnings("Hi from Campaigners United. STOP to opt out", "Campaign"), vec![NoSenderIdentification]);
        // The rule the editor used to apply (any "stop") and this one disagree here: "stop by"
        // is no opt-out language.
        assert_eq!(warnings("Campaign here: stop by our office Saturday!", "Campaign"), vec![NoOptOutLanguage]);
        assert_eq!(warnings("Hi {firstName}", "Campaign"), vec![NoSenderIdentification, NoOptOutLanguage]);
        // An empty organization name never matches.
        assert_eq!(warnings("Hi. STOP to opt out", " "), vec![NoSenderIdentification]);
        assert!(NoSenderIdentification.message("Campaign").contains("\"Campaign\""));
    }
}
