//! The inbox and a thread: filters with counts, new replies without reloading (polling), the
//! response scripts for where the contact is in the branched script, the report, archive,
//! opt-out and reassignment.

use crate::api::inbox::{
    file_report, get_inbox, get_thread, DismissNotices, InboxFilter, OptOutContact, ReassignAll, ReassignConversation,
    ReportInput, SetArchived, SetAutoArchive, Thread,
};
use crate::api::messaging::send_message;
use crate::domain::org_time::OrgTimeZone;
use crate::error::AppError;
use crate::ui::common::{poll, request_key, use_org, Alert, EmptyState, ErrorAlert, Loaded};
use crate::ui::thread::{known_facts, message_history};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map, use_query_map},
};

/// How often open inbox pages ask for news.
const POLL_MS: u32 = 4_000;

#[component]
pub fn InboxPage() -> impl IntoView {
    let org = use_org();
    let query = use_query_map();
    let filter =
        Memo::new(move |_| InboxFilter::parse(&query.read().get("filter").unwrap_or_default()).unwrap_or_default());
    let refresh = RwSignal::new(0u32);
    let inbox = Resource::new(
        move || (org.id.get(), filter.get(), refresh.get()),
        |(org, filter, _)| async move {
            match org {
                Some(org) => get_inbox(org, filter.as_str().to_string()).await,
                None => Err(AppError::NotFound("There is no such organization.".into())),
            }
        },
    );
    poll(POLL_MS, move || refresh.update(|n| *n += 1));
    let base = move || format!("/o/{}/inbox", org.org_id());
    // Forms, so they work before the bundle has loaded; a failure is shown, never swallowed.
    let dismiss = ServerAction::<DismissNotices>::new();
    let auto_archive_save = ServerAction::<SetAutoArchive>::new();
    let failed = move || {
        dismiss.value().get().and_then(Result::err).or_else(|| auto_archive_save.value().get().and_then(Result::err))
    };
    Effect::new(move |_| {
        if matches!(dismiss.value().get(), Some(Ok(()))) || matches!(auto_archive_save.value().get(), Some(Ok(()))) {
            refresh.update(|n| *n += 1);
        }
    });
    view! {
        <Title text="Inbox"/>
        <h1>"Inbox"</h1>
        <ErrorAlert error=Signal::derive(failed)/>
        <Loaded>
            {move || Suspend::new(async move {
                let inbox = inbox.await?;
                Ok::<_, AppError>({
                    let org_id = org.org_id();
                    let counts = inbox.counts;
                    let current = filter.get_untracked();
                    let auto_archive = inbox.auto_archive;
                    view! {
                        {(!inbox.notices.is_empty()).then(|| view! {
                            <section class="notices" role="status">
                                {inbox.notices.iter().map(|n| view! { <p>{n.body.clone()}</p> }).collect_view()}
                                <ActionForm action=dismiss>
                                    <input type="hidden" name="org_id" value=org_id.to_string()/>
                                    <button type="submit" class="link-button">"Dismiss"</button>
                                </ActionForm>
                            </section>
                        })}
                        <nav class="filters inbox-filters" aria-label="Filter conversations">
                            {InboxFilter::ALL.into_iter().map(|f| view! {
                                <A href=format!("{}?filter={}", base(), f.as_str()) attr:aria-current=(f == current).then_some("page")>
                                    {f.label()} " " <span class="count">{counts.get(f)}</span>
                                </A>
                            }).collect_view()}
                        </nav>
                        <ActionForm action=auto_archive_save>
                            <input type="hidden" name="org_id" value=org_id.to_string()/>
                            <label class="toggle">
                                // Saved as soon as it changes; without the bundle, by the button below.
                                <input type="checkbox" name="on" value="true" prop:checked=auto_archive on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    auto_archive_save.dispatch(SetAutoArchive { org_id, on });
                                }/>
                                " Archive a conversation when I file its report"
                            </label>
                            <noscript><button type="submit" class="secondary">"Save"</button></noscript>
                        </ActionForm>
                        {if inbox.threads.is_empty() {
                            view! {
                                <EmptyState title="Nothing here">
                                    <p>"Replies from the people you text appear here, newest first."</p>
                                </EmptyState>
                            }.into_any()
                        } else {
                            view! {
                                <ul class="threads">
                                    {inbox.threads.into_iter().map(|t| view! {
                                        <li class:unread=t.unread class:attention=t.needs_attention>
                                            <A href=format!("/o/{org_id}/inbox/{}", t.conversation_id)>
                                                <span class="thread-name">{if t.contact_name.is_empty() { "(no name)".to_string() } else { t.contact_name.clone() }}</span>
                                                <span class="thread-meta">{t.action_title.clone()} " · Peer-to-Peer"
                                                    {t.needs_attention.then(|| view! { " · " <strong>"Needs Attention"</strong> })}
                                                    {t.opted_out.then(|| " · Opted out")}
                                                </span>
                                                <span class="thread-last">{if t.last_inbound { "" } else { "You: " }}{t.last_body.clone()}</span>
                                            </A>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any()
                })
            })}
        </Loaded>
    }
}

#[component]
pub fn ThreadPage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let conversation = Memo::new(move |_| params.read().get("conversation_id").and_then(|raw| raw.parse::<i64>().ok()));
    let thread = Resource::new(
        move || (org.id.get(), conversation.get()),
        |(org, conversation)| async move {
            match (org, conversation) {
                (Some(org), Some(c)) => get_thread(org, c).await,
                _ => Err(AppError::NotFound("That conversation is not in your inbox.".into())),
            }
        },
    );
    view! {
        <Title text="Conversation"/>
        <p><A href=move || format!("/o/{}/inbox", org.org_id())>"← Inbox"</A></p>
        <Loaded>
            {move || Suspend::new(async move {
                let zone = org.zone().await;
                let t = thread.await?;
                Ok::<_, AppError>(view! { <ThreadView thread=t zone/> }.into_any())
            })}
        </Loaded>
    }
}

/// The thread stays mounted while it refreshes: only `live` changes, so a reply being typed
/// or a report being filled in is never reset by new messages arriving.
#[component]
fn ThreadView(thread: Thread, zone: OrgTimeZone) -> impl IntoView {
    let org = use_org();
    let org_id = org.org_id();
    let id = thread.conversation_id;
    let action_id = thread.action_id;
    let live = RwSignal::new(thread.clone());
    let refresh = move || {
        spawn_local(async move {
            if let Ok(t) = get_thread(org_id, id).await {
                live.set(t);
            }
        })
    };
    poll(POLL_MS, refresh);
    let navigate = use_navigate();
    // Each button is a form, so it works before the bundle has loaded; with it, the thread
    // refreshes in place and a failure is shown, never swallowed.
    let archive = ServerAction::<SetArchived>::new();
    let opt_out = ServerAction::<OptOutContact>::new();
    let reassign_one = ServerAction::<ReassignConversation>::new();
    let reassign_every = ServerAction::<ReassignAll>::new();
    let error = move || {
        archive
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| opt_out.value().get().and_then(Result::err))
            .or_else(|| reassign_one.value().get().and_then(Result::err))
            .or_else(|| reassign_every.value().get().and_then(Result::err))
    };
    Effect::new(move |_| {
        if matches!(archive.value().get(), Some(Ok(()))) {
            refresh();
        }
    });
    Effect::new(move |_| {
        // Refreshed, the thread shows the contact opted out and the disclosure is gone.
        if matches!(opt_out.value().get(), Some(Ok(()))) {
            refresh();
        }
    });
    Effect::new(move |_| {
        if matches!(reassign_one.value().get(), Some(Ok(_))) || matches!(reassign_every.value().get(), Some(Ok(_))) {
            navigate(&format!("/o/{org_id}/inbox"), Default::default());
        }
    });
    view! {
        <h1>{thread.contact_name.clone()}</h1>
        <p class="thread-meta">{thread.action_title.clone()} " · Peer-to-Peer"
            {move || live.with(|t| t.archived).then(|| " · Archived")}{move || live.with(|t| t.opted_out).then(|| " · Opted out")}</p>
        <ErrorAlert error=Signal::derive(error)/>
        <ol class="messages" aria-label="Messages">
            {move || live.with(|t| message_history(&t.messages, &zone))}
        </ol>
        {move || live.with(|t| known_facts(&t.survey, &t.tags, &t.fields))}
        <Composer live refresh=Callback::new(move |_| refresh())/>
        <ReportForm thread=thread.clone() live refresh=Callback::new(move |_| refresh())/>
        <section class="thread-actions">
            <ActionForm action=archive>
                <input type="hidden" name="org_id" value=org_id.to_string()/>
                <input type="hidden" name="conversation_id" value=id.to_string()/>
                <input type="hidden" name="archived" value=move || (!live.with(|t| t.archived)).to_string()/>
                <button type="submit" class="secondary" disabled=move || archive.pending().get()>
                    {move || if live.with(|t| t.archived) { "Unarchive" } else { "Archive" }}
                </button>
            </ActionForm>
            // A disclosure, so the reason form opens before the bundle has loaded too. Who and
            // why are recorded with the opt-out (the organization's opt-out export).
            {move || (!live.with(|t| t.opted_out)).then(|| view! {
                <details class="opt-out">
                    <summary class="button secondary danger">"Opt out"</summary>
                    <ActionForm action=opt_out attr:class="card opt-out-reason">
                        <input type="hidden" name="org_id" value=org_id.to_string()/>
                        <input type="hidden" name="conversation_id" value=id.to_string()/>
                        <div class="field">
                            <label for="opt-out-reason">"Why opt this person out of all texts from your organization?"</label>
                            <input id="opt-out-reason" name="reason" type="text" required=true
                                maxlength=crate::domain::text_limits::OPT_OUT_REASON.max placeholder="Asked not to be texted"/>
                        </div>
                        <button type="submit" class="danger" disabled=move || opt_out.pending().get()>"Confirm opt-out"</button>
                    </ActionForm>
                </details>
            })}
            <ActionForm action=reassign_one>
                <input type="hidden" name="org_id" value=org_id.to_string()/>
                <input type="hidden" name="conversation_id" value=id.to_string()/>
                <button type="submit" class="secondary" disabled=move || reassign_one.pending().get()>"Reassign conversation"</button>
            </ActionForm>
            <ActionForm action=reassign_every>
                <input type="hidden" name="org_id" value=org_id.to_string()/>
                <input type="hidden" name="action_id" value=action_id.to_string()/>
                <button type="submit" class="secondary" disabled=move || reassign_every.pending().get()>
                    "Reassign all conversations in this action"
                </button>
            </ActionForm>
        </section>
    }
}

/// Follow up: the response scripts for where the contact is, and the message box.
#[component]
fn Composer(live: RwSignal<Thread>, refresh: Callback<()>) -> impl IntoView {
    let org = use_org();
    let org_id = org.org_id();
    let id = live.with_untracked(|t| t.conversation_id);
    let draft = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<String>);
    let key = RwSignal::new(request_key());
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let custom_allowed = live.with_untracked(|t| t.custom_allowed);
    let can_send = move || live.with(|t| t.blocked.is_none());
    let choose = move |node: String, body: String| {
        chosen.set(Some(node));
        draft.set(body);
        key.set(request_key());
    };
    let send = move || {
        let body = draft.get_untracked();
        if body.trim().is_empty() || sending.get_untracked() {
            return;
        }
        sending.set(true);
        let response = chosen.get_untracked().unwrap_or_default();
        let k = key.get_untracked();
        spawn_local(async move {
            match send_message(org_id, id, body, k, response).await {
                Ok(_) => {
                    draft.set(String::new());
                    chosen.set(None);
                    key.set(request_key());
                    error.set(None);
                    refresh.run(());
                }
                // The same key stays, so pressing Send again after a network error cannot send twice.
                Err(e) => error.set(Some(e.to_string())),
            }
            sending.set(false);
        });
    };
    let choice_button = move |c: crate::api::inbox::ResponseChoice| {
        let node = c.node_id.clone();
        let body = c.body.clone();
        let label = c.label.clone();
        let selected = node.clone();
        view! {
            <button type="button" class="choice" class:selected=move || chosen.get().as_deref() == Some(selected.as_str())
                disabled=move || !can_send()
                on:click={
                    let node = node.clone();
                    move |_| choose(node.clone(), body.clone())
                }>{label}</button>
        }
    };
    view! {
        <section class="card composer" aria-labelledby="follow-up-heading">
            <h2 id="follow-up-heading">"Follow up"</h2>
            {move || live.with(|t| (!t.question.is_empty()).then(|| view! { <p class="question">{t.question.clone()}</p> }))}
            {move || live.with(|t| (!t.choices.is_empty()).then(|| view! {
                <div class="choices" role="group" aria-label="Answers">
                    {t.choices.iter().cloned().map(choice_button).collect_view()}
                </div>
            }))}
            {move || live.with(|t| (!t.other_responses.is_empty()).then(|| view! {
                <div class="choices other" role="group" aria-label="Other responses">
                    {t.other_responses.iter().cloned().map(choice_button).collect_view()}
                </div>
            }))}
            {move || live.with(|t| t.blocked.clone()).map(|b| view! { <p class="alert warning" role="status">{b}</p> })}
            {move || error.get().map(|e| view! { <Alert message=e/> })}
            <label for="reply" class="visually-hidden">"Reply"</label>
            <textarea id="reply" rows="4" maxlength=crate::domain::text_limits::MESSAGE_BODY.max
                readonly=move || !custom_allowed && chosen.get().is_none()
                placeholder=if custom_allowed { "Choose a response above or write your own" } else { "Choose a response above" }
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" && !ev.shift_key() {
                        ev.prevent_default();
                        if !ev.repeat() { send(); }
                    }
                }
            ></textarea>
            <button class="primary" disabled=move || !can_send() || sending.get() || draft.with(|d| d.trim().is_empty())
                on:click=move |_| send()>"Send reply"</button>
        </section>
    }
}

#[component]
fn ReportForm(thread: Thread, live: RwSignal<Thread>, refresh: Callback<()>) -> impl IntoView {
    let org = use_org();
    let org_id = org.org_id();
    let id = thread.conversation_id;
    if thread.report_tags.is_empty() && thread.report_fields.is_empty() {
        return ().into_any();
    }
    let tags: Vec<(i64, String, RwSignal<bool>)> =
        thread.report_tags.iter().map(|t| (t.id, t.name.clone(), RwSignal::new(t.checked))).collect();
    let fields: Vec<(i64, String, RwSignal<String>)> =
        thread.report_fields.iter().map(|f| (f.id, f.name.clone(), RwSignal::new(f.value.clone()))).collect();
    // What the server said last, per box: when it changes (a response that applies a tag, an
    // opt-out, another tab), the box follows; a box the volunteer is editing is left alone
    // until then.
    let seen_tags = StoredValue::new(thread.report_tags.clone());
    let seen_fields = StoredValue::new(thread.report_fields.clone());
    {
        let (tags, fields) = (tags.clone(), fields.clone());
        Effect::new(move |_| {
            live.with(|t| {
                for now in &t.report_tags {
                    let before = seen_tags.with_value(|s| s.iter().find(|x| x.id == now.id).map(|x| x.checked));
                    if before != Some(now.checked) {
                        if let Some((_, _, on)) = tags.iter().find(|(id, _, _)| *id == now.id) {
                            on.set(now.checked);
                        }
                    }
                }
                for now in &t.report_fields {
                    let before = seen_fields.with_value(|s| s.iter().find(|x| x.id == now.id).map(|x| x.value.clone()));
                    if before.as_deref() != Some(now.value.as_str()) {
                        if let Some((_, _, value)) = fields.iter().find(|(id, _, _)| *id == now.id) {
                            value.set(now.value.clone());
                        }
                    }
                }
                seen_tags.set_value(t.report_tags.clone());
                seen_fields.set_value(t.report_fields.clone());
            });
        });
    }
    let status = RwSignal::new(None::<Result<bool, String>>);
    let (tags_c, fields_c) = (tags.clone(), fields.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let report = ReportInput {
            tags: tags_c.iter().filter(|(_, _, on)| on.get_untracked()).map(|(id, _, _)| *id).collect(),
            fields: fields_c.iter().map(|(id, _, v)| (*id, v.get_untracked())).collect(),
        };
        let json = serde_json::to_string(&report).unwrap_or_default();
        spawn_local(async move {
            let result = file_report(org_id, id, json).await;
            status.set(Some(result.map_err(|e| e.to_string())));
            refresh.run(());
        });
    };
    view! {
        <section class="card report" aria-labelledby="report-heading">
            <h2 id="report-heading">"Fill report"</h2>
            <form on:submit=submit>
                {tags.into_iter().map(|(id, name, on)| view! {
                    <label class="toggle">
                        <input type="checkbox" name=format!("tag-{id}") prop:checked=move || on.get()
                            on:change=move |ev| on.set(event_target_checked(&ev))/>
                        " " {name}
                    </label>
                }).collect_view()}
                {fields.into_iter().map(|(id, name, value)| view! {
                    <div class="field">
                        <label for=format!("field-{id}")>{name}</label>
                        <input id=format!("field-{id}") type="text" maxlength=crate::domain::text_limits::FIELD_VALUE.max prop:value=move || value.get()
                            on:input=move |ev| value.set(event_target_value(&ev))/>
                    </div>
                }).collect_view()}
                <button type="submit" class="primary">"Save report"</button>
                {move || status.get().map(|s| match s {
                    Ok(true) => view! { <p class="alert success" role="status">"Report saved; the conversation is archived."</p> }.into_any(),
                    Ok(false) => view! { <p class="alert success" role="status">"Report saved."</p> }.into_any(),
                    Err(e) => view! { <Alert message=e/> }.into_any(),
                })}
            </form>
        </section>
    }
    .into_any()
}
