//! The front door: sign-in links for visitors, the list of organizations for members.

use crate::api::orgs::my_orgs;
use crate::error::AppError;
use crate::ui::common::{ErrorAlert, Field, Loaded, SignOutButton};
use crate::ui::use_session;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text=""/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(user)) => view! { <Organizations name=user.display_name/> }.into_any(),
                    Ok(None) => view! { <Welcome/> }.into_any(),
                    Err(error) => view! { <crate::ui::common::ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    view! {
        <main class="page narrow welcome">
            <h1>"P2P Texting"</h1>
            <p class="lede">"Text your supporters one person at a time, with scripts your team writes together."</p>
            <nav class="button-row" aria-label="Get started">
                <A href="/login" attr:class="button primary">"Sign in"</A>
                <A href="/signup" attr:class="button">"Create an account"</A>
                <A href="/join" attr:class="button">"Join with a code"</A>
            </nav>
        </main>
    }
}

#[component]
fn Organizations(name: String) -> impl IntoView {
    let session = use_session();
    let orgs = Resource::new(move || session.memberships_version(), |_| my_orgs());
    let create_error = Signal::derive(move || session.create_org.value().get().and_then(Result::err));
    view! {
        <main class="page narrow">
            <header class="page-header">
                <h1>"Hi, " {name}</h1>
                <SignOutButton/>
            </header>
            <section aria-labelledby="orgs-heading">
                <h2 id="orgs-heading">"Your organizations"</h2>
                <Loaded>
                    {move || Suspend::new(async move {
                        Ok::<_, AppError>(match orgs.await? {
                            list if list.is_empty() => view! {
                                <p>"You are not in any organization yet. Join one with the code your organizer gave you, or create your own."</p>
                            }.into_any(),
                            list => view! {
                                <ul class="org-list">
                                    {list.into_iter().map(|org| view! {
                                        <li>
                                            <A href=org.home_path()>
                                                <span class="org-name">{org.name.clone()}</span>
                                                <span class="badge">{org.role.label()}</span>
                                            </A>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                        })
                    })}
                </Loaded>
                <p><A href="/join" attr:class="button">"+ Join another campaign"</A></p>
            </section>
            <section aria-labelledby="create-heading" class="card">
                <h2 id="create-heading">"Create an organization"</h2>
                <p class="hint">"For organizers: you become its owner and get a code for your volunteers."</p>
                <ActionForm action=session.create_org>
                    <ErrorAlert error=create_error/>
                    <Field label="Organization name" name="name" required=true
                        invalid=Signal::derive(move || create_error.get().is_some())/>
                    <button type="submit" class="primary" disabled=move || session.create_org.pending().get()>"Create organization"</button>
                </ActionForm>
            </section>
        </main>
    }
}
