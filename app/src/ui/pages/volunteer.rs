//! The volunteer area, mobile first: the actions they can work on and their inbox.

use crate::api::inbox::get_inbox_counts;
use crate::api::texting::list_volunteer_actions;
use crate::domain::action_lifecycle::ActionStatus;
use crate::ui::common::{poll, use_org, EmptyState, ErrorPage, OrgContext, RequireSignIn, SignOutButton};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};

#[component]
pub fn VolunteerLayout() -> impl IntoView {
    let org = OrgContext::provide();
    // The unread badge on the Inbox tab, kept current while the volunteer is anywhere in the app.
    let unread = RwSignal::new(0i64);
    let check = move || {
        if let Some(id) = org.id.get_untracked() {
            leptos::task::spawn_local(async move {
                if let Ok(counts) = get_inbox_counts(id).await {
                    unread.set(counts.unread);
                }
            });
        }
    };
    poll(5_000, check);
    Effect::new(move |_| check());
    let base = move || format!("/o/{}", org.org_id());
    // As in the admin layout, the page is never inside a suspended branch (see RequireSignIn).
    view! {
        <RequireSignIn>
            <div class="volunteer-shell">
                <header class="topbar">
                    <Suspense fallback=|| view! { <span class="org-name">"…"</span> }>
                        {move || Suspend::new(async move {
                            match org.membership.await {
                                Ok(m) => view! {
                                    <span class="org-name">{m.name.clone()}</span>
                                    {m.role.is_admin().then(|| view! { <A href=format!("/o/{}/admin", m.id)>"Admin"</A> })}
                                }.into_any(),
                                Err(error) => view! { <ErrorPage error/> }.into_any(),
                            }
                        })}
                    </Suspense>
                    <div class="topbar-links">
                        <A href="/">"Switch"</A>
                        <SignOutButton/>
                    </div>
                </header>
                <main class="volunteer-main">
                    <Outlet/>
                </main>
                <nav class="tabbar" aria-label="Volunteer">
                    <A href=base exact=true>"Actions"</A>
                    <A href=move || format!("{}/inbox", base())>"Inbox"
                        {move || (unread.get() > 0).then(|| view! { <span class="badge unread-badge" aria-label="unread">{unread.get()}</span> })}
                    </A>
                </nav>
            </div>
        </RequireSignIn>
    }
}

#[component]
pub fn ActionsPage() -> impl IntoView {
    let org = use_org();
    let actions = Resource::new(
        move || org.id.get(),
        |id| async move {
            match id {
                Some(id) => list_volunteer_actions(id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    view! {
        <Title text="Actions"/>
        <h1>"Actions"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match actions.await {
                    Ok(list) if list.is_empty() => view! {
                        <EmptyState title="Nothing to text yet">
                            <p>"When your organizers publish an action, it shows up here with a button to start texting."</p>
                        </EmptyState>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="action-cards">
                            {list.into_iter().map(|a| {
                                let href = format!("/o/{}/text/{}", org.org_id(), a.id);
                                view! {
                                    <li class="card action-card">
                                        <h2>{a.title.clone()}</h2>
                                        {(!a.description.is_empty()).then(|| view! { <p>{a.description.clone()}</p> })}
                                        {(!a.disclaimer.is_empty()).then(|| view! { <p class="disclaimer">{a.disclaimer.clone()}</p> })}
                                        <p class="muted">{format!("You have texted {} people in this action.", a.sent_by_me)}</p>
                                        {if a.status == ActionStatus::Paused {
                                            view! { <p class="alert warning">"Paused while an admin edits it."</p> }.into_any()
                                        } else {
                                            view! { <A href=href attr:class="button primary big">{a.start_label.clone()}</A> }.into_any()
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <p class="alert error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
