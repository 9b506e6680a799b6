//! An action's results, built from its running counts (one row per volunteer, metric and key,
//! kept by database triggers as events happen). Pure: the server fills in the rows, this turns
//! them into the numbers, rates and frequencies the results page shows, so the arithmetic is
//! tested without a database.

use crate::domain::script_tree::{ScriptNode, ScriptTree};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What a running count counts: `action_counts.metric`, written by the database triggers
/// (migrations/0009, 0014) under exactly these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Initial texts sent; key "".
    InitialSent,
    /// Initial texts the carrier delivered.
    InitialDelivered,
    /// Texts after the initial one (replies and custom), and the conversations that got one.
    Followups,
    FollowedUp,
    /// Inbound texts, and the conversations with at least one.
    Replies,
    Replied,
    /// Conversations waiting for the volunteer's answer.
    Pending,
    Reports,
    /// Batches finished (every claimed contact texted or skipped).
    Batches,
    Skipped,
    Delivered,
    /// Failed texts; key: the error code.
    Errors,
    /// Key: the tag's, custom field's, script node's id; "node/choice" for answers.
    Tag,
    Field,
    Script,
    Answer,
    /// Key: the variant's number.
    VariantSent,
    VariantReplied,
}

impl Metric {
    pub const ALL: [Metric; 18] = [
        Metric::InitialSent,
        Metric::InitialDelivered,
        Metric::Followups,
        Metric::FollowedUp,
        Metric::Replies,
        Metric::Replied,
        Metric::Pending,
        Metric::Reports,
        Metric::Batches,
        Metric::Skipped,
        Metric::Delivered,
        Metric::Errors,
        Metric::Tag,
        Metric::Field,
        Metric::Script,
        Metric::Answer,
        Metric::VariantSent,
        Metric::VariantReplied,
    ];

    /// The name the triggers store.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::InitialSent => "initial_sent",
            Metric::InitialDelivered => "initial_delivered",
            Metric::Followups => "followups",
            Metric::FollowedUp => "followed_up",
            Metric::Replies => "replies",
            Metric::Replied => "replied",
            Metric::Pending => "pending",
            Metric::Reports => "reports",
            Metric::Batches => "batches",
            Metric::Skipped => "skipped",
            Metric::Delivered => "delivered",
            Metric::Errors => "errors",
            Metric::Tag => "tag",
            Metric::Field => "field",
            Metric::Script => "script",
            Metric::Answer => "answer",
            Metric::VariantSent => "variant_sent",
            Metric::VariantReplied => "variant_replied",
        }
    }

    /// A stored name; one no trigger writes is an error, not a count quietly dropped.
    pub fn parse(raw: &str) -> Result<Metric, String> {
        Metric::ALL.into_iter().find(|m| m.as_str() == raw).ok_or_else(|| format!("unknown metric {raw:?}"))
    }
}

#[cfg(feature = "ssr")]
text_column!(Metric);

/// One running count: `metric` per volunteer (`None` when no volunteer), split by `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub volunteer: Option<Uuid>,
    pub metric: Metric,
    pub key: String,
    pub n: i64,
}

/// What the rest of the page needs besides the counts.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Members who can text in the organization (the action is sent to all of them).
    pub sent_to: i64,
    /// Volunteers who opened the texting screen.
    pub seen: i64,
    /// The action's contacts whose numbers the carrier said cannot receive texts.
    pub undeliverable: i64,
    /// (volunteer, name) of every member, and anyone who counted in this action.
    pub names: Vec<(Uuid, String)>,
    pub last_active: Vec<(Uuid, DateTime<Utc>)>,
    /// (id, name) of the organization's tags and custom fields.
    pub tags: Vec<(i64, String)>,
    pub fields: Vec<(i64, String)>,
    pub opt_out_tag: Option<i64>,
    pub hourly: Vec<HourPoint>,
    /// The initial script and its variants as they read now (variant 1 first).
    pub variant_texts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResults {
    pub overview: Overview,
    pub messages: MessagePerformance,
    pub volunteers: Vec<VolunteerResults>,
    pub tags: Vec<Frequency>,
    pub fields: Vec<Frequency>,
    pub questions: Vec<QuestionResults>,
    pub scripts: Vec<Frequency>,
    pub hourly: Vec<HourPoint>,
    /// Per variant of the initial script; empty until a text has gone out.
    pub variants: Vec<VariantResults>,
}

