//! The volunteer area, mobile first: the actions they can work on and their inbox.

use crate::ui::common::{EmptyState, ErrorPage, OrgContext, RequireSignIn, SignOutButton};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};

#[component]
pub fn VolunteerLayout() -> impl IntoView {
    let org = OrgContext::provide();
    view! {
        <RequireSignIn>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match org.membership.await {
                        Ok(membership) => {
                            let base = format!("/o/{}", membership.id);
                            view! {
                                <div class="volunteer-shell">
                                    <header class="topbar">
                                        <span class="org-name">{membership.name.clone()}</span>
                                        <div class="topbar-links">
                                            {membership.role.is_admin().then(|| view! { <A href=format!("{base}/admin")>"Admin"</A> })}
                                            <A href="/">"Switch"</A>
                                            <SignOutButton/>
                                        </div>
                                    </header>
                                    <main class="volunteer-main">
                                        <Outlet/>
                                    </main>
                                    <nav class="tabbar" aria-label="Volunteer">
                                        <A href=base.clone() exact=true>"Actions"</A>
                                        <A href=format!("{base}/inbox")>"Inbox"</A>
                                    </nav>
                                </div>
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Suspense>
        </RequireSignIn>
    }
}

#[component]
pub fn ActionsPage() -> impl IntoView {
    view! {
        <Title text="Actions"/>
        <h1>"Actions"</h1>
        <EmptyState title="Nothing to text yet">
            <p>"When your organizers publish an action, it shows up here with a button to start texting."</p>
        </EmptyState>
    }
}

#[component]
pub fn InboxPage() -> impl IntoView {
    view! {
        <Title text="Inbox"/>
        <h1>"Inbox"</h1>
        <EmptyState title="No conversations yet">
            <p>"Replies from the people you text appear here."</p>
        </EmptyState>
    }
}
