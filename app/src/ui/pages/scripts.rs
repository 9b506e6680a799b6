//! The branched script editor and report settings on the action page. A rich editor: it needs
//! the wasm bundle (the page still renders on the server, read-only until it hydrates). The
//! whole tree lives in one signal and is saved whole, 1.5 s after the last edit.

use crate::api::data::{create_data_item, CustomField, OrgData, Tag};
use crate::api::scripts::{get_script, parse_tree_error_field, save_report_settings, save_script, ScriptPage};
use crate::domain::script_template::{RenderContext, ScriptTemplate, Variable};
use crate::domain::script_tree::{FieldValue, ScriptNode, ScriptTree, MAX_DEPTH};
use crate::domain::segments::Segments;
use crate::domain::wording::plural;
use crate::error::AppError;
use crate::ui::common::Loaded;
use leptos::prelude::*;
use std::collections::HashSet;
use uuid::Uuid;

/// How long after the last keystroke the tree is saved.
#[cfg(feature = "hydrate")]
const AUTOSAVE_MS: u32 = 1_500;

#[derive(Debug, Clone, PartialEq, Eq)]
enum SaveStatus {
    Idle,
    Pending,
    Saving,
    Saved,
    Failed(String),
}

/// A problem the server found, placed next to the node (`node` "" is the initial question).
#[derive(Debug, Clone, PartialEq, Eq)]
struct NodeError {
    node: String,
    field: String,
    message: String,
}

/// The editor's state; `Copy`, so every handler can take it.
#[derive(Clone, Copy)]
struct Editor {
    org_id: Uuid,
    action_id: Uuid,
    editable: bool,
    tree: RwSignal<ScriptTree>,
    /// Bumped when nodes are added, removed or moved: only then is the tree view rebuilt, so
    /// typing never replaces the box being typed in.
    structure: RwSignal<usize>,
    collapsed: RwSignal<HashSet<String>>,
    /// Nodes whose Advanced options are open, so a rebuild of the tree keeps them open.
    advanced_open: RwSignal<HashSet<String>>,
    edits: RwSignal<u64>,
    status: RwSignal<SaveStatus>,
    error: RwSignal<Option<NodeError>>,
    data: StoredValue<OrgData>,
    list_fields: StoredValue<Vec<String>>,
    sample: StoredValue<RenderContext>,
}

impl Editor {
    /// A text edit: the tree changes, the view stays.
    fn edit(self, f: impl FnOnce(&mut ScriptTree)) {
        self.tree.update(f);
        self.touched();
    }

    /// An edit that adds, removes or moves nodes.
    fn restructure(self, f: impl FnOnce(&mut ScriptTree)) {
        self.edit(f);
        self.structure.update(|n| *n += 1);
    }

    fn node(self, id: &str) -> Option<ScriptNode> {
        self.tree.with_untracked(|t| t.find(id).map(|p| p.node.clone()))
    }

    /// Debounce: each edit starts a timer; only the timer of the latest edit saves.
    fn touched(self) {
        self.edits.update(|n| *n += 1);
        self.status.set(SaveStatus::Pending);
        #[cfg(feature = "hydrate")]
        {
            let at = self.edits.get_untracked();
            gloo_timers::callback::Timeout::new(AUTOSAVE_MS, move || {
                if self.edits.get_untracked() == at {
                    self.save_now();
                }
            })
            .forget();
        }
    }

    fn save_now(self) {
        let Ok(json) = self.tree.with_untracked(serde_json::to_string) else { return };
        let at = self.edits.get_untracked();
        self.status.set(SaveStatus::Saving);
        leptos::task::spawn_local(async move {
            match save_script(self.org_id, self.action_id, json).await {
                Ok(()) => {
                    self.error.set(None);
                    // Edits made while saving are saved by their own timer.
                    if self.edits.get_untracked() == at {
                        self.status.set(SaveStatus::Saved);
                    }
                }
                Err(e) => {
                    let placed = match &e {
                        AppError::Invalid { field, message } => parse_tree_error_field(field)
                            .map(|(node, field)| NodeError { node, field, message: message.clone() }),
                        _ => None,
                    };
                    // The edits stay in the editor; only the status says they are not stored.
                    self.error.set(placed);
                    self.status.set(SaveStatus::Failed(e.to_string()));
                }
            }
        });
    }

