//! Results: the list of actions to look at, and one action's results, refreshed every few
//! seconds while the page is open. Charts are plain SVG drawn here (a bar per answer, a bar
//! pair per hour), so they cost no dependency and render on the server too.

use crate::api::actions::list_actions;
use crate::api::members::{list_members, Member};
use crate::api::results::{get_action_results, reassign_volunteer_contacts};
use crate::domain::action_results::{ActionResults, Frequency, HourPoint, VolunteerResults};
use crate::domain::org_time::OrgTimeZone;
use crate::error::AppError;
use crate::ui::common::{poll, use_org, Alert, EmptyState, ErrorPage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use uuid::Uuid;

const POLL_MS: u32 = 4_000;

/// Admin → Results: every action, newest first, with a link to its results.
#[component]
pub fn ResultsIndexPage() -> impl IntoView {
    let org = use_org();
    let actions = Resource::new(
        move || org.id.get(),
        |org| async move {
            match org {
                Some(org) => list_actions(org, String::new()).await,
                None => Err(AppError::NotFound("There is no such organization.".into())),
            }
        },
    );
    view! {
        <Title text="Results"/>
        <h1>"Results"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match actions.await {
                    Ok(list) if list.is_empty() => view! {
                        <EmptyState title="No actions yet">
                            <p>"Once an action is live, its messages, replies and reports are counted here."</p>
                        </EmptyState>
                    }.into_any(),
                    Ok(list) => {
                        let org_id = org.org_id();
                        view! {
                            <ul class="results-index">
                                {list.into_iter().map(|a| view! {
                                    <li>
                                        <A href=format!("/o/{org_id}/admin/actions/{}/results", a.id)>{a.title.clone()}</A>
                                        <span class=format!("badge status-{}", a.status.as_str())>{a.status.label()}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ActionResultsPage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let action_id = move || params.read().get("action_id").and_then(|id| Uuid::parse_str(&id).ok());
    // Loaded once for the first paint; the view then refreshes its own copy.
    let first = Resource::new(
        move || (org.id.get(), action_id()),
        |(org, action)| async move {
            match (org, action) {
                (Some(org), Some(action)) => get_action_results(org, action).await,
                _ => Err(AppError::NotFound("There is no such action.".into())),
            }
        },
    );
    let members = Resource::new(
        move || org.id.get(),
        |org| async move {
            match org {
                Some(org) => list_members(org).await.unwrap_or_default(),
                None => Vec::new(),
            }
        },
    );
    view! {
        <Title text="Action results"/>
        <p><A href=move || format!("/o/{}/admin/actions/{}", org.org_id(), action_id().map(|a| a.to_string()).unwrap_or_default())>"← Action"</A></p>
        <h1>"Results"</h1>
        // The exports sit where admins read the figures, as well as on the action page; the send
        // audit is the record that a person pressed Send for every text.
        {move || action_id().map(|id| view! {
            <p class="export-links">
                <a href=format!("/api/actions/{id}/export/contacts.csv") download>"Export contacts (CSV)"</a>
                <a href=format!("/api/actions/{id}/export/messages.csv") download>"Export messages (CSV)"</a>
                <a href=format!("/api/actions/{id}/export/send-audit.csv") download>"Send audit (CSV)"</a>
            </p>
        })}
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let members = members.await;
                let zone = org.zone().await;
                match (first.await, action_id()) {
                    (Ok(results), Some(action_id)) => view! { <ResultsView initial=results action_id members zone/> }.into_any(),
                    (Err(error), _) => view! { <ErrorPage error/> }.into_any(),
                    (Ok(_), None) => view! { <ErrorPage error=AppError::NotFound("There is no such action.".into())/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ResultsView(initial: ActionResults, action_id: Uuid, members: Vec<Member>, zone: OrgTimeZone) -> impl IntoView {
    let org = use_org();
    let data = RwSignal::new(initial);
    let stale = RwSignal::new(false);
    let refresh = move || {
        let org_id = org.org_id();
        spawn_local(async move {
            match get_action_results(org_id, action_id).await {
                Ok(fresh) => {
                    stale.set(false);
                    if data.with_untracked(|d| *d != fresh) {
                        data.set(fresh);
                    }
                }
                Err(_) => stale.set(true),
            }
        });
    };
    poll(POLL_MS, refresh);
    let o = move || data.with(|d| d.overview);
    let m = Memo::new(move |_| data.with(|d| d.messages.clone()));
    view! {
        {move || stale.get().then(|| view! { <p class="alert warning" role="status">"Could not refresh; showing the last figures."</p> })}
        <section class="card" aria-labelledby="overview-heading">
            <h2 id="overview-heading">"Overview"</h2>
            <dl class="stats">
                <Stat label="Sent to" value=Signal::derive(move || o().sent_to.to_string()) hint="volunteers"/>
                <Stat label="Seen" value=Signal::derive(move || o().seen.to_string()) hint="opened it"/>
                <Stat label="Started" value=Signal::derive(move || o().started.to_string()) hint="sent a text"/>
                <Stat label="Completed" value=Signal::derive(move || o().completed.to_string()) hint="finished a batch"/>
                <Stat label="Performs" value=Signal::derive(move || o().performs.to_string()) hint="batches finished"/>
                <Stat label="Reports" value=Signal::derive(move || o().reports.to_string()) hint="filed"/>
            </dl>
        </section>
        <section class="card" aria-labelledby="messages-heading">
            <h2 id="messages-heading">"Message performance"</h2>
            <dl class="stats">
                <Stat label="Initial messages" value=Signal::derive(move || m.with(|m| m.initial_sent.to_string())) hint="sent"/>
                <Stat label="Phones reached" value=Signal::derive(move || m.with(|m| m.phones_reached.to_string())) hint="first text delivered"/>
                <Stat label="Followed up" value=Signal::derive(move || m.with(|m| m.followed_up.to_string())) hint="contacts who got a follow-up"/>
                <Stat label="Follow-up texts" value=Signal::derive(move || m.with(|m| m.followups.to_string())) hint="the response scripts below are shares of these"/>
                <Stat label="Skipped" value=Signal::derive(move || m.with(|m| m.skipped.to_string())) hint="times a volunteer passed a contact back"/>
                <Stat label="Replies" value=Signal::derive(move || m.with(|m| m.replies.to_string())) hint=""/>
                <Stat label="Response rate" value=Signal::derive(move || m.with(|m| format!("{}%", m.response_rate))) hint=""/>
                <Stat label="Opt-outs" value=Signal::derive(move || m.with(|m| m.opt_outs.to_string())) hint=""/>
                <Stat label="Undeliverable" value=Signal::derive(move || m.with(|m| m.undeliverable.to_string())) hint="numbers that cannot receive texts; never texted again"/>
                <Stat label="Delivery rate" value=Signal::derive(move || m.with(|m| format!("{}%", m.delivery_rate))) hint=""/>
                <Stat label="Errors" value=Signal::derive(move || m.with(|m| m.failed.to_string())) hint=""/>
            </dl>
            {move || m.with(|m| (!m.errors.is_empty()).then(|| view! {
                <table class="data-table" aria-label="Errors by carrier code">
                    <thead><tr><th>"Code"</th><th>"Meaning"</th><th class="num">"Texts"</th></tr></thead>
                    <tbody>
                        {m.errors.iter().map(|e| view! {
                            <tr>
                                <td>{e.code.map(|c| c.to_string()).unwrap_or_else(|| "—".into())}</td>
                                <td>{e.meaning.clone()}</td>
                                <td class="num">{e.n}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }))}
            <h3>{format!("Messages over time ({} time)", zone.name())}</h3>
            {move || data.with(|d| view! { <HourlyChart points=d.hourly.clone() zone/> })}
        </section>
        <VolunteerTable data action_id members zone/>
        <section class="card" aria-labelledby="answers-heading">
            <h2 id="answers-heading">"Survey answers"</h2>
            {move || data.with(|d| if d.questions.is_empty() {
                view! { <p class="hint">"The script asks no questions."</p> }.into_any()
            } else {
                d.questions.iter().map(|q| view! {
                    <figure class="question-chart">
                        <figcaption>{q.question.clone()} <span class="hint">{format!(" · {} answered", q.answered)}</span></figcaption>
                        <BarChart rows=q.answers.clone() label=q.question.clone()/>
                    </figure>
                }).collect_view().into_any()
            })}
        </section>
        <FrequencyCard title="Tags applied" base="of contacts texted" rows=Signal::derive(move || data.with(|d| d.tags.clone()))/>
        <FrequencyCard title="Custom fields filled" base="of contacts texted" rows=Signal::derive(move || data.with(|d| d.fields.clone()))/>
        <FrequencyCard title="Response scripts sent" base="of follow-up texts" rows=Signal::derive(move || data.with(|d| d.scripts.clone()))/>
        // Only worth a table when there is more than one script to compare.
        {move || data.with(|d| (d.variants.len() > 1).then(|| {
            let rows = d.variants.clone();
            view! {
                <section class="card" aria-labelledby="variants-heading">
                    <h2 id="variants-heading">"Initial script variants"</h2>
                    <table class="data-table" aria-label="Initial script variants">
                        <thead><tr><th>"Variant"</th><th class="num">"Texted"</th><th class="num">"Replied"</th><th class="num">"Response rate"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|v| view! {
                                <tr data-testid=format!("variant-{}", v.variant)>
                                    <td><strong>{format!("{}. ", v.variant)}</strong>{v.text}</td>
                                    <td class="num">{v.sent}</td>
                                    <td class="num">{v.replied}</td>
                                    <td class="num">{format!("{}%", v.response_rate)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
            }
        }))}
    }
}

#[component]
fn Stat(label: &'static str, value: Signal<String>, hint: &'static str) -> impl IntoView {
    view! {
        <div class="stat">
            <dt>{label}</dt>
            <dd data-testid=format!("stat-{}", label.to_lowercase().replace(' ', "-"))>{move || value.get()}</dd>
            {(!hint.is_empty()).then(|| view! { <dd class="hint">{hint}</dd> })}
        </div>
    }
}

#[component]
fn FrequencyCard(title: &'static str, base: &'static str, rows: Signal<Vec<Frequency>>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>{title}</h2>
            {move || rows.with(|rows| if rows.is_empty() {
                view! { <p class="hint">"None yet."</p> }.into_any()
            } else {
                view! {
                    <table class="data-table" aria-label=title>
                        <thead><tr><th></th><th class="num">"Count"</th><th class="num">{format!("% {base}")}</th></tr></thead>
                        <tbody>
                            {rows.iter().map(|f| view! {
                                <tr><td>{f.label.clone()}</td><td class="num">{f.n}</td><td class="num">{format!("{}%", f.percent)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </section>
    }
}

/// Horizontal bars, one per answer, with count and share.
#[component]
fn BarChart(rows: Vec<Frequency>, label: String) -> impl IntoView {
    let bar_h = 26.0;
    let height = (rows.len() as f64 * bar_h).max(bar_h);
    let max = rows.iter().map(|r| r.n).max().unwrap_or(0).max(1) as f64;
    view! {
        <svg class="bar-chart" viewBox=format!("0 0 600 {height}") role="img" aria-label=format!("Answers to: {label}")>
            {rows.into_iter().enumerate().map(|(i, r)| {
                let y = i as f64 * bar_h;
                let w = 300.0 * r.n as f64 / max;
                view! {
                    <g>
                        <text x="0" y=y + 17.0 class="bar-label">{r.label.clone()}</text>
                        <rect x="190" y=y + 4.0 width=w.max(1.0) height=bar_h - 8.0 class="bar"></rect>
                        <text x=196.0 + w y=y + 17.0 class="bar-value">{format!("{} ({}%)", r.n, r.percent)}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

/// Texts sent and replies received per hour.
#[component]
fn HourlyChart(points: Vec<HourPoint>, zone: OrgTimeZone) -> impl IntoView {
    if points.is_empty() {
        return view! { <p class="hint">"No messages yet."</p> }.into_any();
    }
    let n = points.len() as f64;
    let max = points.iter().map(|p| p.sent.max(p.received)).max().unwrap_or(0).max(1) as f64;
    let (w, h) = (600.0, 160.0);
    let slot = w / n;
    let bar = (slot / 2.0 - 1.0).max(1.0);
    // The axis spans from the start of the first hour to the end of the last one, so the two
    // ends differ even when everything happened within one hour.
    let first = points.first().map(|p| zone.hour(p.hour)).unwrap_or_default();
    let last = points.last().map(|p| zone.hour(p.hour + chrono::Duration::hours(1))).unwrap_or_default();
    let total_sent: i64 = points.iter().map(|p| p.sent).sum();
    let total_received: i64 = points.iter().map(|p| p.received).sum();
    let summary = format!(
        "{} sent and {} received, {first} to {last}",
        crate::domain::wording::plural(total_sent, "text", "texts"),
        crate::domain::wording::plural(total_received, "reply", "replies"),
    );
    view! {
        <svg class="time-chart" viewBox=format!("0 0 {w} {}", h + 20.0) role="img"
            aria-label=summary>
            {points.iter().enumerate().map(|(i, p)| {
                let x = i as f64 * slot;
                let sh = h * p.sent as f64 / max;
                let rh = h * p.received as f64 / max;
                view! {
                    <g>
                        <title>{format!("{}: {} sent, {} received", zone.hour(p.hour), p.sent, p.received)}</title>
                        <rect x=x y=h - sh width=bar height=sh class="bar sent"></rect>
                        <rect x=x + bar y=h - rh width=bar height=rh class="bar received"></rect>
                    </g>
                }
            }).collect_view()}
            <text x="0" y=h + 16.0 class="axis">{first}</text>
            <text x=w y=h + 16.0 class="axis" text-anchor="end">{last}</text>
        </svg>
        <p class="legend"><span class="key sent"></span>"Sent " <span class="key received"></span>"Received"</p>
    }
    .into_any()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Name,
    Sent,
    Pending,
    Replies,
    Reports,
    Active,
}

/// The per-volunteer table: filter, sort, select, and give the selected volunteers' contacts
/// to someone else.
#[component]
fn VolunteerTable(
    data: RwSignal<ActionResults>,
    action_id: Uuid,
    members: Vec<Member>,
    zone: OrgTimeZone,
) -> impl IntoView {
    let org = use_org();
    let filter = RwSignal::new(String::new());
    let sort = RwSignal::new((SortBy::Sent, true));
    let selected = RwSignal::new(Vec::<Uuid>::new());
    let target = RwSignal::new(String::new());
    let what = RwSignal::new("needs-attention".to_string());
    let message = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let rows = Memo::new(move |_| {
        let needle = filter.get().to_lowercase();
        let (by, desc) = sort.get();
        let mut rows: Vec<VolunteerResults> = data.with(|d| {
            d.volunteers
                .iter()
                .filter(|v| needle.is_empty() || v.name.to_lowercase().contains(&needle))
                .cloned()
                .collect()
        });
        rows.sort_by(|a, b| {
            let o = match by {
                SortBy::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
                SortBy::Sent => a.texts_sent.cmp(&b.texts_sent),
                SortBy::Pending => a.replies_pending.cmp(&b.replies_pending),
                SortBy::Replies => a.replies.cmp(&b.replies),
                SortBy::Reports => a.reports.cmp(&b.reports),
                SortBy::Active => a.last_active.cmp(&b.last_active),
            };
            if desc {
                o.reverse()
            } else {
                o
            }
        });
        rows
    });
    let header = move |label: &'static str, by: SortBy| {
        view! {
            <th aria-sort=move || match sort.get() { (b, true) if b == by => "descending", (b, false) if b == by => "ascending", _ => "none" }>
                <button class="link-button" on:click=move |_| sort.update(|(b, d)| if *b == by { *d = !*d } else { *b = by; *d = by != SortBy::Name })>{label}</button>
            </th>
        }
    };
    let reassign = move |_| {
        let from = selected.get_untracked();
        let to = target.get_untracked();
        let kind = what.get_untracked();
        let org_id = org.org_id();
        if from.is_empty() {
            message.set(Some(Err("Select the volunteers whose contacts should move.".into())));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let list = from.iter().map(Uuid::to_string).collect::<Vec<_>>().join(",");
            match reassign_volunteer_contacts(org_id, action_id, list, to, kind.clone()).await {
                Ok(n) => {
                    let noun = if kind == "unsent" { "contacts to text" } else { "conversations" };
                    message.set(Some(Ok(format!("Moved {n} {noun}."))));
                    selected.set(Vec::new());
                    if let Ok(fresh) = get_action_results(org_id, action_id).await {
                        data.set(fresh);
                    }
                }
                Err(e) => message.set(Some(Err(e.to_string()))),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card" aria-labelledby="volunteers-heading">
            <h2 id="volunteers-heading">"Volunteers"</h2>
            <div class="table-tools">
                <label>"Filter by name " <input type="search" prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev))/></label>
            </div>
            <table class="data-table" aria-label="Volunteers">
                <thead>
                    <tr>
                        <th><span class="visually-hidden">"Select"</span></th>
                        {header("Volunteer", SortBy::Name)}
                        {header("Texts sent", SortBy::Sent)}
                        {header("Replies pending", SortBy::Pending)}
                        {header("Replies", SortBy::Replies)}
                        {header("Reports", SortBy::Reports)}
                        {header("Last active", SortBy::Active)}
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        let rows = rows.get();
                        if rows.is_empty() {
                            return view! { <tr><td colspan="7" class="hint">"No one has texted in this action yet."</td></tr> }.into_any();
                        }
                        rows.into_iter().map(|v| {
                            let id = v.user_id;
                            view! {
                                <tr>
                                    <td><input type="checkbox" aria-label=format!("Select {}", v.name)
                                        prop:checked=move || selected.with(|s| s.contains(&id))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            selected.update(|s| { s.retain(|x| *x != id); if on { s.push(id) } });
                                        }/></td>
                                    <td>{v.name.clone()}</td>
                                    <td class="num">{v.texts_sent}</td>
                                    <td class="num">{v.replies_pending}</td>
                                    <td class="num">{v.replies}</td>
                                    <td class="num">{v.reports}</td>
                                    <td>{v.last_active.map(|t| zone.date_time(t)).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }
                        }).collect_view().into_any()
                    }}
                </tbody>
            </table>
            <fieldset class="reassign">
                <legend>"Reassign the selected volunteers' contacts"</legend>
                <label>"Which "
                    <select prop:value=move || what.get() on:change=move |ev| what.set(event_target_value(&ev))>
                        <option value="needs-attention">"Replies needing attention"</option>
                        <option value="unsent">"Contacts not yet texted"</option>
                    </select>
                </label>
                <label>"To "
                    <select prop:value=move || target.get() on:change=move |ev| target.set(event_target_value(&ev))>
                        <option value="">"Choose a member…"</option>
                        {members.into_iter().map(|m| view! {
                            <option value=m.user_id.to_string()>{m.display_name}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button class="primary" disabled=move || busy.get() on:click=reassign>"Reassign"</button>
                {move || message.get().map(|m| match m {
                    Ok(text) => view! { <p class="alert success" role="status">{text}</p> }.into_any(),
                    Err(text) => view! { <Alert message=text/> }.into_any(),
                })}
            </fieldset>
        </section>
    }
}