/// How one variant of the initial script did: who got it and who replied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantResults {
    /// 1 is the main script.
    pub variant: i32,
    /// The variant's text as it reads now (it may have been edited since).
    pub text: String,
    pub sent: i64,
    pub replied: i64,
    pub response_rate: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Overview {
    /// Volunteers the action went to.
    pub sent_to: i64,
    /// Of those, how many opened it.
    pub seen: i64,
    /// Sent at least one text.
    pub started: i64,
    /// Finished at least one batch.
    pub completed: i64,
    /// Batches finished.
    pub performs: i64,
    pub reports: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MessagePerformance {
    pub initial_sent: i64,
    /// Contacts whose first text was delivered.
    pub phones_reached: i64,
    /// Contacts who got at least one follow-up, and the follow-ups sent.
    pub followed_up: i64,
    pub followups: i64,
    /// Contacts who replied, and the replies.
    pub replied: i64,
    pub replies: i64,
    /// Contacts who replied, of those texted, in percent.
    pub response_rate: f64,
    pub opt_outs: i64,
    /// Contacts whose numbers cannot receive texts (invalid, not mobile, landline): never
    /// texted again in the organization.
    pub undeliverable: i64,
    /// Times a volunteer skipped a contact (it went back to the pool).
    pub skipped: i64,
    pub delivered: i64,
    pub failed: i64,
    /// Delivered, of the texts whose fate is known, in percent.
    pub delivery_rate: f64,
    pub errors: Vec<ErrorCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCount {
    pub code: Option<i32>,
    pub meaning: String,
    pub n: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolunteerResults {
    pub user_id: Uuid,
    pub name: String,
    pub texts_sent: i64,
    pub followups: i64,
    pub replies_pending: i64,
    pub replies: i64,
    pub reports: i64,
    pub last_active: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frequency {
    pub label: String,
    pub n: i64,
    /// Of the frequency's base (see where it is built), in percent.
    pub percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionResults {
    pub question: String,
    pub answered: i64,
    pub answers: Vec<Frequency>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourPoint {
    pub hour: DateTime<Utc>,
    pub sent: i64,
    pub received: i64,
}

/// `part` of `whole` in percent, one decimal; 0 when there is no whole.
pub fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

/// What a carrier error code means, in an organizer's words (Twilio's codes).
pub fn error_meaning(code: Option<i32>) -> &'static str {
    match code {
        Some(21211) => "Not a valid phone number",
        Some(21408) => "Texting this country is not enabled",
        Some(21610) => "The contact had texted STOP to this number",
        Some(21612) => "The carrier cannot route texts between these numbers",
        Some(21614) => "Not a mobile number",
        Some(21704) => "The messaging service has no sending numbers",
        Some(30001) => "Queue overflow: too many texts at once",
        Some(30002) => "The account is suspended",
        Some(30003) => "Unreachable: the phone is off or out of coverage",
        Some(30004) => "Blocked by the contact or their carrier",
        Some(30005) => "Unknown number: it does not exist or is no longer in service",
        Some(30006) => "A landline or a carrier that cannot receive texts",
        Some(30007) => "Filtered by the carrier as spam",
        Some(30008) => "Unknown carrier error",
        Some(30010) => "The price exceeded the maximum set",
        Some(30032) => "The toll-free number is not verified",
        Some(30034) => "The sending number is not registered for A2P 10DLC",
        Some(_) => "Carrier error",
        None => "Failed without an error code",
    }
}

/// Sums per metric and key over volunteers.
fn totals(counts: &[Count]) -> BTreeMap<(Metric, &str), i64> {
    let mut totals = BTreeMap::new();
    for c in counts {
        *totals.entry((c.metric, c.key.as_str())).or_insert(0) += c.n;
    }
    totals
}

pub fn build(counts: &[Count], facts: &Facts, tree: &ScriptTree) -> ActionResults {
    let totals = totals(counts);
    let total = |metric: Metric| -> i64 {
        totals.range((metric, "")..).take_while(|((m, _), _)| *m == metric).map(|(_, n)| n).sum()
    };
    let keyed =
        |metric: Metric| totals.iter().filter(move |((m, _), n)| *m == metric && **n > 0).map(|((_, k), n)| (*k, *n));

    // Per volunteer.
    let mut per: BTreeMap<Uuid, BTreeMap<Metric, i64>> = BTreeMap::new();
    for c in counts {
        if let Some(v) = c.volunteer {
            *per.entry(v).or_default().entry(c.metric).or_insert(0) += c.n;
        }
    }
    let last_active: BTreeMap<Uuid, DateTime<Utc>> = facts.last_active.iter().copied().collect();
    let names: BTreeMap<Uuid, &str> = facts.names.iter().map(|(id, n)| (*id, n.as_str())).collect();
    let people: Vec<Uuid> = per.keys().copied().collect();
    let mut volunteers: Vec<VolunteerResults> = people
        .into_iter()
        .map(|id| {
            let m = per.get(&id);
            let get = |metric: Metric| m.and_then(|m| m.get(&metric)).copied().unwrap_or(0);
            VolunteerResults {
                user_id: id,
                name: names.get(&id).map(|n| n.to_string()).unwrap_or_else(|| "(former member)".into()),
                texts_sent: get(Metric::InitialSent),
                followups: get(Metric::Followups),
                replies_pending: get(Metric::Pending),
                replies: get(Metric::Replies),
                reports: get(Metric::Reports),
                last_active: last_active.get(&id).copied(),
            }
        })
        .collect();
    volunteers.sort_by(|a, b| b.texts_sent.cmp(&a.texts_sent).then_with(|| a.name.cmp(&b.name)));

    let started = per.values().filter(|m| m.get(&Metric::InitialSent).copied().unwrap_or(0) > 0).count() as i64;
    let completed = per.values().filter(|m| m.get(&Metric::Batches).copied().unwrap_or(0) > 0).count() as i64;
    let overview = Overview {
        sent_to: facts.sent_to,
        seen: facts.seen,
        started,
        completed,
        performs: total(Metric::Batches),
        reports: total(Metric::Reports),
    };

    let initial_sent = total(Metric::InitialSent);
    let delivered = total(Metric::Delivered);
    let failed = total(Metric::Errors);
    let mut errors: Vec<ErrorCount> = keyed(Metric::Errors)
        .map(|(k, n)| {
            let code = k.parse::<i32>().ok();
            ErrorCount { code, meaning: error_meaning(code).to_string(), n }
        })
        .collect();
    errors.sort_by(|a, b| b.n.cmp(&a.n).then(a.code.cmp(&b.code)));
    let replied = total(Metric::Replied);
    let opt_outs = facts
        .opt_out_tag
        .map(|id| totals.get(&(Metric::Tag, id.to_string().as_str())).copied().unwrap_or(0))
        .unwrap_or(0);
    let messages = MessagePerformance {
        initial_sent,
        phones_reached: total(Metric::InitialDelivered),
        followed_up: total(Metric::FollowedUp),
        followups: total(Metric::Followups),
        replied,
        replies: total(Metric::Replies),
        response_rate: percent(replied, initial_sent),
        opt_outs,
        undeliverable: facts.undeliverable,
        skipped: total(Metric::Skipped),
        delivered,
        failed,
        delivery_rate: percent(delivered, delivered + failed),
        errors,
    };

    // Tags and fields: of the contacts texted.
    let named = |items: &[(i64, String)], metric: Metric| -> Vec<Frequency> {
        let mut out: Vec<Frequency> = items
            .iter()
            .filter_map(|(id, name)| {
                let n = totals.get(&(metric, id.to_string().as_str())).copied().unwrap_or(0);
                (n > 0).then(|| Frequency { label: name.clone(), n, percent: percent(n, initial_sent) })
            })
            .collect();
        out.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.label.cmp(&b.label)));
        out
    };
    let tags = named(&facts.tags, Metric::Tag);
    let fields = named(&facts.fields, Metric::Field);

    // Survey answers, per question of the script, in script order; answers of choices since
    // removed from the script still count, under the label they were given.
    let mut questions = Vec::new();
    let answers: Vec<(&str, &str, i64)> =
        keyed(Metric::Answer).filter_map(|(k, n)| k.split_once('/').map(|(q, a)| (q, a, n))).collect();
    let mut asked: Vec<(String, String, &Vec<ScriptNode>)> = Vec::new();
    if !tree.question.trim().is_empty() {
        asked.push((String::new(), tree.question.clone(), &tree.answers));
    }
    collect_questions(&tree.answers, &mut asked);
    for (node, question, choices) in &asked {
        let mut counts: Vec<(String, i64)> = choices
            .iter()
            .map(|c| {
                (c.label.clone(), answers.iter().filter(|(q, a, _)| q == node && *a == c.id).map(|(_, _, n)| n).sum())
            })
            .collect();
        let known: Vec<&str> = choices.iter().map(|c| c.id.as_str()).collect();
        let gone: i64 = answers.iter().filter(|(q, a, _)| q == node && !known.contains(a)).map(|(_, _, n)| n).sum();
        if gone > 0 {
            counts.push(("(a removed choice)".into(), gone));
        }
        let answered: i64 = counts.iter().map(|(_, n)| n).sum();
        questions.push(QuestionResults {
            question: question.clone(),
            answered,
            answers: counts
                .into_iter()
                .map(|(label, n)| Frequency { label, n, percent: percent(n, answered) })
                .collect(),
        });
    }

    // Response scripts: of the follow-ups sent.
    let mut scripts: Vec<Frequency> = keyed(Metric::Script)
        .map(|(node, n)| {
            let label = tree.find(node).map(|p| p.path.join(" → ")).unwrap_or_else(|| "(a removed script)".into());
            Frequency { label, n, percent: percent(n, total(Metric::Followups)) }
        })
        .collect();
    scripts.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.label.cmp(&b.label)));

    // Variants: every variant that texted someone, and any the script has now.
    let mut numbers: Vec<i32> = keyed(Metric::VariantSent).filter_map(|(k, _)| k.parse().ok()).collect();
    numbers.extend(1..=facts.variant_texts.len() as i32);
    numbers.sort();
    numbers.dedup();
    let variant_total =
        |metric: Metric, number: i32| totals.get(&(metric, number.to_string().as_str())).copied().unwrap_or(0);
    let variants = numbers
        .into_iter()
        .map(|number| {
            let (sent, replied) =
                (variant_total(Metric::VariantSent, number), variant_total(Metric::VariantReplied, number));
            VariantResults {
                variant: number,
                text: facts
                    .variant_texts
                    .get(number as usize - 1)
                    .cloned()
                    .unwrap_or_else(|| "(a removed variant)".into()),
                sent,
                replied,
                response_rate: percent(replied, sent),
            }
        })
        .collect();

    ActionResults {
        overview,
        messages,
        volunteers,
        tags,
        fields,
        questions,
        scripts,
        hourly: facts.hourly.clone(),
        variants,
    }
}

fn collect_questions<'a>(nodes: &'a [ScriptNode], out: &mut Vec<(String, String, &'a Vec<ScriptNode>)>) {
    for node in nodes {
        if !node.question.trim().is_empty() && !node.answers.is_empty() {
            out.push((node.id.clone(), node.question.clone(), &node.answers));
        }
        collect_questions(&node.answers, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(volunteer: Option<Uuid>, metric: &str, key: &str, n: i64) -> Count {
        Count { volunteer, metric: Metric::parse(metric).unwrap(), key: key.into(), n }
    }

    #[test]
    fn metric_names_read_back_and_unknown_ones_are_refused() {
        for metric in Metric::ALL {
            assert_eq!(Metric::parse(metric.as_str()), Ok(metric));
        }
        assert!(Metric::parse("initial").is_err());
    }

    fn node(id: &str, label: &str, question: &str, answers: Vec<ScriptNode>) -> ScriptNode {
        ScriptNode {
            id: id.into(),
            label: label.into(),
            body: format!("{label}!"),
            question: question.into(),
            answers,
            ..Default::default()
        }
    }

    #[test]
    fn percentages_round_to_one_decimal_and_survive_an_empty_base() {
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(2, 3), 66.7);
        assert_eq!(percent(5, 0), 0.0);
        assert_eq!(percent(0, 7), 0.0);
    }

    #[test]
    fn counts_become_the_overview_rates_frequencies_and_volunteer_rows() {
        let (ana, bo, gone) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let tree = ScriptTree {
            question: "Will you vote?".into(),
            answers: vec![
                node(
                    "y",
                    "Yes",
                    "Need a ride?",
                    vec![node("r", "Ride", "", vec![]), node("nr", "No ride", "", vec![])],
                ),
                node("n", "No", "", vec![]),
            ],
            ..Default::default()
        };
        let counts = vec![
            count(Some(ana), "initial_sent", "", 6),
            count(Some(bo), "initial_sent", "", 4),
            count(Some(gone), "initial_sent", "", 0),
            count(Some(ana), "batches", "", 3),
            count(Some(ana), "initial_delivered", "", 5),
            count(Some(bo), "initial_delivered", "", 3),
            count(Some(ana), "delivered", "", 7),
            count(Some(bo), "delivered", "", 3),
            count(Some(ana), "errors", "30007", 1),
            count(Some(bo), "errors", "30003", 1),
            count(Some(bo), "errors", "30007", 1),
            count(Some(ana), "replies", "", 5),
            count(Some(ana), "replied", "", 3),
            count(Some(bo), "replied", "", 1),
            count(Some(bo), "replies", "", 1),
            count(Some(bo), "pending", "", 1),
            count(Some(ana), "followups", "", 3),
            count(Some(ana), "followed_up", "", 2),
            count(Some(ana), "script", "y", 2),
            count(Some(ana), "script", "r", 1),
            count(Some(ana), "answer", "/y", 2),
            count(Some(bo), "answer", "/n", 1),
            count(Some(bo), "answer", "/old", 1),
            count(Some(ana), "answer", "y/r", 1),
            count(Some(ana), "tag", "10", 2),
            count(Some(bo), "tag", "11", 1),
            count(Some(bo), "tag", "12", 0),
            count(Some(ana), "reports", "", 2),
            count(Some(bo), "reports", "", 1),
        ];
        let t =
            |h: u32| DateTime::parse_from_rfc3339(&format!("2026-11-03T{h:02}:00:00Z")).unwrap().with_timezone(&Utc);
        let facts = Facts {
            sent_to: 5,
            seen: 3,
            undeliverable: 2,
            names: vec![(ana, "Ana".into()), (bo, "Bo".into())],
            last_active: vec![(ana, t(14))],
            tags: vec![(10, "Supporter".into()), (11, "Opt Out".into()), (12, "Unused".into())],
            fields: vec![],
            opt_out_tag: Some(11),
            hourly: vec![HourPoint { hour: t(13), sent: 10, received: 6 }],
            variant_texts: vec!["Hi A".into(), "Hi B".into()],
        };
        let mut counts = counts;
        counts.extend([
            count(Some(ana), "variant_sent", "1", 4),
            count(Some(bo), "variant_sent", "1", 2),
            count(Some(bo), "variant_sent", "2", 4),
            count(Some(ana), "variant_replied", "1", 3),
            count(Some(bo), "variant_replied", "2", 1),
            // A variant since removed still shows what it did.
            count(Some(bo), "variant_sent", "3", 1),
        ]);
        let r = build(&counts, &facts, &tree);
        assert_eq!(
            r.variants
                .iter()
                .map(|v| (v.variant, v.text.as_str(), v.sent, v.replied, v.response_rate))
                .collect::<Vec<_>>(),
            vec![(1, "Hi A", 6, 3, 50.0), (2, "Hi B", 4, 1, 25.0), (3, "(a removed variant)", 1, 0, 0.0)]
        );

        assert_eq!(r.overview, Overview { sent_to: 5, seen: 3, started: 2, completed: 1, performs: 3, reports: 3 });
        let m = &r.messages;
        assert_eq!((m.initial_sent, m.phones_reached, m.followed_up, m.followups), (10, 8, 2, 3));
        assert_eq!((m.replied, m.replies, m.response_rate), (4, 6, 40.0));
        assert_eq!((m.delivered, m.failed, m.delivery_rate, m.opt_outs), (10, 3, 76.9, 1));
        assert_eq!(m.undeliverable, 2, "counted in results");
        assert_eq!(
            m.errors,
            vec![
                ErrorCount { code: Some(30007), meaning: error_meaning(Some(30007)).into(), n: 2 },
                ErrorCount { code: Some(30003), meaning: error_meaning(Some(30003)).into(), n: 1 },
            ]
        );

        assert_eq!(r.volunteers.len(), 3, "a volunteer with a zero count still has a row");
        assert_eq!((r.volunteers[0].name.as_str(), r.volunteers[0].texts_sent, r.volunteers[0].reports), ("Ana", 6, 2));
        assert_eq!(r.volunteers[0].last_active, Some(t(14)));
        assert_eq!(
            (r.volunteers[1].name.as_str(), r.volunteers[1].replies_pending, r.volunteers[1].replies),
            ("Bo", 1, 1)
        );
        assert_eq!(r.volunteers[2].name, "(former member)");

        assert_eq!(
            r.tags,
            vec![
                Frequency { label: "Supporter".into(), n: 2, percent: 20.0 },
                Frequency { label: "Opt Out".into(), n: 1, percent: 10.0 },
            ]
        );
        assert_eq!(r.questions.len(), 2);
        assert_eq!(r.questions[0].question, "Will you vote?");
        assert_eq!(r.questions[0].answered, 4);
        let labels: Vec<(&str, i64, f64)> =
            r.questions[0].answers.iter().map(|f| (f.label.as_str(), f.n, f.percent)).collect();
        assert_eq!(labels, vec![("Yes", 2, 50.0), ("No", 1, 25.0), ("(a removed choice)", 1, 25.0)]);
        assert_eq!(r.questions[1].question, "Need a ride?");
        assert_eq!((r.questions[1].answers[0].n, r.questions[1].answers[1].n), (1, 0));
        assert_eq!(r.scripts[0], Frequency { label: "Yes".into(), n: 2, percent: 66.7 });
        assert_eq!(r.scripts[1].label, "Yes → Ride");
        assert_eq!(r.hourly.len(), 1);
    }

    #[test]
    fn every_code_has_words() {
        assert!(error_meaning(Some(30007)).contains("spam"));
        assert_eq!(error_meaning(Some(12345)), "Carrier error");
        assert_eq!(error_meaning(None), "Failed without an error code");
    }
}