    fn error_for(self, node: &str) -> Option<String> {
        self.error.with(|e| e.as_ref().filter(|e| e.node == node).map(|e| e.message.clone()))
    }
}

/// A new node id: time and randomness, so ids are never reused, even across tabs.
fn new_id(tree: &ScriptTree) -> String {
    loop {
        #[cfg(feature = "hydrate")]
        let id = format!("n{:x}{:06x}", js_sys::Date::now() as u64, (js_sys::Math::random() * 16_777_216.0) as u64);
        #[cfg(not(feature = "hydrate"))]
        let id = {
            // Only reached where nobody clicks (server rendering, tests): a counter suffices.
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            format!("n{:x}{n:x}", chrono::Utc::now().timestamp_millis())
        };
        if tree.find(&id).is_none() {
            return id;
        }
    }
}

#[component]
pub fn ScriptEditorCard(org_id: Uuid, action_id: Uuid, #[prop(into)] version: Signal<usize>) -> impl IntoView {
    let page = Resource::new(move || version.get(), move |_| get_script(org_id, action_id));
    view! {
        <Loaded>
            {move || Suspend::new(async move {
                let p = page.await?;
                Ok::<_, AppError>(view! { <ScriptEditor page=p org_id action_id/> }.into_any())
            })}
        </Loaded>
    }
}

#[component]
fn ScriptEditor(page: ScriptPage, org_id: Uuid, action_id: Uuid) -> impl IntoView {
    let ed = Editor {
        org_id,
        action_id,
        editable: page.editable,
        tree: RwSignal::new(page.tree.clone()),
        structure: RwSignal::new(0),
        collapsed: RwSignal::new(HashSet::new()),
        advanced_open: RwSignal::new(HashSet::new()),
        edits: RwSignal::new(0),
        status: RwSignal::new(SaveStatus::Idle),
        error: RwSignal::new(None),
        data: StoredValue::new(page.data.clone()),
        list_fields: StoredValue::new(page.list_fields.clone()),
        sample: StoredValue::new(page.sample.clone()),
    };
    // Effects run only in the browser, once hydrated: until then the editor is read-only and
    // says why (a <noscript> note would stay hidden when the bundle merely fails to load).
    let running = RwSignal::new(false);
    // Only attributes depend on it, and it changes after the frame is painted, so nothing moves
    // while the rest of the page is still hydrating.
    Effect::new(move |_| request_animation_frame(move || running.set(true)));
    let question = page.tree.question.clone();
    let status_text = move || match ed.status.get() {
        SaveStatus::Idle => String::new(),
        SaveStatus::Pending => "Unsaved changes".into(),
        SaveStatus::Saving => "Saving…".into(),
        SaveStatus::Saved => "Saved".into(),
        SaveStatus::Failed(reason) => format!("Not saved: {reason}"),
    };
    let add_answer = move |_| {
        ed.restructure(|t| {
            let id = new_id(t);
            t.add_answer(None, ScriptNode { id, ..Default::default() });
        })
    };
    let add_standalone = move |label: &'static str, body: &'static str| {
        ed.restructure(|t| {
            let id = new_id(t);
            t.standalone.push(ScriptNode { id, label: label.into(), body: body.into(), ..Default::default() });
        })
    };
    view! {
        <section class="card script-editor" aria-labelledby="branches-heading">
            <h2 id="branches-heading">"Branched script"</h2>
            <p class="alert" hidden=move || running.get()>
                "The script editor needs JavaScript. It starts once the page has fully loaded."
            </p>
            <p class="save-status" role="status" aria-live="polite" data-testid="script-save-status"
                class:failed=move || matches!(ed.status.get(), SaveStatus::Failed(_))>{status_text}</p>
            <fieldset disabled=move || !ed.editable || !running.get()>
                <div class="field">
                    <label for="script-question">"Question the first text asks"</label>
                    <input id="script-question" type="text" value=question placeholder="Can we count on your vote?"
                        on:input=move |ev| { let v = event_target_value(&ev); ed.edit(|t| t.question = v) }/>
                    <p class="field-error" role="alert">{move || ed.error_for("")}</p>
                </div>
                <h3>"Answer choices"</h3>
                {move || {
                    ed.structure.track();
                    let ids: Vec<String> = ed.tree.with_untracked(|t| t.answers.iter().map(|n| n.id.clone()).collect());
                    view! {
                        <ul class="script-tree" aria-label="Answer choices">
                            {ids.into_iter().map(|id| node_view(ed, id, true, 1)).collect_view()}
                        </ul>
                    }
                }}
                <button type="button" on:click=add_answer>"Add answer choice"</button>
                <h3>"Other responses"</h3>
                <p class="hint">"Responses outside the tree, for any point in a conversation."</p>
                {move || {
                    ed.structure.track();
                    let ids: Vec<String> = ed.tree.with_untracked(|t| t.standalone.iter().map(|n| n.id.clone()).collect());
                    view! {
                        <ul class="script-tree" aria-label="Other responses">
                            {ids.into_iter().map(|id| node_view(ed, id, false, 1)).collect_view()}
                        </ul>
                    }
                }}
                <div class="button-row">
                    <button type="button" on:click=move |_| add_standalone("", "")>"Add other response"</button>
                    <button type="button" on:click=move |_| add_standalone("Wrong number", "Sorry to bother you! We'll update our records.")>"Add \"Wrong number\""</button>
                    <button type="button" on:click=move |_| add_standalone("Opt out", "Understood, you won't hear from us again.")>"Add \"Opt out\""</button>
                    <button type="button" class="primary" on:click=move |_| ed.save_now()>"Save script now"</button>
                </div>
            </fieldset>
        </section>
        <Preview ed sample_from_list=page.sample_from_list initial=page.initial_script.clone()/>
        <ReportSettings org_id action_id editable=page.editable data=page.data.clone()
            tags=page.report_tag_ids.clone() fields=page.report_field_ids.clone()/>
    }
}

