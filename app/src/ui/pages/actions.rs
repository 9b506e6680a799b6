//! Actions: the list by status, creating one, and the action page (basic information, initial
//! script with a live segment counter, the estimate, and the lifecycle buttons).

use crate::api::actions::{
    get_action, list_actions, ActionPage, ActionSummary, ChangeActionStatus, CreateAction, DuplicateAction, SaveAction,
    SetActionEnd, SetActionFeatured,
};
use crate::domain::action_lifecycle::{ActionStatus, Transition, MAX_RUN_DAYS};
use crate::domain::cost_estimate::format_dollars;
use crate::domain::initial_scripts::MAX_VARIANTS;
use crate::domain::org_time::OrgTimeZone;
use crate::domain::script_image::ImageSlot;
use crate::domain::script_template::{ComplianceWarning, ScriptTemplate, ScriptValues, Variable};
use crate::domain::segments::Segments;
use crate::domain::wording::{plural, thousands};
use crate::error::AppError;
use crate::ui::common::{use_org, Alert, EmptyState, ErrorAlert, Field, Loaded};
use crate::ui::pages::scripts::ScriptEditorCard;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};
use uuid::Uuid;

/// How long after the last edit a draft saves itself (as the branched script does).
#[cfg(feature = "hydrate")]
const AUTOSAVE_MS: u32 = 1_500;

