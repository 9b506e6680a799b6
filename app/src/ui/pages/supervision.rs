//! Supervision (admin): every conversation in the organization, newest activity first, with
//! filters kept in the URL (a reload or a shared link keeps them), "Load more", a read-only
//! thread, and reassigning the selected conversations to another member.

use crate::api::inbox::OptOutContact;
use crate::api::messaging::SendMessage;
use crate::api::supervision::{
    get_supervised_thread, list_conversations, reassign_conversations, supervision_options, ConversationRow,
    ReassignConversations, RowStatus, StatusFilter, SupervisedThread, SupervisionChoices, TagConversation,
};
use crate::domain::org_time::OrgTimeZone;
use crate::error::AppError;
use crate::ui::common::{encode, poll, use_org, Alert, EmptyState, ErrorAlert, Loaded};
use crate::ui::thread::{known_facts, message_history};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map, use_query_map},
    params::ParamsMap,
};
use uuid::Uuid;

/// How often the first page asks for news (while no further page is loaded).
const POLL_MS: u32 = 5_000;

/// The query keys the filters live in, in the order they appear.
const KEYS: [&str; 5] = ["action", "volunteer", "status", "tag", "error_code"];

/// The filters of `query`, with `key` set to `value`, as a query string (empty values left out).
fn query_with(query: &ParamsMap, key: &str, value: &str) -> String {
    KEYS.iter()
        .filter_map(|k| {
            let v = if *k == key { value.to_string() } else { query.get(k).unwrap_or_default() };
            let v = v.trim().to_string();
            (!v.is_empty()).then(|| format!("{k}={}", encode(&v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn with_query(path: String, query: &str) -> String {
    if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    }
}

#[component]
pub fn SupervisionPage() -> impl IntoView {
    let org = use_org();
    let query = use_query_map();
    let raw = Memo::new(move |_| KEYS.map(|k| query.read().get(k).unwrap_or_default()));
    let refresh = RwSignal::new(0u32);
    let options = Resource::new(
        move || org.id.get(),
        |org| async move {
            match org {
                Some(org) => supervision_options(org).await,
                None => Err(AppError::NotFound("There is no such organization.".into())),
            }
        },
    );
    let first = Resource::new(
        move || (org.id.get(), raw.get(), refresh.get()),
        |(org, [action, volunteer, status, tag, error_code], _)| async move {
            match org {
                Some(org) => list_conversations(org, action, volunteer, status, tag, error_code, String::new()).await,
                None => Err(AppError::NotFound("There is no such organization.".into())),
            }
        },
    );
    // Pages after the first, loaded with "Load more"; `next` overrides the first page's cursor.
    let extra = RwSignal::new(Vec::<ConversationRow>::new());
    let next = RwSignal::new(None::<Option<String>>);
    let selected = RwSignal::new(Vec::<i64>::new());
    let notice = RwSignal::new(None::<Result<String, String>>);
    // What is typed in the error code box; follows the URL (Clear, back and forward).
    let error_code = RwSignal::new(query.with_untracked(|q| q.get("error_code").unwrap_or_default()));
    Effect::new(move |_| {
        error_code.set(raw.with(|r| r[4].clone()));
        extra.set(Vec::new());
        next.set(None);
        selected.set(Vec::new());
    });
    poll(POLL_MS, move || {
        if extra.with_untracked(Vec::is_empty) && next.with_untracked(Option::is_none) {
            refresh.update(|n| *n += 1);
        }
    });
    let base = move || format!("/o/{}/admin/conversations", org.org_id());
    let navigate = use_navigate();
    let go = move |key: &'static str, value: String| {
        let q = query.with_untracked(|q| query_with(q, key, &value));
        navigate(&with_query(base(), &q), Default::default());
    };

    let load_more = move |cursor: String| {
        let org_id = org.org_id();
        let [action, volunteer, status, tag, code] = raw.get_untracked();
        spawn_local(async move {
            match list_conversations(org_id, action, volunteer, status, tag, code, cursor).await {
                Ok(page) => {
                    extra.update(|rows| rows.extend(page.rows));
                    next.set(Some(page.next));
                }
                Err(e) => notice.set(Some(Err(e.to_string()))),
            }
        });
    };
    let reassign_to = RwSignal::new(String::new());
    let reassign = move || {
        let org_id = org.org_id();
        let ids = selected.get_untracked();
        let Ok(to) = uuid::Uuid::parse_str(&reassign_to.get_untracked()) else {
            notice.set(Some(Err("Choose who gets the selected conversations.".into())));
            return;
        };
        let name = options
            .get_untracked()
            .and_then(Result::ok)
            .and_then(|o| o.members.into_iter().find(|m| m.user_id == to).map(|m| m.display_name))
            .unwrap_or_default();
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        spawn_local(async move {
            match reassign_conversations(org_id, list, to).await {
                Ok(moved) => {
                    let what = crate::domain::plural(moved as i64, "conversation", "conversations");
                    notice.set(Some(Ok(format!("Reassigned {what} to {name}."))));
                    selected.set(Vec::new());
                    extra.set(Vec::new());
                    next.set(None);
                    refresh.update(|n| *n += 1);
                }
                Err(e) => notice.set(Some(Err(e.to_string()))),
            }
        });
    };

    view! {
        <Title text="Conversations"/>
        <h1>"Conversations"</h1>
        <Transition fallback=|| ()>
            {move || { let go = go.clone(); Suspend::new(async move {
                let opts = options.await.unwrap_or(SupervisionChoices { actions: vec![], members: vec![], tags: vec![], taggable: vec![] });
                let current = raw.get_untracked();
                let submit = {
                    let go = go.clone();
                    move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        go("error_code", error_code.get_untracked());
                    }
                };
                let select = move |key: &'static str, label: &'static str, any: &'static str, choices: Vec<(String, String)>, value: String| {
                    let go = go.clone();
                    let id = format!("filter-{key}");
                    view! {
                        <div class="field">
                            <label for=id.clone()>{label}</label>
                            <select id=id name=key on:change=move |ev| go(key, event_target_value(&ev))
                                prop:value=move || query.read().get(key).unwrap_or_default()>
                                <option value="" selected=value.is_empty()>{any}</option>
                                {choices.into_iter().map(|(v, text)| {
                                    let on = v == value;
                                    view! { <option value=v selected=on>{text}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    }
                };
                let [action, volunteer, status, tag, _] = current;
                view! {
                    // A plain GET form: without JavaScript "Filter" reloads with the query; with
                    // it, each choice applies at once.
                    <form class="supervision-filters" method="get" aria-label="Filters" on:submit=submit>
                        {select("action", "Action", "All actions", opts.actions.iter().map(|(id, t)| (id.to_string(), t.clone())).collect(), action)}
                        {select("volunteer", "Volunteer", "Everyone", opts.members.iter().map(|m| (m.user_id.to_string(), m.display_name.clone())).collect(), volunteer)}
                        {select("status", "Status", "Any status", StatusFilter::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect(), status)}
                        {select("tag", "Tag", "Any tag", opts.tags.iter().map(|(id, n)| (id.to_string(), n.clone())).collect(), tag)}
                        <div class="field">
                            <label for="filter-error_code">"Error code"</label>
                            <input id="filter-error_code" name="error_code" type="text" inputmode="numeric" size="8"
                                prop:value=move || error_code.get() on:input=move |ev| error_code.set(event_target_value(&ev))/>
                        </div>
                        <div class="filter-buttons">
                            <button type="submit">"Filter"</button>
                            <A href=base>"Clear"</A>
                        </div>
                    </form>
                    <div class="reassign-bar">
                        <span class="muted" aria-live="polite">{move || format!("{} selected", selected.with(Vec::len))}</span>
                        <label for="reassign-to">"Reassign selected to…"</label>
                        <select id="reassign-to" on:change=move |ev| reassign_to.set(event_target_value(&ev))>
                            <option value="">"Choose a member"</option>
                            {opts.members.iter().map(|m| view! {
                                <option value=m.user_id.to_string()>{format!("{} ({})", m.display_name, m.role.label())}</option>
                            }).collect_view()}
                        </select>
                        <button type="button" class="primary"
                            disabled=move || selected.with(Vec::is_empty) || reassign_to.with(String::is_empty)
                            on:click=move |_| reassign()>"Reassign"</button>
                    </div>
                }
            })}}
        </Transition>
        {move || notice.get().map(|n| match n {
            Ok(text) => view! { <p class="alert success" role="status">{text}</p> }.into_any(),
            Err(text) => view! { <Alert message=text/> }.into_any(),
        })}
        <Loaded>
            {move || Suspend::new(async move {
                let zone = org.zone().await;
                Ok::<_, AppError>(match first.await? {
                    page if page.rows.is_empty() => view! {
                        <EmptyState title="No conversations here">
                            <p>"Conversations appear once volunteers have texted; change the filters to see others."</p>
                        </EmptyState>
                    }.into_any(),
                    page => {
                        let org_id = org.org_id();
                        let q = query.with_untracked(|q| query_with(q, "", ""));
                        let first_ids: Vec<i64> = page.rows.iter().map(|r| r.conversation_id).collect();
                        let first_next = page.next.clone();
                        let all_ids = move || {
                            let mut ids = first_ids.clone();
                            extra.with(|rows| ids.extend(rows.iter().map(|r| r.conversation_id)));
                            ids
                        };
                        let all_ids_check = all_ids.clone();
                        let q2 = q.clone();
                        view! {
                            <div class="table-scroll">
                                <table class="supervision">
                                    <thead><tr>
                                        <th scope="col">
                                            <input type="checkbox" aria-label="Select all shown"
                                                prop:checked=move || { let ids = all_ids_check(); !ids.is_empty() && selected.with(|s| ids.iter().all(|i| s.contains(i))) }
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    selected.set(if on { all_ids() } else { Vec::new() });
                                                }/>
                                        </th>
                                        <th scope="col">"Contact"</th><th scope="col">"Action"</th><th scope="col">"Volunteer"</th>
                                        <th scope="col">{format!("Last message ({} time)", zone.name())}</th><th scope="col">"Status"</th>
                                    </tr></thead>
                                    <tbody>
                                        {page.rows.into_iter().map(|r| row_view(r, org_id, q.clone(), selected, zone)).collect_view()}
                                        {move || extra.get().into_iter().map(|r| row_view(r, org_id, q2.clone(), selected, zone)).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {move || next.get().unwrap_or_else(|| first_next.clone()).map(|cursor| view! {
                                <p class="pager"><button type="button" on:click=move |_| load_more(cursor.clone())>"Load more"</button></p>
                            })}
                        }.into_any()
                    }
                })
            })}
        </Loaded>
    }
}

fn row_view(
    r: ConversationRow,
    org_id: uuid::Uuid,
    query: String,
    selected: RwSignal<Vec<i64>>,
    zone: OrgTimeZone,
) -> impl IntoView {
    let id = r.conversation_id;
    let name = if r.contact_name.is_empty() { "(no name)".to_string() } else { r.contact_name.clone() };
    let href = with_query(format!("/o/{org_id}/admin/conversations/{id}"), &query);
    let badge = match (r.status, r.error_code) {
        (crate::api::supervision::RowStatus::Error, Some(code)) => format!("Error {code}"),
        (status, _) => status.label().to_string(),
    };
    view! {
        <tr data-conversation=id.to_string()>
            <td>
                <input type="checkbox" aria-label=format!("Select {name}")
                    prop:checked=move || selected.with(|s| s.contains(&id))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selected.update(|s| {
                            s.retain(|x| *x != id);
                            if on { s.push(id); }
                        });
                    }/>
            </td>
            <td><A href=href>{name.clone()}</A><br/><span class="muted phone">{r.contact_phone.clone()}</span></td>
            <td>{r.action_title.clone()}</td>
            <td>{r.volunteer_name.clone().unwrap_or_else(|| "Unassigned".into())}</td>
            <td>
                <span class="snippet">{if r.last_inbound { "" } else { "Sent: " }}{r.last_body.clone()}</span>
                <br/><span class="muted">{zone.date_time(r.last_at)}</span>
            </td>
            <td><span class=format!("badge status-{}", r.status.as_str())>{badge}</span></td>
        </tr>
    }
}

/// One conversation, with what an admin can do in it.
#[component]
pub fn SupervisedThreadPage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let query = use_query_map();
    let conversation = Memo::new(move |_| params.read().get("conversation_id").and_then(|raw| raw.parse::<i64>().ok()));
    // Bumped after the admin acts on the thread (reply, tag, opt out, reassign).
    let acted = RwSignal::new(0u32);
    let options = Resource::new(
        move || org.id.get(),
        |org| async move {
            match org {
                Some(org) => supervision_options(org).await.ok(),
                None => None,
            }
        },
    );
    let thread = Resource::new(
        move || (org.id.get(), conversation.get(), acted.get()),
        |(org, conversation, _)| async move {
            match (org, conversation) {
                (Some(org), Some(c)) => get_supervised_thread(org, c).await,
                _ => Err(AppError::NotFound("That conversation is not in this organization.".into())),
            }
        },
    );
    let back =
        move || with_query(format!("/o/{}/admin/conversations", org.org_id()), &query.with(|q| query_with(q, "", "")));
    view! {
        <Title text="Conversation"/>
        <p><A href=back>"← Conversations"</A></p>
        <Loaded>
            {move || Suspend::new(async move {
                let zone = org.zone().await;
                let choices = options.await;
                let t = thread.await?;
                Ok::<_, AppError>(view! {
                    <h1>{if t.contact_name.is_empty() { "(no name)".to_string() } else { t.contact_name.clone() }}</h1>
                    <dl class="facts supervised-facts">
                        <dt>"Phone"</dt><dd>{t.contact_phone.clone()}</dd>
                        <dt>"Action"</dt><dd>{t.action_title.clone()}</dd>
                        <dt>"Volunteer"</dt><dd>{t.volunteer_name.clone().unwrap_or_else(|| "Unassigned".into())}</dd>
                        <dt>"Status"</dt><dd><span class=format!("badge status-{}", t.status.as_str())>{t.status.label()}</span></dd>
                    </dl>
                    <ol class="messages" aria-label="Messages">
                        {message_history(&t.messages, &zone)}
                    </ol>
                    {known_facts(&t.survey, &t.tags, &t.fields)}
                    {choices.map(|choices| view! {
                        <ThreadActions org_id=org.org_id() thread=t.clone() choices on_done=Callback::new(move |_| acted.update(|n| *n += 1))/>
                    })}
                }.into_any())
            })}
        </Loaded>
    }
}

/// What an admin can do in an open thread: answer as themselves (through the same send and its
/// guards as a volunteer), tag, opt the contact out, or give the thread to another member.
#[component]
fn ThreadActions(
    org_id: Uuid,
    thread: SupervisedThread,
    choices: SupervisionChoices,
    on_done: Callback<()>,
) -> impl IntoView {
    let id = thread.conversation_id;
    let send = ServerAction::<SendMessage>::new();
    let tag = ServerAction::<TagConversation>::new();
    let opt_out = ServerAction::<OptOutContact>::new();
    let reassign = ServerAction::<ReassignConversations>::new();
    // One key per press of Send: a double click or a retry sends once.
    let key = RwSignal::new(crate::ui::common::request_key());
    let body = RwSignal::new(String::new());
    Effect::new(move |_| {
        if matches!(send.value().get(), Some(Ok(_))) {
            key.set(crate::ui::common::request_key());
            body.set(String::new());
        }
    });
    for version in [send.version(), tag.version(), opt_out.version(), reassign.version()] {
        Effect::new(move |prev: Option<usize>| {
            let v = version.get();
            if prev.is_some_and(|p| p != v) {
                on_done.run(());
            }
            v
        });
    }
    let send_error = Signal::derive(move || send.value().get().and_then(Result::err));
    let tag_error = Signal::derive(move || tag.value().get().and_then(Result::err));
    let opt_out_error = Signal::derive(move || opt_out.value().get().and_then(Result::err));
    let reassign_error = Signal::derive(move || reassign.value().get().and_then(Result::err));
    let opted_out = thread.status == RowStatus::OptedOut;
    let has = thread.tag_ids.clone();
    view! {
        <section class="card" aria-labelledby="act-heading">
            <h2 id="act-heading">"Act on this conversation"</h2>
            {if !thread.texted {
                view! { <p class="hint">"You can answer once the volunteer has sent the first text."</p> }.into_any()
            } else if opted_out {
                view! { <p class="hint">"This person opted out: no more texts can go to them."</p> }.into_any()
            } else {
                view! {
                    <ActionForm action=send>
                        <ErrorAlert error=send_error/>
                        <input type="hidden" name="org_id" value=org_id.to_string()/>
                        <input type="hidden" name="conversation_id" value=id.to_string()/>
                        <input type="hidden" name="idempotency_key" prop:value=move || key.get() value=key.get_untracked()/>
                        <div class="field">
                            <label for="admin-reply">"Reply as yourself"</label>
                            <textarea id="admin-reply" name="body" rows="3" required=true
                                maxlength=crate::domain::text_limits::MESSAGE_BODY.max
                                prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                        </div>
                        <button type="submit" class="primary" disabled=move || send.pending().get()>"Send reply"</button>
                    </ActionForm>
                }.into_any()
            }}
            <h3>"Tags"</h3>
            <ErrorAlert error=tag_error/>
            <div class="button-row tag-toggles">
                {choices.taggable.into_iter().map(|(tag_id, name)| {
                    let on = has.contains(&tag_id);
                    view! {
                        <ActionForm action=tag>
                            <input type="hidden" name="org_id" value=org_id.to_string()/>
                            <input type="hidden" name="conversation_id" value=id.to_string()/>
                            <input type="hidden" name="tag_id" value=tag_id.to_string()/>
                            {on.then(|| view! { <input type="hidden" name="remove" value="true"/> })}
                            <button type="submit" class="chip" aria-pressed=if on { "true" } else { "false" }>
                                {if on { format!("✓ {name}") } else { format!("+ {name}") }}
                            </button>
                        </ActionForm>
                    }
                }).collect_view()}
            </div>
            {(!opted_out).then(|| view! {
                <ActionForm action=opt_out>
                    <ErrorAlert error=opt_out_error/>
                    <input type="hidden" name="org_id" value=org_id.to_string()/>
                    <input type="hidden" name="conversation_id" value=id.to_string()/>
                    <div class="field inline">
                        <label for="admin-opt-out-reason">"Why (recorded with your name)"</label>
                        <input id="admin-opt-out-reason" name="reason" type="text" required=true
                            maxlength=crate::domain::text_limits::OPT_OUT_REASON.max/>
                        <button type="submit" class="danger">"Opt this person out"</button>
                    </div>
                </ActionForm>
            })}
            {thread.texted.then(|| view! {
                <ActionForm action=reassign>
                    <ErrorAlert error=reassign_error/>
                    <input type="hidden" name="org_id" value=org_id.to_string()/>
                    <input type="hidden" name="conversation_ids" value=id.to_string()/>
                    <div class="field inline">
                        <label for="reassign-to">"Give this conversation to"</label>
                        <select id="reassign-to" name="to_user" required=true>
                            <option value="">"Choose a member…"</option>
                            {choices.members.into_iter().map(|m| view! {
                                <option value=m.user_id.to_string()>{m.display_name}</option>
                            }).collect_view()}
                        </select>
                        <button type="submit" disabled=move || reassign.pending().get()>"Reassign"</button>
                    </div>
                </ActionForm>
            })}
            {move || matches!(reassign.value().get(), Some(Ok(_))).then(|| view! { <p class="alert success" role="status">"Reassigned."</p> })}
        </section>
    }
}
