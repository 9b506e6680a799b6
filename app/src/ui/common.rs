//! Small pieces shared by pages: form fields, error messages, sign-in guard, org context.

use super::use_session;
use crate::api::orgs::{get_membership, OrgMembership};
use crate::domain::org_time::OrgTimeZone;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::{
    components::{Redirect, A},
    hooks::{use_location, use_params_map},
};
use uuid::Uuid;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main class="page narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <A href="/">"Go to your organizations"</A></p>
        </main>
    }
}

/// A failure's message, announced to screen readers as it appears.
#[component]
pub fn Alert(#[prop(into)] message: String) -> impl IntoView {
    view! { <p class="alert error" role="alert">{message}</p> }
}

/// The message of a failed action, if it failed.
#[component]
pub fn ErrorAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || error.get().map(|e| view! { <Alert message=e.to_string()/> })
}

/// A part of a page that loads: "Loading…" (or `fallback`) until its first answer, the last
/// answer on screen while it loads again, and a failure shown as the alert in its place. The
/// children answer `Result<_, AppError>`, so a page writes `let list = list.await?;` and never
/// its own alert:
/// `<Loaded>{move || Suspend::new(async move { Ok::<_, AppError>(view! { … }) })}</Loaded>`
#[component]
pub fn Loaded(children: Children, #[prop(optional, into)] fallback: Option<ViewFnOnce>) -> impl IntoView {
    let fallback = fallback.unwrap_or_else(|| ViewFnOnce::from(|| view! { <p class="loading">"Loading…"</p> }));
    let failed = |errors: ArcRwSignal<Errors>| {
        move || {
            errors.with(|errors| errors.iter().next().map(|(_, error)| view! { <Alert message=error.to_string()/> }))
        }
    };
    view! {
        <Transition fallback>
            <ErrorBoundary fallback=failed>{children()}</ErrorBoundary>
        </Transition>
    }
}

/// A labelled input. `error` marks it invalid (the message itself is in the form's alert).
#[component]
pub fn Field(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(into, default = "text".to_string())] kind: String,
    #[prop(into, optional)] autocomplete: Option<String>,
    #[prop(into, optional)] value: Option<String>,
    #[prop(into, optional)] hint: Option<String>,
    #[prop(into, optional)] inputmode: Option<String>,
    #[prop(into, optional)] pattern: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autofocus: bool,
    #[prop(into, optional)] invalid: Option<Signal<bool>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                inputmode=inputmode
                pattern=pattern
                required=required
                autofocus=autofocus
                aria-describedby=hint_id.clone()
                aria-invalid=move || invalid.map(|i| i.get()).unwrap_or(false).then_some("true")
            />
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
        </div>
    }
}

/// Renders `children`, and sends anyone not signed in to sign in and come back. The check is a
/// sibling of the children, not a wrapper: pages (and their resources) are then created in the
/// same order on the server and in the browser, which hydration depends on. A page's own data
/// is protected by its server functions either way.
#[component]
pub fn RequireSignIn(children: Children) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(_)) => ().into_any(),
                    Ok(None) => {
                        let here = location.pathname.get_untracked();
                        view! { <Redirect path=format!("/login?next={}", encode(&here))/> }.into_any()
                    }
                    Err(error) => view! { <Alert message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
        {children()}
    }
}

#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    let title = match &error {
        AppError::Unauthenticated => "Please sign in",
        AppError::Forbidden(_) => "No access",
        AppError::NotFound(_) => "Not found",
        _ => "Something went wrong",
    };
    view! {
        <main class="page narrow">
            <h1>{title}</h1>
            <p role="alert">{error.to_string()}</p>
            <p><A href="/">"Go to your organizations"</A></p>
        </main>
    }
}

/// Percent-encodes a path for use in a query string.
pub fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The organization a page under `/o/:org_id` belongs to, shared by its layout and pages.
#[derive(Clone, Copy)]
pub struct OrgContext {
    pub id: Memo<Option<Uuid>>,
    pub membership: Resource<Result<OrgMembership, AppError>>,
}

impl OrgContext {
    /// Reads the organization from the route and loads the caller's membership in it.
    pub fn provide() -> OrgContext {
        let params = use_params_map();
        let id = Memo::new(move |_| params.read().get("org_id").and_then(|raw| Uuid::parse_str(&raw).ok()));
        let membership = Resource::new(
            move || id.get(),
            |id| async move {
                match id {
                    Some(id) => get_membership(id).await,
                    None => Err(AppError::NotFound("There is no such organization.".into())),
                }
            },
        );
        let ctx = OrgContext { id, membership };
        provide_context(ctx);
        ctx
    }

    /// The organization's time zone, for showing times and reading date-time pickers. Await it
    /// inside the page's own `Suspend`, next to its data.
    pub async fn zone(self) -> OrgTimeZone {
        self.membership.await.map(|m| m.time_zone).unwrap_or_default()
    }

    /// The organization id for a page already inside its layout.
    pub fn org_id(&self) -> Uuid {
        self.id.get().unwrap_or_default()
    }
}

pub fn use_org() -> OrgContext {
    expect_context::<OrgContext>()
}

#[component]
pub fn SignOutButton() -> impl IntoView {
    let session = use_session();
    view! {
        <ActionForm action=session.sign_out>
            <button type="submit" class="link-button" on:click=move |_| clear_offline_cache()>"Sign out"</button>
        </ActionForm>
    }
}

/// Asks the service worker to drop the pages it kept for offline use, so the next person on a
/// shared phone cannot open the last one's inbox from the cache. Through `Reflect` because
/// web-sys would need three more features for one call.
fn clear_offline_cache() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, JsValue};
        let Some(window) = web_sys::window() else { return };
        let navigator: JsValue = window.navigator().into();
        let get = |target: &JsValue, key: &str| js_sys::Reflect::get(target, &JsValue::from_str(key)).ok();
        let Some(controller) = get(&navigator, "serviceWorker").and_then(|sw| get(&sw, "controller")) else { return };
        if controller.is_null() || controller.is_undefined() {
            return;
        }
        let Some(post) = get(&controller, "postMessage").and_then(|f| f.dyn_into::<js_sys::Function>().ok()) else {
            return;
        };
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &JsValue::from_str("type"), &JsValue::from_str("clear-cache"));
        let _ = post.call1(&controller, &message);
    }
}

/// What a list shows before it has anything in it.
#[component]
pub fn EmptyState(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <section class="empty-state">
            <h2>{title}</h2>
            {children()}
        </section>
    }
}

/// Calls `tick` every `ms` milliseconds while the calling component is mounted, in the browser
/// only: how pages show new replies without a reload.
pub fn poll(ms: u32, tick: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        let interval = StoredValue::new_local(Some(gloo_timers::callback::Interval::new(ms, tick)));
        on_cleanup(move || interval.update_value(|i| drop(i.take())));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ms, tick);
}

/// A fresh idempotency key for one press of Send: a retry of that press reuses it.
pub fn request_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        let random = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        format!("{:x}-{:x}", js_sys::Date::now() as u64, random)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        format!("{nanos:x}")
    }
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode("/o/1/inbox"), "/o/1/inbox");
        assert_eq!(encode("/join?x=1&y"), "/join%3Fx%3D1%26y");
    }
}