#[component]
pub fn ActionsPage() -> impl IntoView {
    let org = use_org();
    let query = use_query_map();
    let status = move || query.read().get("status").unwrap_or_default();
    let create = ServerAction::<CreateAction>::new();
    let actions = Resource::new(
        move || (org.id.get(), status()),
        |(id, status)| async move {
            match id {
                Some(id) => list_actions(id, status).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let base = move || format!("/o/{}/admin", org.org_id());
    view! {
        <Title text="Actions"/>
        <h1>"Actions"</h1>
        <section class="card" aria-labelledby="new-action-heading">
            <h2 id="new-action-heading">"Create a P2P action"</h2>
            <ActionForm action=create>
                <ErrorAlert error=create_error/>
                <input type="hidden" name="org_id" value=move || org.org_id().to_string()/>
                <Field label="Title" name="title" required=true invalid=Signal::derive(move || create_error.get().is_some())/>
                <button type="submit" class="primary" disabled=move || create.pending().get()>"Create action"</button>
            </ActionForm>
        </section>
        <nav class="filters" aria-label="Filter by status">
            <A href=move || base() exact=true>"All"</A>
            {ActionStatus::ALL.into_iter().map(|s| view! {
                <A href=move || format!("{}?status={}", base(), s.as_str())>{s.label()}</A>
            }).collect_view()}
        </nav>
        <Loaded>
            {move || Suspend::new(async move {
                let zone = org.zone().await;
                Ok::<_, AppError>(match actions.await? {
                    list if list.is_empty() => view! {
                        <EmptyState title="No actions here yet">
                            <p>"An action is one texting effort: a contact list, a script, and the volunteers who send it."</p>
                        </EmptyState>
                    }.into_any(),
                    list => view! {
                        <div class="table-scroll">
                            <table class="lists">
                                <thead><tr>
                                    <th scope="col">"Title"</th><th scope="col">"Status"</th>
                                    <th scope="col">"Folder"</th><th scope="col">"List"</th><th scope="col">"Progress"</th>
                                    <th scope="col">{format!("Ends ({})", zone.name())}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|a| { let progress_text = progress(&a); view! {
                                        <tr>
                                            <td><A href=format!("/o/{}/admin/actions/{}", org.org_id(), a.id)>{a.title.clone()}</A>
                                                {a.featured.then(|| view! { " " <span class="badge featured">"Featured"</span> })}</td>
                                            <td><span class=format!("badge status-{}", a.status.as_str())>{a.status.label()}</span></td>
                                            <td>{a.folder.clone()}</td>
                                            <td>{a.list_name.clone().unwrap_or_else(|| "—".into())}</td>
                                            <td class="progress-cell">{progress_text}
                                                {(a.status != ActionStatus::Draft).then(|| {
                                                    let href = format!("/o/{}/admin/actions/{}/results", org.org_id(), a.id);
                                                    view! { " · " <A href=href>"Results"</A> }
                                                })}
                                            </td>
                                            <td>{a.ends_at.map(|t| zone.date_time(t)).unwrap_or_default()}</td>
                                        </tr>
                                    }}).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                })
            })}
        </Loaded>
    }
}

/// "120 of 300 texted (40%) · 12 replies": how far the action has come.
fn progress(a: &ActionSummary) -> String {
    let total = a.contact_count.unwrap_or(0).max(0) as i64;
    if total == 0 {
        return "—".into();
    }
    let pct = (a.texted * 100).checked_div(total).unwrap_or(0).min(100);
    format!(
        "{} of {} texted ({pct}%) · {}",
        thousands(a.texted as u64),
        thousands(total as u64),
        plural(a.replies, "reply", "replies")
    )
}

#[component]
pub fn ActionEditorPage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let action_id = move || params.read().get("action_id").and_then(|raw| Uuid::parse_str(&raw).ok());
    let save = ServerAction::<SaveAction>::new();
    let change = ServerAction::<ChangeActionStatus>::new();
    let duplicate = ServerAction::<DuplicateAction>::new();
    let feature = ServerAction::<SetActionFeatured>::new();
    let set_end = ServerAction::<SetActionEnd>::new();
    // Bumped when the picture is uploaded or removed (outside the form's save).
    let image_changed = RwSignal::new(0u32);
    // Set when autosave submits the form, cleared by a press of Save. An autosave must not
    // refetch the page: that would replace the form under the fingers of someone still typing.
    let autosaving = RwSignal::new(false);
    // Refetched after a status change or a successful save; a failed save keeps the form as typed.
    let saved_ok = Memo::new(move |prev: Option<&usize>| {
        let ok = matches!(save.value().get(), Some(Ok(_))) && !autosaving.try_get_untracked().unwrap_or(false);
        prev.copied().unwrap_or(0) + usize::from(ok)
    });
    let page = Resource::new(
        move || {
            (
                org.id.get(),
                action_id(),
                change.version().get(),
                saved_ok.get(),
                set_end.version().get(),
                image_changed.get(),
                feature.version().get(),
            )
        },
        |(org_id, action_id, _, _, _, _, _)| async move {
            match (org_id, action_id) {
                (Some(org_id), Some(action_id)) => get_action(org_id, action_id).await,
                _ => Err(AppError::NotFound("That action does not exist.".into())),
            }
        },
    );
    view! {
        <Title text="Action"/>
        <p><A href=move || format!("/o/{}/admin", org.org_id())>"← All actions"</A></p>
        <Loaded>
            {move || Suspend::new(async move {
                let zone = org.zone().await;
                let p = page.await?;
                Ok::<_, AppError>(view! {
                    <ActionEditor page=p zone save change duplicate feature set_end image_changed autosaving/>
                })
            })}
        </Loaded>
        // Outside the page's Transition: saving the basic information refetches the page, and
        // that must not throw away script edits that are still waiting for their autosave.
        {move || match (org.id.get(), action_id()) {
            (Some(org_id), Some(action_id)) => view! {
                <ScriptEditorCard org_id action_id version=Signal::derive(move || change.version().get())/>
            }.into_any(),
            _ => ().into_any(),
        }}
    }
}

#[component]
fn ActionEditor(
    page: ActionPage,
    /// The organization's zone: the pickers below are in it.
    zone: OrgTimeZone,
    save: ServerAction<SaveAction>,
    change: ServerAction<ChangeActionStatus>,
    duplicate: ServerAction<DuplicateAction>,
    feature: ServerAction<SetActionFeatured>,
    set_end: ServerAction<SetActionEnd>,
    image_changed: RwSignal<u32>,
    autosaving: RwSignal<bool>,
) -> impl IntoView {
    let org = use_org();
    let a = page.action.clone();
    let featured = a.featured_at.is_some();
    // Uuids are Copy, so every form and task below can take its own.
    let org_id = org.org_id();
    let action_id = a.id;
    let status = a.status;
    let editable = status.editable();
    let script = RwSignal::new(a.basics.initial_script.clone());
    // Each variant box keeps its own text; the list only changes when one is added or removed.
    let next_key = StoredValue::new(a.basics.initial_variants.len());
    let owner = Owner::current().expect("the editor runs inside the reactive tree");
    let variants: RwSignal<Vec<(usize, RwSignal<String>)>> = RwSignal::new(
        a.basics.initial_variants.iter().cloned().enumerate().map(|(i, v)| (i, RwSignal::new(v))).collect(),
    );
    let at_most = move || variants.with(Vec::len) + 1 >= MAX_VARIANTS;
    let custom_fields = StoredValue::new(page.custom_fields.clone());
    let script_values = StoredValue::new(page.script_values.clone());
    let org_name = StoredValue::new(page.org_name.clone());
    // The card's image is never texted, so it can change until the action closes.
    let card_editable = status != ActionStatus::Closed;
    // The estimate follows autosaves without re-rendering the form.
    let estimate = RwSignal::new((page.estimate.clone(), page.estimate_missing.clone()));
    let estimate_total = move || estimate.with(|(e, _)| e.as_ref().map(|e| e.total_micros));
    let form_ref = NodeRef::<leptos::html::Form>::new();
    // Drafts save themselves a moment after the last keystroke, through the form's own submit,
    // so an autosave is exactly a press of Save (same validation, same errors, edits kept).
    #[cfg(feature = "hydrate")]
    let autosave_timer = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    #[cfg(not(feature = "hydrate"))]
    // Sync storage on the server: a thread-local value here panics when the render's owner is
    // dropped on another worker thread, and that Suspense then never answers.
    let autosave_timer = StoredValue::new(None::<()>);
    let on_edit = move |_: leptos::ev::Event| {
        if status != ActionStatus::Draft {
            return;
        }
        #[cfg(feature = "hydrate")]
        autosave_timer.update_value(|timer| {
            *timer = Some(gloo_timers::callback::Timeout::new(AUTOSAVE_MS, move || {
                // The editor may be gone by now (a save replaced it): then there is nothing to submit.
                if let Some(form) = form_ref.try_get_untracked().flatten() {
                    autosaving.set(true);
                    let _ = form.request_submit();
                }
            }));
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (autosave_timer, form_ref);
    };
    // Save stays pressable while an autosave is on its way, so a press is never swallowed.
    let save_blocked = move || save.pending().get() && !autosaving.get();
    let on_save_click = move |_: leptos::ev::MouseEvent| {
        // Dropping a pending timeout cancels it: this press saves now.
        autosave_timer.update_value(|timer| {
            let _ = timer.take();
        });
        autosaving.set(false);
    };
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(()))) && autosaving.try_get_untracked().unwrap_or(false) {
            leptos::task::spawn_local(async move {
                if let Ok(fresh) = get_action(org_id, action_id).await {
                    // The editor may have been replaced meanwhile; then there is nothing to update.
                    let _ = estimate.try_set((fresh.estimate, fresh.estimate_missing));
                }
            });
        }
    });
    let variants_json = move || {
        serde_json::to_string(&variants.with(|list| list.iter().map(|(_, text)| text.get()).collect::<Vec<_>>()))
            .unwrap_or_default()
    };
    let field_error = move |field: &'static str| {
        move || save.value().get().and_then(Result::err).and_then(|e| e.field_message(field))
    };
    let save_error = Signal::derive(move || {
        save.value().get().and_then(Result::err).filter(|e| !matches!(e, AppError::Invalid { .. }))
    });
    let change_error = Signal::derive(move || change.value().get().and_then(Result::err));
    let end_error = Signal::derive(move || set_end.value().get().and_then(Result::err));
    let ends_text = a.ends_at.map(|t| zone.picker_value(t)).unwrap_or_default();
    let zone_label = zone.name();
    let area_codes_text = a.basics.preferred_area_codes.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ");
    let alternate_text = a.basics.alternate_area_code.map(|c| c.to_string()).unwrap_or_default();
    let districts_text = a.basics.districts.join(", ");
    view! {
        <header class="page-header">
            <h1>{a.basics.title.clone()}</h1>
            <span class=format!("badge status-{}", status.as_str()) data-testid="action-status">{status.label()}</span>
        </header>
        <p class="export-links">
            <A href=format!("/o/{}/admin/actions/{action_id}/results", org.org_id())>"View Results"</A>
            <a href=format!("/api/actions/{action_id}/export/contacts.csv") download>"Export contacts (CSV)"</a>
            <a href=format!("/api/actions/{action_id}/export/messages.csv") download>"Export messages (CSV)"</a>
            <a href=format!("/api/actions/{action_id}/export/send-audit.csv") download>"Send audit (CSV)"</a>
        </p>
        {(!editable).then(|| view! {
            <p class="alert" role="status">{match status {
                ActionStatus::Closed => "This action is closed. Duplicate it to run it again.",
                _ => "This action is live. Pause it to edit; volunteers cannot send while it is paused.",
            }}</p>
        })}
        <section class="card" aria-labelledby="lifecycle-heading">
            <h2 id="lifecycle-heading">"Status"</h2>
            <ErrorAlert error=change_error/>
            {move || match estimate.get() {
                (Some(e), _) => view! {
                    <dl class="facts estimate" aria-label="Cost estimate">
                        <dt>"Contacts"</dt><dd>{e.contacts.to_string()}</dd>
                        {if e.mms {
                            view! { <dt>"Sent as"</dt><dd data-testid="estimate-kind">"MMS (with the picture)"</dd> }.into_any()
                        } else {
                            view! { <dt>"Segments per message (worst case)"</dt><dd>{e.segments_per_message.to_string()}</dd> }.into_any()
                        }}
                        <dt>"Messages"</dt><dd>{format_dollars(e.messages_micros)}</dd>
                        <dt>"Carrier fees"</dt><dd>{format_dollars(e.carrier_fees_micros)}</dd>
                        <dt>{format!("Phone numbers ({})", e.numbers_needed)}</dt><dd>{format_dollars(e.numbers_micros)}</dd>
                        <dt>"Estimated total"</dt><dd data-testid="estimate-total">{format_dollars(e.total_micros)}</dd>
                    </dl>
                    {e.minimum_applied.then(|| view! { <p class="hint">"The minimum charge of $10.00 applies."</p> })}
                }.into_any(),
                (None, Some(reason)) => view! { <p class="hint">{reason}</p> }.into_any(),
                _ => ().into_any(),
            }}
            {matches!(status, ActionStatus::Scheduled | ActionStatus::Published | ActionStatus::Paused).then(|| view! {
                <ActionForm action=set_end>
                    <ErrorAlert error=end_error/>
                    <input type="hidden" name="org_id" value=org_id.to_string()/>
                    <input type="hidden" name="action_id" value=action_id.to_string()/>
                    <div class="field inline">
                        <label for="ends-at">{format!("Ends at ({zone_label} time; at most {} days after going live)", MAX_RUN_DAYS)}</label>
                        <input id="ends-at" name="ends_at" type="datetime-local" value=ends_text.clone()
                            aria-invalid=move || end_error.get().map(|_| "true")/>
                        <button type="submit" disabled=move || set_end.pending().get()>"Change end"</button>
                    </div>
                </ActionForm>
            })}
            <div class="button-row">
                {status.choices().into_iter().filter(|t| *t != Transition::Close).map(|t| {
                    let needs_ack = matches!(t, Transition::Publish | Transition::Schedule) && page.action.cost_acknowledged_at.is_none();
                    let compliance_problems = (matches!(t, Transition::Publish | Transition::Schedule)
                        && page.action.compliance_acknowledged_at.is_none())
                        .then(|| page.compliance_problems.clone())
                        .unwrap_or_default();

                    let label = match t {
                        Transition::Publish => "Publish now",
                        Transition::Schedule => "Schedule",
                        Transition::Unschedule => "Back to draft",
                        Transition::Pause => "Pause",
                        Transition::Resume => "Resume",
                        Transition::Close => "Close action",
                    };
                    view! {
                        <ActionForm action=change>
                            <input type="hidden" name="org_id" value=org_id.to_string()/>
                            <input type="hidden" name="action_id" value=action_id.to_string()/>
                            <input type="hidden" name="transition" value=t.as_str()/>
                            {(t == Transition::Schedule).then(|| view! {
                                <div class="field">
                                    <label for="publish-at">{format!("Goes live at ({zone_label} time)")}</label>
                                    <input id="publish-at" name="publish_at" type="datetime-local" required=true/>
                                </div>
                            })}
                            {move || estimate_total().filter(|_| needs_ack).map(|total| view! {
                                <div class="field checkbox">
                                    <input id=format!("ack-{}", t.as_str()) type="checkbox" name="acknowledged_micros"
                                        value=total.to_string() required=true/>
                                    <label for=format!("ack-{}", t.as_str())>
                                        {format!("I understand this action will cost about {}", format_dollars(total))}
                                    </label>
                                </div>
                            })}
                            {(!compliance_problems.is_empty()).then(|| view! {
                                <div class="field checkbox">
                                    <ul class="hint warning">
                                        {compliance_problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                                    </ul>
                                    <input id=format!("ack-compliance-{}", t.as_str()) type="checkbox" name="acknowledge_compliance"/>
                                    <label for=format!("ack-compliance-{}", t.as_str())>
                                        "Publish anyway: I acknowledge the first text does not identify us or offer a way to opt out"
                                    </label>
                                </div>
                            })}
                            <button type="submit" class=if t == Transition::Close { "danger" } else { "primary" }
                                disabled=move || change.pending().get()>{label}</button>
                        </ActionForm>
                    }
                }).collect_view()}
                <ActionForm action=duplicate>
                    <input type="hidden" name="org_id" value=org_id.to_string()/>
                    <input type="hidden" name="action_id" value=action_id.to_string()/>
                    <button type="submit">"Duplicate"</button>
                </ActionForm>
                // Pinned to the top of the volunteers' list; several actions may be.
                <ActionForm action=feature>
                    <input type="hidden" name="org_id" value=org_id.to_string()/>
                    <input type="hidden" name="action_id" value=action_id.to_string()/>
                    <input type="hidden" name="featured" value=(!featured).to_string()/>
                    <button type="submit" disabled=move || feature.pending().get()>
                        {if featured { "Remove from featured" } else { "Mark featured" }}
                    </button>
                </ActionForm>
            </div>
            <ErrorAlert error=Signal::derive(move || feature.value().get().and_then(Result::err))/>
            <section class="share" aria-labelledby="share-heading">
                <h3 id="share-heading">"Share"</h3>
                <p class="hint">"Whoever opens this link signs in or creates an account, joins your organization and lands on this action. Print the QR code on flyers."</p>
                <label for="share-link">"Share link"</label>
                <input id="share-link" type="text" readonly=true value=page.share_link.clone()/>
                <img class="share-qr" src=format!("/o/{org_id}/a/{action_id}/qr.svg") alt="QR code of the share link" width="160" height="160" loading="lazy"/>
                <p><a href=format!("/o/{org_id}/a/{action_id}/qr.svg") download="action-qr-code.svg">"Download the QR code"</a></p>
            </section>
            // Closing cannot be undone, so it sits apart from Publish and Pause and asks first
            // (a required box, which also works before the bundle has loaded).
            {status.choices().contains(&Transition::Close).then(|| view! {
                <div class="danger-zone">
                    <h3>"Close this action"</h3>
                    <ActionForm action=change>
                        <input type="hidden" name="org_id" value=org_id.to_string()/>
                        <input type="hidden" name="action_id" value=action_id.to_string()/>
                        <input type="hidden" name="transition" value=Transition::Close.as_str()/>
                        <div class="field checkbox">
                            <input id="confirm-close" type="checkbox" name="confirm_close" required=true/>
                            <label for="confirm-close">
                                "Yes, close it: volunteers can no longer text or reply, its numbers are released, and it cannot be reopened (duplicate it to run it again)."
                            </label>
                        </div>
                        <button type="submit" class="danger" disabled=move || change.pending().get()>"Close action"</button>
                    </ActionForm>
                </div>
            })}
        </section>
        <section class="card" aria-labelledby="basics-heading">
            <h2 id="basics-heading">"Basic information and script"</h2>
            <ActionForm action=save node_ref=form_ref on:input=on_edit on:change=on_edit>
                <ErrorAlert error=save_error/>
                <input type="hidden" name="org_id" value=org_id.to_string()/>
                <input type="hidden" name="action_id" value=action_id.to_string()/>
                <fieldset disabled=!editable>
                    <TextField label="Title" name="title" value=a.basics.title.clone() error=field_error("title")/>
                    <div class="field">
                        <label for="action-description">"Description (shown to volunteers)"</label>
                        <textarea id="action-description" name="description" rows="4"
                            aria-invalid=move || field_error("description")().map(|_| "true")
                            maxlength=crate::domain::text_limits::action_field("description").map(|l| l.max)>{a.basics.description.clone()}</textarea>
                        <p class="field-error" role="alert">{field_error("description")}</p>
                    </div>
                    <TextField label="Disclaimer" name="disclaimer" value=a.basics.disclaimer.clone() error=field_error("disclaimer")/>
                    <TextField label="Start button label" name="start_label" value=a.basics.start_label.clone() error=field_error("start_label")/>
                    <TextField label="Folder" name="folder" value=a.basics.folder.clone() error=field_error("folder")/>
                    <div class="field">
                        <label for="action-list">"Contact list"</label>
                        <select id="action-list" name="contact_list_id">
                            <option value="" selected=a.basics.contact_list_id.is_none()>"Choose a list…"</option>
                            {page.lists.iter().map(|(id, name, count)| view! {
                                <option value=id.to_string() selected=a.basics.contact_list_id == Some(*id)>{format!("{name} ({})", crate::domain::wording::plural(*count as i64, "contact", "contacts"))}</option>
                            }).collect_view()}
                        </select>
                        <p class="field-error" role="alert">{field_error("contact_list_id")}</p>
                    </div>
                    <TextField label="Preferred area codes" name="preferred_area_codes" value=area_codes_text
                        error=field_error("preferred_area_codes")/>
                    <TextField label="Alternate area code" name="alternate_area_code" value=alternate_text
                        error=field_error("alternate_area_code")/>
                    <div class="field checkbox">
                        <input id="keep-assignments" type="checkbox" name="keep_assignments" checked=a.basics.keep_assignments/>
                        <label for="keep-assignments">"Keep Assignments: volunteers get only the contacts pre-assigned to them"</label>
                    </div>
                    <div class="field">
                        <label for="action-language">"Language"</label>
                        <select id="action-language" name="language">
                            <option value="" selected=a.basics.language.is_none()>"Any volunteer"</option>
                            <option value="en" selected=a.basics.language.as_deref() == Some("en")>"English speakers"</option>
                            <option value="es" selected=a.basics.language.as_deref() == Some("es")>"Spanish speakers"</option>
                        </select>
                    </div>
                    <TextField label="Districts (comma-separated; empty for all)" name="districts" value=districts_text error=field_error("districts")/>
                    <ScriptBox id="initial-script".to_string() label="Initial script".to_string() name="initial_script" text=script remove=None
                        fields=page.custom_fields.clone() values=page.script_values.clone() org_name=page.org_name.clone()/>
                    <p class="field-error" role="alert">{field_error("initial_script")}</p>
                    <input type="hidden" name="initial_variants" prop:value=variants_json value=variants_json()/>
                    {move || variants.get().into_iter().enumerate().map(|(i, (key, text))| view! {
                        <ScriptBox
                            id=format!("initial-variant-{key}")
                            label=format!("Variant {}", i + 2)
                            name=""
                            text
                            remove=Some(Callback::new(move |_| variants.update(|list| list.retain(|(k, _)| *k != key))))
                            fields=custom_fields.get_value()
                            values=script_values.get_value()
                            org_name=org_name.get_value()
                        />
                    }).collect_view()}
                    <p class="field-error" role="alert">{field_error("initial_variants")}</p>
                    <button type="button" class="secondary" disabled=at_most
                        on:click=move |_| {
                            let key = next_key.get_value();
                            next_key.set_value(key + 1);
                            // Owned by the editor, so the box's text outlives any re-render of the list.
                            let text = owner.with(|| RwSignal::new(script.try_get_untracked().unwrap_or_default()));
                            variants.update(|list| list.push((key, text)));
                        }>"Add a variant"</button>
                    <p class="hint">"Each contact gets one variant, spread evenly. Variants start as a copy of the initial script."</p>
                    <button type="submit" class="primary" disabled=save_blocked on:click=on_save_click>"Save"</button>
                    {move || matches!(save.value().get(), Some(Ok(()))).then(|| view! {
                        <p class="alert success" role="status">{if autosaving.get() { "Draft saved automatically." } else { "Saved." }}</p>
                    })}
                    {(status == ActionStatus::Draft).then(|| view! { <p class="hint">"Drafts save themselves a moment after you stop typing."</p> })}
                </fieldset>
            </ActionForm>
        </section>
        <ImageCard action_id place=ImageSlot::Script image_id=a.script_image_id image_name=a.script_image_name.clone() editable image_changed/>
        <ImageCard action_id place=ImageSlot::Card image_id=a.card_image_id image_name=a.card_image_name.clone()
            editable=card_editable image_changed/>
    }
}