/// One node, its boxes and its children. Rebuilt only when the structure changes. Leptos
/// rebuilds a re-rendered view in place, reusing the elements at the same positions, so values
/// are set as properties (`prop:`) too: an attribute does not change a box the user typed in.
fn node_view(ed: Editor, id: String, in_tree: bool, depth: usize) -> AnyView {
    let Some(node) = ed.node(&id) else { return ().into_any() };
    let stored_id = StoredValue::new(id.clone());
    let body = RwSignal::new(node.body.clone());
    let collapsed = move || ed.collapsed.with(|c| stored_id.with_value(|id| c.contains(id)));
    let toggle = move |_: leptos::ev::MouseEvent| {
        ed.collapsed.update(|c| {
            let id = stored_id.get_value();
            if !c.remove(&id) {
                c.insert(id);
            }
        })
    };
    let label_id = format!("{id}-label");
    let body_id = format!("{id}-body");
    let question_id = format!("{id}-question");
    let label_name = if in_tree { "Answer choice" } else { "Response name" };
    let children: Vec<String> = node.answers.iter().map(|n| n.id.clone()).collect();
    let title = move || {
        let label = ed.tree.with(|t| stored_id.with_value(|id| t.find(id).map(|p| p.node.label.clone())));
        match label.unwrap_or_default().trim() {
            "" => "(unnamed)".to_string(),
            l => l.to_string(),
        }
    };
    // Counted as the preview's contact gets it, not the placeholders' own length.
    let counter = move || {
        let raw = body.get();
        let template = ed.list_fields.with_value(|f| ScriptTemplate::parse(&raw, f));
        match template {
            Ok(t) => {
                let info = Segments::count(&ed.sample.with_value(|ctx| t.render(ctx)));
                format!(
                    "For the preview's contact: {} · {} · {} left in the last segment",
                    info.encoding.label(),
                    plural(info.segments as i64, "segment", "segments"),
                    info.remaining_in_segment
                )
            }
            Err(error) => format!("Not counted yet: {error}"),
        }
    };
    let set_body = move |text: String| {
        body.set(text.clone());
        ed.edit(|t| {
            if let Some(n) = stored_id.with_value(|id| t.node_mut(id)) {
                n.body = text;
            }
        });
    };
    let variables: Vec<Variable> =
        Variable::BUILT_IN
            .into_iter()
            .chain(ed.list_fields.with_value(|f| {
                f.iter().filter_map(|f| Variable::from_name(&format!("custom:{f}"))).collect::<Vec<_>>()
            }))
            .collect();
    view! {
        <li class="script-node" data-node-id=id.clone() data-depth=depth.to_string()>
            <div class="node-head">
                <button type="button" class="collapse" on:click=toggle aria-expanded=move || (!collapsed()).to_string()
                    aria-label=move || format!("Show or hide {}", title())>
                    {move || if collapsed() { "▸" } else { "▾" }}
                </button>
                <label for=label_id.clone()>{label_name}</label>
                <input id=label_id type="text" class="node-label" value=node.label.clone() prop:value=node.label.clone() maxlength="60"
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        ed.edit(|t| if let Some(n) = stored_id.with_value(|id| t.node_mut(id)) { n.label = v });
                    }/>
                <button type="button" aria-label=move || format!("Move {} up", title())
                    on:click=move |_| ed.restructure(|t| { stored_id.with_value(|id| t.move_node(id, true)); })>"↑"</button>
                <button type="button" aria-label=move || format!("Move {} down", title())
                    on:click=move |_| ed.restructure(|t| { stored_id.with_value(|id| t.move_node(id, false)); })>"↓"</button>
                <button type="button" class="link-button danger" aria-label=move || format!("Delete {}", title())
                    on:click=move |_| ed.restructure(|t| { stored_id.with_value(|id| t.remove(id)); })>"Delete"</button>
            </div>
            <p class="field-error" role="alert">{move || stored_id.with_value(|id| ed.error_for(id))}</p>
            <div class="node-content" hidden=collapsed>
                <div class="field">
                    <label for=body_id.clone()>"Response script"</label>
                    <textarea id=body_id rows="3" maxlength=crate::domain::script_tree::MAX_BODY prop:value=move || body.get()
                        on:input=move |ev| set_body(event_target_value(&ev))>{node.body.clone()}</textarea>
                    <div class="variable-buttons" aria-label="Insert a variable">
                        {variables.into_iter().map(|v| {
                            let placeholder = v.placeholder();
                            view! {
                                <button type="button" class="chip" on:click=move |_| set_body(format!("{}{}", body.get_untracked(), placeholder))>
                                    {v.label()}
                                </button>
                            }
                        }).collect_view()}
                    </div>
                    <p class="hint" aria-live="polite">{counter}</p>
                </div>
                {in_tree.then(|| {
                    let question = node.question.clone();
                    view! {
                        <div class="field">
                            <label for=question_id.clone()>"Further question (optional)"</label>
                            <input id=question_id type="text" value=question.clone() prop:value=question
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    ed.edit(|t| if let Some(n) = stored_id.with_value(|id| t.node_mut(id)) { n.question = v });
                                }/>
                        </div>
                        <ul class="script-tree nested">
                            {children.into_iter().map(|child| node_view(ed, child, true, depth + 1)).collect_view()}
                        </ul>
                        {(depth < MAX_DEPTH).then(|| view! {
                            <button type="button" on:click=move |_| ed.restructure(|t| {
                                let new = new_id(t);
                                stored_id.with_value(|id| t.add_answer(Some(id), ScriptNode { id: new, ..Default::default() }));
                            })>"Add answer to this question"</button>
                        })}
                    }
                })}
                <AdvancedOptions ed node=node.clone() stored_id/>
            </div>
        </li>
    }
    .into_any()
}

