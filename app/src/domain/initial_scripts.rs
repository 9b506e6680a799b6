//! An action's initial script and its variants. Each contact gets one variant, chosen by their
//! conversation so the text a volunteer sees is the text the server checks when they press Send,
//! and so variants are spread evenly over the list.

use crate::domain::script_template::{ComplianceWarning, LongestValues, RenderContext, ScriptTemplate, TemplateError};
use crate::domain::segments::SegmentInfo;

/// Variants beyond this add little and make the estimate and review harder.
pub const MAX_VARIANTS: usize = 5;

#[derive(Debug, Clone, PartialEq)]
pub struct InitialScripts(Vec<ScriptTemplate>);

/// Which variant failed to parse (1 is the main script) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantError {
    pub variant: usize,
    pub error: String,
}

impl std::fmt::Display for VariantError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.variant == 1 {
            write!(f, "{}", self.error)
        } else {
            write!(f, "Variant {}: {}", self.variant, self.error)
        }
    }
}

impl InitialScripts {
    /// The main script first, then the variants; blank variants are dropped (an empty box the
    /// admin added and never filled), a blank main script is not.
    pub fn parse(
        main: &str,
        variants: &[String],
        known_custom_fields: &[String],
    ) -> Result<InitialScripts, VariantError> {
        let mut raw: Vec<&str> = vec![main];
        raw.extend(variants.iter().map(String::as_str).filter(|v| !v.trim().is_empty()));
        if raw.len() > MAX_VARIANTS {
            return Err(VariantError {
                variant: raw.len(),
                error: format!("An initial script can have at most {MAX_VARIANTS} variants."),
            });
        }
        let mut templates = Vec::with_capacity(raw.len());
        for (i, text) in raw.into_iter().enumerate() {
            if text.trim().is_empty() {
                return Err(VariantError { variant: i + 1, error: "The initial script is empty.".into() });
            }
            let template = ScriptTemplate::parse(text.trim(), known_custom_fields)
                .map_err(|e: TemplateError| VariantError { variant: i + 1, error: e.to_string() })?;
            templates.push(template);
        }
        Ok(InitialScripts(templates))
    }

    /// Each script that fails `ScriptTemplate::compliance_warnings`, as (variant, warnings);
    /// variant 1 is the main script.
    pub fn compliance_problems(&self, org_name: &str) -> Vec<(usize, Vec<ComplianceWarning>)> {
        self.0
            .iter()
            .enumerate()
            .map(|(i, t)| (i + 1, t.compliance_warnings(org_name)))
            .filter(|(_, w)| !w.is_empty())
            .collect()
    }

    /// The problems in words, one per failing script: "Initial script: it has no opt-out
    /// language, …", "Variant 2: it does not say who is texting: …".
    pub fn describe_compliance_problems(&self, org_name: &str) -> Vec<String> {
        self.compliance_problems(org_name)
            .into_iter()
            .map(|(variant, warnings)| {
                let what = if variant == 1 { "Initial script".to_string() } else { format!("Variant {variant}") };
                let why: Vec<String> = warnings.iter().map(|w| w.message(org_name)).collect();
                format!("{what}: {}", why.join("; "))
            })
            .collect()
    }

    /// Blank variants are left out of what is stored.
    pub fn normalize_variants(variants: &[String]) -> Vec<String> {
        variants.iter().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The variant a conversation gets: the same one every time it is asked.
    pub fn variant_index(&self, conversation_id: i64) -> usize {
        conversation_id.rem_euclid(self.0.len() as i64) as usize
    }

    pub fn for_conversation(&self, conversation_id: i64) -> &ScriptTemplate {
        &self.0[self.variant_index(conversation_id)]
    }

    /// The longest any contact's text can be, over every variant: what the estimate charges.
    pub fn worst_case_segments(&self, longest: &LongestValues, fallbacks: &RenderContext) -> SegmentInfo {
        self.0
            .iter()
            .map(|t| t.worst_case_segments(longest, fallbacks))
            .max_by_key(|info| info.segments)
            .expect("at least the main script")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<String> {
        vec!["ward".into()]
    }

    #[test]
    fn variants_are_numbered_in_errors_and_blank_ones_dropped() {
        let ok =
            InitialScripts::parse("Hi {firstName}", &["".into(), "Hello {custom:ward}".into()], &fields()).unwrap();
        assert_eq!(ok.len(), 2);
        let err = InitialScripts::parse("Hi", &["Hey {nickname}".into()], &fields()).unwrap_err();
        assert_eq!(err.variant, 2);
        assert!(err.to_string().starts_with("Variant 2: ") && err.to_string().contains("nickname"), "{err}");
        assert_eq!(InitialScripts::parse("  ", &[], &fields()).unwrap_err().variant, 1);
        let many: Vec<String> = (0..5).map(|i| format!("v{i}")).collect();
        assert!(InitialScripts::parse("main", &many, &fields()).unwrap_err().to_string().contains("at most 5"));
        assert_eq!(InitialScripts::normalize_variants(&[" a ".into(), " ".into()]), vec!["a".to_string()]);
    }

    #[test]
    fn each_conversation_keeps_its_variant_and_variants_spread_evenly() {
        let s = InitialScripts::parse("A", &["B".into(), "C".into()], &[]).unwrap();
        let mut counts = [0usize; 3];
        for id in 1..=300i64 {
            assert_eq!(s.variant_index(id), s.variant_index(id));
            counts[s.variant_index(id)] += 1;
        }
        assert_eq!(counts, [100, 100, 100]);
        assert_eq!(s.for_conversation(3).as_str(), "A");
        assert_eq!(s.for_conversation(4).as_str(), "B");
    }

    #[test]
    fn the_estimate_charges_the_longest_variant() {
        let long = "x".repeat(200);
        let s = InitialScripts::parse("short", &[long], &[]).unwrap();
        let info = s.worst_case_segments(&LongestValues::new(), &RenderContext::default());
        assert_eq!(info.segments, 2);
    }
}

#[cfg(test)]
mod compliance_tests {
    use super::*;

    #[test]
    fn every_variant_is_checked_and_named() {
        let scripts = InitialScripts::parse(
            "Hi {firstName}, {organizationName} here. STOP to opt out",
            &["Hi {firstName}, vote Tuesday!".into(), "".into(), "Campaign: vote! STOP to opt out".into()],
            &[],
        )
        .unwrap();
        assert_eq!(
            scripts.compliance_problems("Campaign"),
            vec![(2, vec![ComplianceWarning::NoSenderIdentification, ComplianceWarning::NoOptOutLanguage])]
        );
        let words = scripts.describe_compliance_problems("Campaign");
        assert_eq!(words.len(), 1);
        assert!(words[0].starts_with("Variant 2: it does not say who is texting"), "{}", words[0]);
        assert!(words[0].contains("no opt-out language"), "{}", words[0]);
        let main_only = InitialScripts::parse("Hi {firstName}", &[], &[]).unwrap();
        assert!(main_only.describe_compliance_problems("Campaign")[0].starts_with("Initial script: "));
    }
}