/// One box of the initial script (or a variant) with its live segment counter, the characters
/// that make it longer, and the opt-out reminder.
#[component]
fn ScriptBox(
    id: String,
    label: String,
    /// The form field it fills; empty for variants, which travel together as JSON.
    name: &'static str,
    text: RwSignal<String>,
    remove: Option<Callback<()>>,
    /// The list's custom fields, offered as variables beside the built-in ones.
    fields: Vec<String>,
    /// The list's sample contact and longest values; `None` before a list is chosen.
    values: Option<ScriptValues>,
    /// The organization's name, for the sender check: the same rule the server applies when
    /// publishing (`ScriptTemplate::compliance_warnings`).
    org_name: String,
) -> impl IntoView {
    let known_fields = StoredValue::new(fields.clone());
    let org_name = StoredValue::new(org_name);
    // The list's fields as saved, plus any {custom:…} the text names: a list chosen but not
    // saved yet has fields the page does not know, and the advice and the count should not
    // wait for it. Both the warnings and the counter read this one parse.
    let template = move || {
        let raw = text.get();
        known_fields.with_value(|known| {
            let mut known = known.clone();
            known.extend(
                raw.split("{custom:").skip(1).filter_map(|rest| rest.split_once('}')).map(|(f, _)| f.to_string()),
            );
            ScriptTemplate::parse(raw.trim(), &known).map_err(|e| e.to_string())
        })
    };
    let warnings = move || {
        if text.get().trim().is_empty() {
            return Vec::new();
        }
        template().map(|t| org_name.with_value(|name| t.compliance_warnings(name))).unwrap_or_default()
    };
    let warns = move |w: ComplianceWarning| warnings().contains(&w);
    let counter_id = format!("{id}-counter");
    let variables: Vec<Variable> = Variable::BUILT_IN
        .into_iter()
        .chain(fields.iter().filter_map(|f| Variable::from_name(&format!("custom:{f}"))))
        .collect();
    // Counted as the list's first contact would get it and for the longest values the list
    // holds, with the same values the estimate uses (not the placeholders' own length).
    let has_list = values.is_some();
    let values = StoredValue::new(values.unwrap_or_default());
    let counter = move || {
        let info = Segments::count(&text.get());
        let offending: String = info.ucs2_chars.iter().map(|(_, c)| *c).collect();
        let counts = template().map(|t| values.with_value(|v| v.counts(&t)));
        (counts, offending)
    };
    let initial = text.try_get_untracked().unwrap_or_default();
    view! {
        <div class="field script-box">
            <label for=id.clone()>{label.clone()}</label>
            <textarea id=id.clone() name=(!name.is_empty()).then_some(name) rows="5" aria-describedby=counter_id.clone()
                maxlength=crate::domain::text_limits::INITIAL_SCRIPT.max
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))>{initial}</textarea>
            <div class="variable-buttons" role="group" aria-label="Insert a variable">
                {variables.into_iter().map(|v| {
                    let placeholder = v.placeholder();
                    view! {
                        <button type="button" class="chip" on:click=move |_| text.update(|t| t.push_str(&placeholder))>{v.label()}</button>
                    }
                }).collect_view()}
            </div>
            <p class="hint" id=counter_id aria-live="polite" data-testid="segment-counter">{move || {
                match counter().0 {
                    Ok(c) => {
                        let who = if has_list {
                            values.with_value(|v| v.sample.value(&Variable::FirstName))
                        } else {
                            "a contact with no name on file".to_string()
                        };
                        let sample = format!(
                            "For {who}: {} · {} · {} left in the last segment.",
                            c.sample.encoding.label(),
                            plural(c.sample.segments as i64, "segment", "segments"),
                            c.sample.remaining_in_segment
                        );
                        let worst = if has_list {
                            format!(" Longest in this list: {} (what the estimate charges).", plural(c.worst.segments as i64, "segment", "segments"))
                        } else {
                            " Save with a contact list to count with its names and fields.".to_string()
                        };
                        format!("{sample}{worst}")
                    }
                    Err(error) => format!("Not counted yet: {error}"),
                }
            }}</p>
            {move || {
                let (_, offending) = counter();
                (!offending.is_empty()).then(|| view! {
                    <p class="hint warning">{format!("These characters make the whole message longer (UCS-2): {offending}")}</p>
                    <button type="button" on:click=move |_| text.update(|s| *s = crate::domain::segments::smart_replacements(s))>
                        "Replace curly quotes, dashes and ellipses"
                    </button>
                })
            }}
            {move || warns(ComplianceWarning::NoSenderIdentification).then(|| view! {
                <p class="hint warning">"Say who is texting: name your organization or add the Organization name variable, so the first text identifies the sender."</p>
            })}
            {move || warns(ComplianceWarning::NoOptOutLanguage).then(|| view! {
                <p class="hint warning">"Add opt-out language, such as \"Text STOP to opt out\", so carriers do not filter your messages."</p>
            })}
            {remove.map(|remove| view! {
                <button type="button" class="link-button danger" on:click=move |_| remove.run(())>{format!("Remove {}", label.to_lowercase())}</button>
            })}
        </div>
    }
}