/// Tags and custom-field values the response applies when it is sent.
#[component]
fn AdvancedOptions(ed: Editor, node: ScriptNode, stored_id: StoredValue<String>) -> impl IntoView {
    let data = ed.data.get_value();
    let id = stored_id.get_value();
    let no_fields = data.fields.is_empty();
    let first_field = data.fields.first().map(|f| f.id);
    // Tags made here show at once in this box, checked; the other boxes offer them after the
    // next change of the tree's shape (the editor's data is updated too).
    let made_tags = RwSignal::new(Vec::<Tag>::new());
    let new_tag = RwSignal::new(String::new());
    let tag_error = RwSignal::new(None::<String>);
    let create_tag = move || {
        let name = new_tag.get_untracked();
        leptos::task::spawn_local(async move {
            match create_data_item(ed.org_id, "tag".into(), name.clone()).await {
                Ok(tag_id) => {
                    let tag = Tag { id: tag_id, name: name.trim().to_string(), built_in: false };
                    ed.data.update_value(|d| d.tags.push(tag.clone()));
                    made_tags.update(|list| list.push(tag));
                    new_tag.set(String::new());
                    tag_error.set(None);
                    ed.edit(|t| {
                        if let Some(n) = stored_id.with_value(|id| t.node_mut(id)) {
                            n.tags.push(tag_id);
                        }
                    });
                }
                Err(e) => tag_error.set(Some(e.to_string())),
            }
        });
    };
    let new_tag_id = format!("{id}-new-tag");
    let new_field = RwSignal::new(String::new());
    let field_error = RwSignal::new(None::<String>);
    // A new custom field joins the editor's data and gets a value row here; the rebuild that
    // shows the row keeps these options open.
    let create_field = move || {
        let name = new_field.get_untracked();
        leptos::task::spawn_local(async move {
            match create_data_item(ed.org_id, "field".into(), name.clone()).await {
                Ok(field_id) => {
                    ed.data
                        .update_value(|d| d.fields.push(CustomField { id: field_id, name: name.trim().to_string() }));
                    field_error.set(None);
                    ed.restructure(|t| {
                        if let Some(n) = stored_id.with_value(|id| t.node_mut(id)) {
                            n.field_values.push(FieldValue { field_id, value: String::new() });
                        }
                    });
                }
                Err(e) => field_error.set(Some(e.to_string())),
            }
        });
    };
    let new_field_id = format!("{id}-new-field");
    let open_key = id.clone();
    let is_open = ed.advanced_open.with_untracked(|o| o.contains(&id));
    // One tag's box, for the organization's tags and for those made here since.
    let tag_box = move |tag_id: i64, name: String, checked: bool| {
        let input_id = format!("{}-tag-{tag_id}", stored_id.get_value());
        view! {
            <div class="field checkbox">
                <input id=input_id.clone() type="checkbox" checked=checked prop:checked=checked
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        ed.edit(|t| if let Some(n) = stored_id.with_value(|id| t.node_mut(id)) {
                            n.tags.retain(|x| *x != tag_id);
                            if on { n.tags.push(tag_id) }
                        });
                    }/>
                <label for=input_id>{name}</label>
            </div>
        }
    };
    view! {
        <details class="advanced" open=is_open
            on:toggle=move |ev| {
                let open = event_target::<leptos::web_sys::HtmlDetailsElement>(&ev).open();
                let key = open_key.clone();
                ed.advanced_open.update_untracked(|o| { if open { o.insert(key); } else { o.remove(&key); } });
            }>
            <summary>"Advanced options"</summary>
            <fieldset class="tags">
                <legend>"Apply tags"</legend>
                {data.tags.is_empty().then(|| view! { <p class="hint">"No tags yet: create one below."</p> })}
                {data.tags.iter().map(|tag| tag_box(tag.id, tag.name.clone(), node.tags.contains(&tag.id))).collect_view()}
                {move || made_tags.get().into_iter().map(|tag| tag_box(tag.id, tag.name, true)).collect_view()}
                <div class="field inline new-tag">
                    <label for=new_tag_id.clone()>"New tag"</label>
                    <input id=new_tag_id type="text" maxlength=crate::domain::text_limits::TAG_NAME.max
                        prop:value=move || new_tag.get() on:input=move |ev| new_tag.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); create_tag(); }/>
                    <button type="button" on:click=move |_| create_tag() disabled=move || new_tag.get().trim().is_empty()>"Create tag"</button>
                </div>
                {move || tag_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </fieldset>
            <fieldset class="field-values">
                <legend>"Set custom fields"</legend>
                {no_fields.then(|| view! { <p class="hint">"No custom fields yet: create one below."</p> })}
                {node.field_values.iter().enumerate().map(|(i, fv)| {
                    let select_id = format!("{id}-fv-{i}");
                    let value_id = format!("{id}-fv-{i}-value");
                    view! {
                        <div class="row field-value">
                            <label class="visually-hidden" for=select_id.clone()>"Custom field"</label>
                            <select id=select_id on:change=move |ev| {
                                let field_id = event_target_value(&ev).parse().unwrap_or_default();
                                ed.edit(|t| if let Some(fv) = stored_id.with_value(|id| t.node_mut(id)).and_then(|n| n.field_values.get_mut(i)) { fv.field_id = field_id });
                            }>
                                {data.fields.iter().map(|f| view! {
                                    <option value=f.id.to_string() selected=f.id == fv.field_id prop:selected=f.id == fv.field_id>{f.name.clone()}</option>
                                }).collect_view()}
                            </select>
                            <label class="visually-hidden" for=value_id.clone()>"Value"</label>
                            <input id=value_id type="text" value=fv.value.clone() prop:value=fv.value.clone() placeholder="Value" maxlength="500"
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    ed.edit(|t| if let Some(fv) = stored_id.with_value(|id| t.node_mut(id)).and_then(|n| n.field_values.get_mut(i)) { fv.value = v });
                                }/>
                            <button type="button" class="link-button danger" on:click=move |_| ed.restructure(|t| {
                                if let Some(n) = stored_id.with_value(|id| t.node_mut(id)) { if i < n.field_values.len() { n.field_values.remove(i); } }
                            })>"Remove"</button>
                        </div>
                    }
                }).collect_view()}
                <div class="field inline new-field">
                    <label for=new_field_id.clone()>"New custom field"</label>
                    <input id=new_field_id type="text" maxlength=crate::domain::text_limits::FIELD_NAME.max
                        prop:value=move || new_field.get() on:input=move |ev| new_field.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); create_field(); }/>
                    <button type="button" on:click=move |_| create_field() disabled=move || new_field.get().trim().is_empty()>"Create field"</button>
                </div>
                {move || field_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                {first_field.map(|field_id| view! {
                    <button type="button" on:click=move |_| ed.restructure(|t| {
                        if let Some(n) = stored_id.with_value(|id| t.node_mut(id)) {
                            n.field_values.push(FieldValue { field_id, value: String::new() });
                        }
                    })>"Set a custom field"</button>
                })}
            </fieldset>
        </details>
    }
}

