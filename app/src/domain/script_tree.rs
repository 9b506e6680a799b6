//! The branched script of an action. The initial script may ask a question; each answer choice
//! has a response script, which may ask a further question with answer choices of its own, to
//! any depth. Responses outside the tree ("Wrong number", "Opt out", FAQ answers) sit beside it.
//! Every response can apply tags and custom-field values when it is sent.
//!
//! The tree is one value, edited whole in the browser and stored whole as JSON, so it has no
//! cycles by construction and a save is never half applied. Node ids are chosen by the editor
//! and never reused, so survey answers and send counts stay attached to the right choice when
//! the tree is reordered or relabelled.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::script_template::ScriptTemplate;

/// Limits that keep a script something a volunteer can work from (and a document the server
/// can check quickly).
pub const MAX_DEPTH: usize = 8;
pub const MAX_NODES: usize = 300;
pub const MAX_LABEL: usize = 60;
/// A response is one text: the carrier's limit.
pub const MAX_BODY: usize = crate::domain::text_limits::MESSAGE_BODY.max;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ScriptTree {
    /// The question the initial script asks ("Can we count on your vote?"); empty: none.
    #[serde(default)]
    pub question: String,
    /// The answer choices to that question, each with its response script.
    #[serde(default)]
    pub answers: Vec<ScriptNode>,
    /// Responses usable anywhere in a conversation.
    #[serde(default)]
    pub standalone: Vec<ScriptNode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ScriptNode {
    /// Stable, unique within the tree: 1–40 ASCII letters, digits, `-` or `_`.
    pub id: String,
    /// The answer choice ("Yes") or, outside the tree, the response's name ("Wrong number").
    pub label: String,
    /// The response script, with the same variables as the initial script.
    pub body: String,
    /// A further question this response asks; empty: none.
    #[serde(default)]
    pub question: String,
    #[serde(default)]
    pub answers: Vec<ScriptNode>,
    /// Applied to the conversation when this response is sent (Advanced Options).
    #[serde(default)]
    pub tags: Vec<i64>,
    #[serde(default)]
    pub field_values: Vec<FieldValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FieldValue {
    pub field_id: i64,
    pub value: String,
}

/// What is wrong, and where: `path` names the node as a person finds it in the editor
/// ("Yes → Not sure"), `field` which of its boxes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptTreeError {
    pub node_id: Option<String>,
    pub path: String,
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for ScriptTreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{} ({}): {}", self.path, self.field, self.message)
        }
    }
}

/// What the server knows when it checks a tree: the list's custom fields (for variables) and
/// the organization's tags and custom fields (for Advanced Options).
pub struct Known<'a> {
    pub list_fields: &'a [String],
    pub tag_ids: &'a [i64],
    pub field_ids: &'a [i64],
}

/// Where a response sits: the question it answers, if it is in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement<'a> {
    pub node: &'a ScriptNode,
    /// The id of the node whose question this node answers ("" for the initial question);
    /// `None` for standalone responses.
    pub question_node: Option<&'a str>,
    pub question: &'a str,
    /// Labels from the top down to this node.
    pub path: Vec<&'a str>,
}

impl ScriptTree {
    pub fn from_json(value: &serde_json::Value) -> ScriptTree {
        // A stored tree was checked on save; an unreadable one (never expected) reads as empty
        // rather than taking the action down.
        serde_json::from_value(value.clone()).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.answers.is_empty() && self.standalone.is_empty() && self.question.trim().is_empty()
    }

    /// Every node with its placement, depth first, tree before standalone.
    pub fn placements(&self) -> Vec<Placement<'_>> {
        fn walk<'a>(
            nodes: &'a [ScriptNode],
            question_node: &'a str,
            question: &'a str,
            path: &[&'a str],
            out: &mut Vec<Placement<'a>>,
        ) {
            for node in nodes {
                let mut here = path.to_vec();
                here.push(node.label.as_str());
                out.push(Placement { node, question_node: Some(question_node), question, path: here.clone() });
                walk(&node.answers, &node.id, &node.question, &here, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.answers, "", &self.question, &[], &mut out);
        for node in &self.standalone {
            out.push(Placement { node, question_node: None, question: "", path: vec![node.label.as_str()] });
        }
        out
    }

    pub fn find(&self, id: &str) -> Option<Placement<'_>> {
        self.placements().into_iter().find(|p| p.node.id == id)
    }