/// Words for each place a picture can go.
struct SlotText {
    heading: &'static str,
    hint: String,
    input_id: &'static str,
    add: &'static str,
    replace: &'static str,
    remove: &'static str,
    alt: &'static str,
    name_testid: &'static str,
}

fn slot_text(slot: ImageSlot) -> SlotText {
    let max = crate::domain::script_image::describe_size(crate::domain::script_image::MAX_BYTES);
    match slot {
        ImageSlot::Script => SlotText {
            heading: "Picture",
            hint: format!("Optional. A JPEG, PNG or GIF of up to {max} sent with every initial text. It makes each text an MMS, which costs more and uses 5 sending numbers."),
            input_id: "script-image",
            add: "Add a picture",
            replace: "Replace the picture",
            remove: "Remove the picture",
            alt: "Picture sent with the initial script",
            name_testid: "image-name",
        },
        ImageSlot::Card => SlotText {
            heading: "Image shown to volunteers",
            hint: format!("Optional. A JPEG, PNG or GIF of up to {max} on the action's card in the volunteers' Actions list. It is never texted, and can change while the action is live."),
            input_id: "card-image",
            add: "Add an image for volunteers",
            replace: "Replace the image for volunteers",
            remove: "Remove the image for volunteers",
            alt: "Image shown to volunteers",
            name_testid: "card-image-name",
        },
    }
}

