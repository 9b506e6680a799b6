//! Joining an organization: with the 6-digit code or link, or through an e-mail invite.

use crate::ui::common::{encode, ErrorAlert, Field};
use crate::ui::pages::auth::SignUpForm;
use crate::ui::use_session;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

#[component]
pub fn JoinPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let code = Signal::derive(move || params.read().get("code").unwrap_or_default());
    let next = move || match code.get().as_str() {
        "" => encode("/join"),
        code => encode(&format!("/join/{code}")),
    };
    view! {
        <Title text="Join a campaign"/>
        <main class="page narrow auth">
            <h1>"Join a campaign"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match session.user.await {
                        Ok(Some(_)) => view! { <JoinForm code/> }.into_any(),
                        _ => view! {
                            <p>"Create an account to join. Already have one? "
                                <A href=move || format!("/login?next={}", next())>"Sign in first"</A>"."</p>
                            <SignUpForm join_code=code/>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn JoinForm(code: Signal<String>) -> impl IntoView {
    let session = use_session();
    let error = Signal::derive(move || session.join_org.value().get().and_then(Result::err));
    // A link carries its code: say which campaign it is before the person presses Join.
    let preview = Resource::new(
        move || code.get(),
        |code| async move {
            if code.is_empty() {
                None
            } else {
                crate::api::orgs::join_preview(code).await.ok().flatten()
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                preview.await.map(|name| view! {
                    <p class="join-org" data-testid="join-org">"You are joining " <strong>{name}</strong> "."</p>
                })
            })}
        </Suspense>
        <ActionForm action=session.join_org>
            <ErrorAlert error/>
            <Field label="6-digit code" name="code" inputmode="numeric" autocomplete="one-time-code"
                value=code.get_untracked() required=true autofocus=true
                invalid=Signal::derive(move || error.get().is_some())
                hint="The code your organizer gave you."/>
            <button type="submit" class="primary" disabled=move || session.join_org.pending().get()>"Join"</button>
        </ActionForm>
        <p><A href="/">"Back to your organizations"</A></p>
    }
}

#[component]
pub fn InvitePage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let error = Signal::derive(move || session.accept_invite.value().get().and_then(Result::err));
    view! {
        <Title text="Invitation"/>
        <main class="page narrow auth">
            <h1>"You're invited"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match session.user.await {
                        Ok(Some(user)) => view! {
                            <p>"Accept the invitation as " <strong>{user.email}</strong> "."</p>
                            <ActionForm action=session.accept_invite>
                                <ErrorAlert error/>
                                <input type="hidden" name="token" value=token/>
                                <button type="submit" class="primary">"Accept invitation"</button>
                            </ActionForm>
                        }.into_any(),
                        _ => view! {
                            <p>"Create an account with the invited e-mail address. Already have one? "
                                <A href=move || format!("/login?next={}", encode(&format!("/invite/{}", token())))>"Sign in first"</A>"."</p>
                            <SignUpForm invite=token()/>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}
