//! Signing in and creating an account.

use crate::error::AppError;
use crate::ui::common::{ErrorAlert, Field};
use crate::ui::use_session;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = Signal::derive(move || session.sign_in.value().get().and_then(Result::err));
    let invalid = move |field: &'static str| Signal::derive(move || error.get().is_some_and(|e| is_about(&e, field)));
    let signup_href = move || match next().as_str() {
        "" => "/signup".to_string(),
        next => format!("/signup?next={}", crate::ui::common::encode(next)),
    };
    view! {
        <Title text="Sign in"/>
        <main class="page narrow auth">
            <h1>"Sign in"</h1>
            <ActionForm action=session.sign_in>
                <ErrorAlert error/>
                <Field label="E-mail" name="email" kind="email" autocomplete="email" required=true autofocus=true invalid=invalid("email")/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password" required=true invalid=invalid("password")/>
                <input type="hidden" name="next" value=next/>
                <button type="submit" class="primary" disabled=move || session.sign_in.pending().get()>"Sign in"</button>
            </ActionForm>
            <p>"New here? " <A href=signup_href>"Create an account"</A></p>
            <p>"Have a 6-digit code from an organizer? " <A href="/join">"Join a campaign"</A></p>
        </main>
    }
}

/// True when `error` concerns the named field (a wrong password also marks the e-mail, since
/// we do not say which of the two was wrong).
fn is_about(error: &AppError, field: &str) -> bool {
    match error {
        AppError::Invalid { field: f, .. } => f == field || (f == "password" && field == "email"),
        _ => false,
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    // Where a share link sent the visitor; they go back there once they have an account.
    let query = use_query_map();
    let next = query.read_untracked().get("next").unwrap_or_default();
    let login_href = match next.as_str() {
        "" => "/login".to_string(),
        next => format!("/login?next={}", crate::ui::common::encode(next)),
    };
    view! {
        <Title text="Create an account"/>
        <main class="page narrow auth">
            <h1>"Create an account"</h1>
            <SignUpForm next/>
            <p>"Already have an account? " <A href=login_href>"Sign in"</A></p>
        </main>
    }
}

/// The sign-up form; a join code or invite token makes the new account a member right away.
#[component]
pub fn SignUpForm(
    #[prop(into, optional)] join_code: Option<Signal<String>>,
    #[prop(into, optional)] invite: Option<String>,
    /// Where to go once signed up (a share link), unless the code or invite decides.
    #[prop(into, optional)]
    next: Option<String>,
) -> impl IntoView {
    let session = use_session();
    let error = Signal::derive(move || session.sign_up.value().get().and_then(Result::err));
    let invalid = move |field: &'static str| {
        Signal::derive(move || matches!(error.get(), Some(AppError::Invalid { field: f, .. }) if f == field))
    };
    view! {
        <ActionForm action=session.sign_up>
            <ErrorAlert error/>
            {join_code.map(|code| view! {
                <Field label="6-digit code" name="join_code" inputmode="numeric" autocomplete="one-time-code"
                    value=code.get_untracked() required=true invalid=invalid("join_code")
                    hint="The code your organizer gave you."/>
            })}
            <Field label="Your name" name="display_name" autocomplete="name" required=true invalid=invalid("display_name")
                hint="Shown to your organizers."/>
            <Field label="E-mail" name="email" kind="email" autocomplete="email" required=true invalid=invalid("email")/>
            <Field label="Password" name="password" kind="password" autocomplete="new-password" required=true invalid=invalid("password")
                hint="At least 8 characters."/>
            <input type="hidden" name="invite" value=invite.unwrap_or_default()/>
            <input type="hidden" name="next" value=next.unwrap_or_default()/>
            <button type="submit" class="primary" disabled=move || session.sign_up.pending().get()>"Create account"</button>
        </ActionForm>
    }
}