/// A picture of the action: the one texted with the initial script, or the card's. Checked in
/// the browser with the same rules as on the server, so a wrong file is refused before upload.
#[component]
fn ImageCard(
    action_id: Uuid,
    // Not `slot`: the view macro reads that name as a Leptos slot.
    place: ImageSlot,
    image_id: Option<Uuid>,
    image_name: Option<String>,
    editable: bool,
    image_changed: RwSignal<u32>,
) -> impl IntoView {
    let slot = place;
    let text = slot_text(slot);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let input_id = text.input_id;
    let on_file = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(image_upload::upload(action_id, slot, input_id, problem, busy, image_changed));
        #[cfg(not(feature = "hydrate"))]
        let _ = (action_id, slot, input_id, problem, busy, image_changed);
    };
    let on_remove = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(image_upload::remove(action_id, slot, problem, busy, image_changed));
    };
    let heading_id = format!("{}-heading", text.input_id);
    let labelled_by = heading_id.clone();
    view! {
        <section class="card" aria-labelledby=labelled_by>
            <h2 id=heading_id>{text.heading}</h2>
            <p class="hint">{text.hint.clone()}</p>
            {image_id.map(|id| view! {
                <figure class="mms-image">
                    <img src=crate::domain::script_image::media_path(id) alt=text.alt/>
                    <figcaption class="hint" data-testid=text.name_testid>{image_name.clone().unwrap_or_default()}</figcaption>
                </figure>
            })}
            {move || problem.get().map(|p| view! { <Alert message=p/> })}
            {editable.then(|| view! {
                <div class="field">
                    <label for=text.input_id>{if image_id.is_some() { text.replace } else { text.add }}</label>
                    <input id=text.input_id type="file" accept="image/jpeg,image/png,image/gif" disabled=move || busy.get() on:change=on_file/>
                </div>
                {image_id.is_some().then(|| view! {
                    <button type="button" class="link-button danger" disabled=move || busy.get() on:click=on_remove>{text.remove}</button>
                })}
            })}
        </section>
    }
}