/// The conversation as a volunteer would see it, with one contact's values filled in.
#[component]
fn Preview(ed: Editor, sample_from_list: bool, initial: String) -> impl IntoView {
    fn render(body: &str, fields: &[String], ctx: &RenderContext) -> String {
        match ScriptTemplate::parse(body, fields) {
            Ok(t) => t.render(ctx),
            Err(e) => format!("(cannot preview: {e})"),
        }
    }
    fn nodes(list: &[ScriptNode], fields: &[String], ctx: &RenderContext) -> AnyView {
        view! {
            <ul>
                {list.iter().map(|n| view! {
                    <li>
                        <strong>{n.label.clone()}</strong>
                        <p class="bubble">{render(&n.body, fields, ctx)}</p>
                        {(!n.question.trim().is_empty()).then(|| view! { <p class="question">{n.question.clone()}</p> })}
                        {(!n.answers.is_empty()).then(|| nodes(&n.answers, fields, ctx))}
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    }
    let who = move || {
        let name = ed.sample.with_value(|s| s.contact_first_name.clone().unwrap_or_default());
        if sample_from_list {
            format!("Shown for {name}, the first contact of the list.")
        } else {
            "Shown with sample values; choose a contact list to preview with a real contact.".to_string()
        }
    };
    view! {
        <section class="card script-preview" aria-labelledby="preview-heading">
            <details>
                <summary><h2 id="preview-heading">"Preview"</h2></summary>
                <p class="hint">{who}</p>
                {(!initial.trim().is_empty()).then(|| {
                    let text = ed.list_fields.with_value(|f| ed.sample.with_value(|ctx| render(&initial, f, ctx)));
                    view! {
                        <p class="muted">"Initial message (as last saved)"</p>
                        <p class="bubble" data-testid="preview-initial">{text}</p>
                    }
                })}
                {move || ed.tree.with(|t| {
                    let fields = ed.list_fields.get_value();
                    let ctx = ed.sample.get_value();
                    view! {
                        {(!t.question.trim().is_empty()).then(|| view! { <p class="question">{t.question.clone()}</p> })}
                        {nodes(&t.answers, &fields, &ctx)}
                        {(!t.standalone.is_empty()).then(|| view! { <h3>"Other responses"</h3> })}
                        {nodes(&t.standalone, &fields, &ctx)}
                    }
                })}
            </details>
        </section>
    }
}

/// Which tags (toggles) and custom fields (open questions) volunteers fill in on a report.
#[component]
fn ReportSettings(
    org_id: Uuid,
    action_id: Uuid,
    editable: bool,
    data: OrgData,
    tags: Vec<i64>,
    fields: Vec<i64>,
) -> impl IntoView {
    let tags = RwSignal::new(tags);
    let fields = RwSignal::new(fields);
    let status = RwSignal::new(String::new());
    let join = |ids: Vec<i64>| ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let save = move |_| {
        status.set("Saving…".into());
        let (t, f) = (join(tags.get_untracked()), join(fields.get_untracked()));
        leptos::task::spawn_local(async move {
            status.set(match save_report_settings(org_id, action_id, t, f).await {
                Ok(()) => "Report settings saved".into(),
                Err(e) => format!("Not saved: {e}"),
            });
        });
    };
    let toggle = |list: RwSignal<Vec<i64>>, id: i64, on: bool| {
        list.update(|l| {
            l.retain(|x| *x != id);
            if on {
                l.push(id);
            }
        })
    };
    view! {
        <section class="card report-settings" aria-labelledby="report-heading">
            <h2 id="report-heading">"Report"</h2>
            <p class="hint">"What volunteers fill in when they file a report on a conversation."</p>
            <fieldset disabled=!editable>
                <fieldset>
                    <legend>"Tags to toggle"</legend>
                    {data.tags.iter().map(|t| {
                        let (id, input_id) = (t.id, format!("report-tag-{}", t.id));
                        view! {
                            <div class="field checkbox">
                                <input id=input_id.clone() type="checkbox" checked=tags.get_untracked().contains(&id)
                                    on:change=move |ev| toggle(tags, id, event_target_checked(&ev))/>
                                <label for=input_id>{t.name.clone()}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <fieldset>
                    <legend>"Open questions (custom fields)"</legend>
                    {data.fields.is_empty().then(|| view! { <p class="hint">"No custom fields yet: add them under Data."</p> })}
                    {data.fields.iter().map(|f| {
                        let (id, input_id) = (f.id, format!("report-field-{}", f.id));
                        view! {
                            <div class="field checkbox">
                                <input id=input_id.clone() type="checkbox" checked=fields.get_untracked().contains(&id)
                                    on:change=move |ev| toggle(fields, id, event_target_checked(&ev))/>
                                <label for=input_id>{f.name.clone()}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="button" on:click=save>"Save report settings"</button>
                <p role="status" aria-live="polite">{move || status.get()}</p>
            </fieldset>
        </section>
    }
}