    /// The question and answer choices a volunteer is offered next, for a conversation whose
    /// last response script was `current` (`None`: only the initial script was sent). A
    /// response that asks nothing further leaves the volunteer at its parent's choices, so a
    /// contact who changes their mind can still be answered from the tree.
    pub fn next_choices(&self, current: Option<&str>) -> (&str, &[ScriptNode]) {
        let Some(id) = current else {
            return (&self.question, &self.answers);
        };
        match self.find(id) {
            Some(p) if !p.node.answers.is_empty() => (&p.node.question, &p.node.answers),
            Some(p) => match p.question_node {
                Some("") => (&self.question, &self.answers),
                Some(parent) => match self.find(parent) {
                    Some(parent) => (&parent.node.question, &parent.node.answers),
                    None => (&self.question, &self.answers),
                },
                None => (&self.question, &self.answers),
            },
            None => (&self.question, &self.answers),
        }
    }

    /// Checks the whole tree; the first problem found is returned.
    pub fn validate(&self, known: &Known<'_>) -> Result<(), ScriptTreeError> {
        let err = |node: Option<&ScriptNode>, path: &[&str], field: &'static str, message: String| ScriptTreeError {
            node_id: node.map(|n| n.id.clone()),
            path: path.join(" → "),
            field,
            message,
        };
        if self.question.chars().count() > MAX_BODY {
            return Err(err(None, &[], "question", "The initial question is too long.".into()));
        }
        if !self.answers.is_empty() && self.question.trim().is_empty() {
            return Err(err(
                None,
                &[],
                "question",
                "Write the question the initial script asks, for its answer choices.".into(),
            ));
        }
        let placements = self.placements();
        if placements.len() > MAX_NODES {
            return Err(err(None, &[], "answers", format!("A script can have at most {MAX_NODES} responses.")));
        }
        let mut ids = HashSet::new();
        for p in &placements {
            let node = p.node;
            let path = &p.path;
            if p.question_node.is_some() && path.len() > MAX_DEPTH {
                return Err(err(
                    Some(node),
                    path,
                    "answers",
                    format!("Branches can be at most {MAX_DEPTH} answers deep."),
                ));
            }
            let id_ok = !node.id.is_empty()
                && node.id.len() <= 40
                && node.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !id_ok || !ids.insert(node.id.as_str()) {
                return Err(err(
                    Some(node),
                    path,
                    "id",
                    "This response has a missing or repeated id; reload the editor.".into(),
                ));
            }
            let label = node.label.trim();
            if label.is_empty() {
                let what = if p.question_node.is_some() { "Name the answer choice." } else { "Name the response." };
                return Err(err(Some(node), path, "label", what.into()));
            }
            if label.chars().count() > MAX_LABEL {
                return Err(err(Some(node), path, "label", format!("Keep names to {MAX_LABEL} characters.")));
            }
            if node.body.trim().is_empty() {
                return Err(err(Some(node), path, "body", "Write the response script.".into()));
            }
            if node.body.chars().count() > MAX_BODY {
                return Err(err(Some(node), path, "body", format!("Keep a response to {MAX_BODY} characters.")));
            }
            if let Err(e) = ScriptTemplate::parse(&node.body, known.list_fields) {
                return Err(err(Some(node), path, "body", e.to_string()));
            }
            if !node.answers.is_empty() && node.question.trim().is_empty() {
                return Err(err(
                    Some(node),
                    path,
                    "question",
                    "Write the question this response asks, for its answer choices.".into(),
                ));
            }
            if p.question_node.is_none() && !node.answers.is_empty() {
                return Err(err(
                    Some(node),
                    path,
                    "answers",
                    "Responses outside the tree cannot have answer choices.".into(),
                ));
            }
            if let Some(tag) = node.tags.iter().find(|t| !known.tag_ids.contains(t)) {
                return Err(err(
                    Some(node),
                    path,
                    "tags",
                    format!("Tag {tag} no longer exists; choose the tags again."),
                ));
            }
            for fv in &node.field_values {
                if !known.field_ids.contains(&fv.field_id) {
                    return Err(err(
                        Some(node),
                        path,
                        "field_values",
                        "A custom field it sets no longer exists.".into(),
                    ));
                }
                if fv.value.trim().is_empty() || fv.value.chars().count() > 500 {
                    return Err(err(
                        Some(node),
                        path,
                        "field_values",
                        "Give each custom field a value of up to 500 characters.".into(),
                    ));
                }
            }
        }
        // Choices offered together must be told apart by the volunteer.
        let check_siblings = |nodes: &[ScriptNode]| -> Result<(), ScriptTreeError> {
            let mut seen = HashSet::new();
            for n in nodes {
                if !seen.insert(n.label.trim().to_lowercase()) {
                    let path = self.find(&n.id).map(|p| p.path).unwrap_or_default();
                    return Err(err(Some(n), &path, "label", format!("\"{}\" is offered twice here.", n.label.trim())));
                }
            }
            Ok(())
        };
        check_siblings(&self.answers)?;
        check_siblings(&self.standalone)?;
        for p in &placements {
            check_siblings(&p.node.answers)?;
        }
        Ok(())
    }
}