#[cfg(feature = "hydrate")]
mod image_upload {
    use super::*;
    use crate::domain::script_image::ScriptImage;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    fn selected_file(input_id: &str) -> Option<web_sys::File> {
        let input = document().get_element_by_id(input_id)?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
        input.files()?.get(0)
    }

    async fn error_of(response: &web_sys::Response) -> String {
        let text = match response.text() {
            Ok(promise) => JsFuture::from(promise).await.ok().and_then(|t| t.as_string()),
            Err(_) => None,
        };
        text.and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["error"].as_str().map(String::from))
            .unwrap_or_else(|| "The picture could not be saved. Try again.".into())
    }

    async fn request(method: &str, url: &str, file: Option<&web_sys::File>) -> Result<(), String> {
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        if let Some(file) = file {
            init.set_body(file);
            let headers = web_sys::Headers::new().map_err(|_| "The browser refused the upload.".to_string())?;
            // Header values must be ASCII; a name that is not only loses its decoration.
            let name: String = file.name().chars().filter(|c| c.is_ascii() && !c.is_ascii_control()).collect();
            let _ = headers.set("x-file-name", &name);
            init.set_headers(&headers);
        }
        let response = JsFuture::from(window().fetch_with_str_and_init(url, &init))
            .await
            .map_err(|_| "The connection dropped. Try again.".to_string())?;
        let response: web_sys::Response = response.unchecked_into();
        if response.ok() {
            Ok(())
        } else {
            Err(error_of(&response).await)
        }
    }

    pub async fn upload(
        action_id: Uuid,
        slot: ImageSlot,
        input_id: &'static str,
        problem: RwSignal<Option<String>>,
        busy: RwSignal<bool>,
        changed: RwSignal<u32>,
    ) {
        let Some(file) = selected_file(input_id) else { return };
        problem.set(None);
        let Ok(buffer) = JsFuture::from(file.array_buffer()).await else {
            problem.set(Some("The file could not be read.".into()));
            return;
        };
        if let Err(message) = ScriptImage::parse(js_sys::Uint8Array::new(&buffer).to_vec()) {
            problem.set(Some(message));
            return;
        }
        busy.set(true);
        let url = format!("/api/actions/{action_id}/image?for={}", slot.as_str());
        let result = request("POST", &url, Some(&file)).await;
        busy.set(false);
        match result {
            Ok(()) => changed.update(|v| *v += 1),
            Err(message) => problem.set(Some(message)),
        }
    }

    pub async fn remove(
        action_id: Uuid,
        slot: ImageSlot,
        problem: RwSignal<Option<String>>,
        busy: RwSignal<bool>,
        changed: RwSignal<u32>,
    ) {
        busy.set(true);
        let url = format!("/api/actions/{action_id}/image?for={}", slot.as_str());
        let result = request("DELETE", &url, None).await;
        busy.set(false);
        match result {
            Ok(()) => changed.update(|v| *v += 1),
            Err(message) => problem.set(Some(message)),
        }
    }
}

#[component]
fn TextField(
    label: &'static str,
    name: &'static str,
    value: String,
    error: impl Fn() -> Option<String> + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let id = format!("action-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id name=name type="text" value=value aria-invalid=move || error().map(|_| "true")
                maxlength=crate::domain::text_limits::action_field(name).map(|l| l.max)/>
            <p class="field-error" role="alert">{error}</p>
        </div>
    }
}