/// Edits the editor makes, by node id (ids stay put when nodes move, so an edit never lands on
/// the wrong node after a reorder).
impl ScriptTree {
    pub fn node_mut(&mut self, id: &str) -> Option<&mut ScriptNode> {
        let (list, i) = self.siblings_mut(id)?;
        list.get_mut(i)
    }

    /// The list holding `id` and its index there.
    fn siblings_mut(&mut self, id: &str) -> Option<(&mut Vec<ScriptNode>, usize)> {
        fn walk<'a>(nodes: &'a mut Vec<ScriptNode>, id: &str) -> Option<(&'a mut Vec<ScriptNode>, usize)> {
            if let Some(i) = nodes.iter().position(|n| n.id == id) {
                return Some((nodes, i));
            }
            nodes.iter_mut().find_map(|n| walk(&mut n.answers, id))
        }
        if let Some(i) = self.standalone.iter().position(|n| n.id == id) {
            return Some((&mut self.standalone, i));
        }
        walk(&mut self.answers, id)
    }

    /// Removes the node and everything under it.
    pub fn remove(&mut self, id: &str) -> Option<ScriptNode> {
        let (list, i) = self.siblings_mut(id)?;
        Some(list.remove(i))
    }

    /// Swaps the node with its previous (`up`) or next sibling; false at either end.
    pub fn move_node(&mut self, id: &str, up: bool) -> bool {
        let Some((list, i)) = self.siblings_mut(id) else { return false };
        let j = if up { i.checked_sub(1) } else { Some(i + 1).filter(|j| *j < list.len()) };
        match j {
            Some(j) => {
                list.swap(i, j);
                true
            }
            None => false,
        }
    }

    /// Adds an answer choice to the initial question (`parent` None) or to a response's
    /// question; false when the parent is unknown, outside the tree, or already at the
    /// deepest level.
    pub fn add_answer(&mut self, parent: Option<&str>, node: ScriptNode) -> bool {
        match parent {
            None => {
                self.answers.push(node);
                true
            }
            Some(parent) => {
                match self.find(parent) {
                    Some(p) if p.question_node.is_some() && p.path.len() < MAX_DEPTH => {}
                    _ => return false,
                }
                match self.node_mut(parent) {
                    Some(n) => {
                        n.answers.push(node);
                        true
                    }
                    None => false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, label: &str, answers: Vec<ScriptNode>) -> ScriptNode {
        ScriptNode {
            id: id.into(),
            label: label.into(),
            body: format!("Thanks {{firstName}} ({label})"),
            question: if answers.is_empty() { String::new() } else { "And then?".into() },
            answers,
            ..Default::default()
        }
    }

    fn sample() -> ScriptTree {
        ScriptTree {
            question: "Can we count on your vote?".into(),
            answers: vec![
                node("yes", "Yes", vec![node("yes-ride", "Needs a ride", vec![]), node("yes-ok", "All set", vec![])]),
                node("no", "No", vec![]),
            ],
            standalone: vec![node("wrong", "Wrong number", vec![])],
        }
    }

    const KNOWN: Known<'static> = Known { list_fields: &[], tag_ids: &[1, 2], field_ids: &[7] };

    #[test]
    fn a_valid_tree_passes_and_round_trips_through_json() {
        let tree = sample();
        tree.validate(&KNOWN).unwrap();
        let json = serde_json::to_value(&tree).unwrap();
        assert_eq!(ScriptTree::from_json(&json), tree);
    }

    #[test]
    fn placements_know_the_question_each_answer_answers() {
        let tree = sample();
        let ride = tree.find("yes-ride").unwrap();
        assert_eq!(ride.question_node, Some("yes"));
        assert_eq!(ride.question, "And then?");
        assert_eq!(ride.path, vec!["Yes", "Needs a ride"]);
        let yes = tree.find("yes").unwrap();
        assert_eq!(yes.question_node, Some(""));
        assert_eq!(yes.question, "Can we count on your vote?");
        assert_eq!(tree.find("wrong").unwrap().question_node, None);
    }

    #[test]
    fn next_choices_follow_the_branch() {
        let tree = sample();
        let ids = |nodes: &[ScriptNode]| nodes.iter().map(|n| n.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(tree.next_choices(None).1), vec!["yes", "no"]);
        assert_eq!(ids(tree.next_choices(Some("yes")).1), vec!["yes-ride", "yes-ok"]);
        // A leaf keeps the volunteer at its siblings.
        assert_eq!(ids(tree.next_choices(Some("yes-ride")).1), vec!["yes-ride", "yes-ok"]);
        assert_eq!(ids(tree.next_choices(Some("no")).1), vec!["yes", "no"]);
        assert_eq!(ids(tree.next_choices(Some("wrong")).1), vec!["yes", "no"]);
        assert_eq!(ids(tree.next_choices(Some("gone")).1), vec!["yes", "no"]);
    }

    #[test]
    fn errors_name_the_node_and_box() {
        let mut tree = sample();
        tree.answers[0].answers[0].body = "Hi {frstName}".into();
        let e = tree.validate(&KNOWN).unwrap_err();
        assert_eq!(e.path, "Yes → Needs a ride");
        assert_eq!(e.field, "body");
        assert!(e.message.contains("firstName"), "{}", e.message);

        let mut tree = sample();
        tree.answers[1].id = "yes".into();
        assert_eq!(tree.validate(&KNOWN).unwrap_err().field, "id");

        let mut tree = sample();
        tree.answers[1].label = " yes ".into();
        let e = tree.validate(&KNOWN).unwrap_err();
        assert_eq!((e.field, e.path.as_str()), ("label", " yes "));

        let mut tree = sample();
        tree.answers[1].tags = vec![3];
        assert_eq!(tree.validate(&KNOWN).unwrap_err().field, "tags");

        let mut tree = sample();
        tree.answers[1].field_values = vec![FieldValue { field_id: 7, value: " ".into() }];
        assert_eq!(tree.validate(&KNOWN).unwrap_err().field, "field_values");

        let mut tree = sample();
        tree.question.clear();
        assert_eq!(tree.validate(&KNOWN).unwrap_err().field, "question");

        let mut tree = sample();
        tree.standalone[0].answers = vec![node("x", "X", vec![])];
        tree.standalone[0].question = "Q".into();
        assert_eq!(tree.validate(&KNOWN).unwrap_err().field, "answers");
    }

    #[test]
    fn depth_is_limited() {
        let mut deep = node("n0", "L0", vec![]);
        for i in 1..=MAX_DEPTH {
            deep = node(&format!("n{i}"), &format!("L{i}"), vec![deep]);
        }
        let tree = ScriptTree { question: "Q".into(), answers: vec![deep], standalone: vec![] };
        let e = tree.validate(&KNOWN).unwrap_err();
        assert_eq!(e.field, "answers");
        assert!(e.message.contains("deep"));
    }

    #[test]
    fn unreadable_json_reads_as_empty() {
        assert!(ScriptTree::from_json(&serde_json::json!({"answers": 3})).is_empty());
        assert!(ScriptTree::from_json(&serde_json::json!({})).is_empty());
    }

    #[test]
    fn editing_by_id_adds_moves_and_removes() {
        let mut tree = sample();
        assert!(tree.add_answer(Some("no"), node("no-later", "Maybe later", vec![])));
        assert_eq!(tree.find("no-later").unwrap().path, vec!["No", "Maybe later"]);
        // Outside the tree there are no answer choices.
        assert!(!tree.add_answer(Some("wrong"), node("w1", "W", vec![])));
        assert!(!tree.add_answer(Some("gone"), node("g1", "G", vec![])));

        assert!(tree.move_node("yes-ok", true));
        let ids: Vec<_> = tree.answers[0].answers.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, vec!["yes-ok", "yes-ride"]);
        assert!(!tree.move_node("yes-ok", true), "already first");
        assert!(!tree.move_node("no", false), "already last");
        assert!(tree.move_node("yes", false));
        assert_eq!(tree.answers[1].id, "yes");

        tree.node_mut("wrong").unwrap().label = "Wrong person".into();
        assert_eq!(tree.standalone[0].label, "Wrong person");

        let removed = tree.remove("yes").unwrap();
        assert_eq!(removed.answers.len(), 2);
        assert!(tree.find("yes-ride").is_none(), "children go with their parent");
        assert!(tree.remove("yes").is_none());
    }

    #[test]
    fn answers_cannot_be_added_below_the_deepest_level() {
        let mut tree = ScriptTree { question: "Q".into(), ..Default::default() };
        let mut parent: Option<String> = None;
        for i in 0..MAX_DEPTH {
            let id = format!("n{i}");
            assert!(tree.add_answer(parent.as_deref(), node(&id, &format!("L{i}"), vec![])));
            parent = Some(id);
        }
        assert!(!tree.add_answer(parent.as_deref(), node("too-deep", "X", vec![])));
    }
}
