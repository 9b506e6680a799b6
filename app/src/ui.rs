//! The UI: the HTML shell, the routes, and the context every page shares.

pub mod common;
pub mod lazy_routes;
pub mod pages;
pub mod thread;

use crate::api::{
    auth::{me, SessionUser, SignIn, SignOut, SignUp},
    members::AcceptInvite,
    orgs::{CreateOrg, JoinOrg},
};
use crate::error::AppError;
use lazy_routes::*;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, Lazy, SsrMode,
};
use pages::{auth, texting, volunteer};

/// The document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The stylesheet sits in the bundle's content-hashed folder (`pkg/app-<hash>/app.css`, with
    // `app.js` and `app_bg.wasm`), so it is cached for good and a new build is a new URL. It
    // sits here rather than in <App/> because only the server knows the folder.
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <link rel="stylesheet" id="app-css" href=stylesheet/>
                <HydrationScripts options/>
                <MetaTags/>
                // Registered from the shell (not from wasm) so the app shell is cached even
                // when the bundle never loads.
                <script>
                    "if ('serviceWorker' in navigator) { window.addEventListener('load', function () { navigator.serviceWorker.register('/sw.js'); }); }"
                </script>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Actions and the signed-in user, shared by every page. The user is re-read whenever an
/// action that changes who is signed in (or where they belong) completes.
#[derive(Clone, Copy)]
pub struct Session {
    pub sign_in: ServerAction<SignIn>,
    pub sign_up: ServerAction<SignUp>,
    pub sign_out: ServerAction<SignOut>,
    pub join_org: ServerAction<JoinOrg>,
    pub create_org: ServerAction<CreateOrg>,
    pub accept_invite: ServerAction<AcceptInvite>,
    pub user: Resource<Result<Option<SessionUser>, AppError>>,
}

impl Session {
    /// Bumps whenever memberships may have changed, for resources listing organizations.
    pub fn memberships_version(&self) -> (usize, usize, usize, usize, usize) {
        (
            self.sign_in.version().get(),
            self.sign_up.version().get(),
            self.join_org.version().get(),
            self.create_org.version().get(),
            self.accept_invite.version().get(),
        )
    }
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Link rel="manifest" href="/manifest.json"/>
        <Link rel="icon" href="/favicon.ico"/>
        <Link rel="apple-touch-icon" href="/icons/apple-touch-icon.png"/>
        <Meta name="theme-color" content="#0f766e"/>
        <Meta name="description" content="Peer-to-peer texting for campaigns and organizations"/>
        <Title formatter=|page: String| if page.is_empty() { "P2P Texting".to_string() } else { format!("{page} · P2P Texting") }/>
        <Router>
            <AppRoutes/>
        </Router>
    }
}

/// Inside the router, so that actions see an error handed back by a form posted without
/// JavaScript (the router reads it from the URL).
#[component]
fn AppRoutes() -> impl IntoView {
    // <Routes> hands the URL's error to actions created below it; ours are created above it,
    // so do the same here first.
    leptos_router::hooks::use_url().read_untracked().provide_server_action_error();
    let sign_in = ServerAction::<SignIn>::new();
    let sign_up = ServerAction::<SignUp>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let join_org = ServerAction::<JoinOrg>::new();
    let create_org = ServerAction::<CreateOrg>::new();
    let accept_invite = ServerAction::<AcceptInvite>::new();
    // Blocking, so the server knows who is signed in before it sends headers and can answer a
    // page that needs a sign-in with a real redirect.
    let user = Resource::new_blocking(
        move || (sign_in.version().get(), sign_up.version().get(), sign_out.version().get()),
        |_| me(),
    );
    provide_context(Session { sign_in, sign_up, sign_out, join_org, create_org, accept_invite, user });

    // Async: pages are rendered whole before they are sent, so they read and work without
    // JavaScript (streamed fragments would need a script to be swapped in).
    view! {
        <Routes fallback=|| view! { <common::NotFound/> }>
            <Route path=path!("/") ssr=SsrMode::Async view={Lazy::<HomeRoute>::new()}/>
            <Route path=path!("/login") ssr=SsrMode::Async view=auth::LoginPage/>
            <Route path=path!("/signup") ssr=SsrMode::Async view={Lazy::<SignUpRoute>::new()}/>
            <Route path=path!("/join") ssr=SsrMode::Async view={Lazy::<JoinRoute>::new()}/>
            <Route path=path!("/join/:code") ssr=SsrMode::Async view={Lazy::<JoinRoute>::new()}/>
            <Route path=path!("/invite/:token") ssr=SsrMode::Async view={Lazy::<InviteRoute>::new()}/>
            <ParentRoute path=path!("/o/:org_id/admin") ssr=SsrMode::Async view={Lazy::<AdminLayoutRoute>::new()}>
                <Route path=path!("") ssr=SsrMode::Async view={Lazy::<ActionsRoute>::new()}/>
                <Route path=path!("actions/:action_id") ssr=SsrMode::Async view={Lazy::<ActionEditorRoute>::new()}/>
                <Route path=path!("contacts") ssr=SsrMode::Async view={Lazy::<ContactsRoute>::new()}/>
                <Route path=path!("contacts/:list_id") ssr=SsrMode::Async view={Lazy::<ContactListRoute>::new()}/>
                <Route path=path!("data") ssr=SsrMode::Async view={Lazy::<DataRoute>::new()}/>
                <Route path=path!("volunteers") ssr=SsrMode::Async view={Lazy::<VolunteersRoute>::new()}/>
                <Route path=path!("settings") ssr=SsrMode::Async view={Lazy::<SettingsRoute>::new()}/>
                <Route path=path!("results") ssr=SsrMode::Async view={Lazy::<ResultsIndexRoute>::new()}/>
                <Route path=path!("actions/:action_id/results") ssr=SsrMode::Async view={Lazy::<ActionResultsRoute>::new()}/>
                <Route path=path!("conversations") ssr=SsrMode::Async view={Lazy::<SupervisionRoute>::new()}/>
                <Route path=path!("conversations/:conversation_id") ssr=SsrMode::Async view={Lazy::<SupervisedThreadRoute>::new()}/>
            </ParentRoute>
            <ParentRoute path=path!("/o/:org_id") ssr=SsrMode::Async view=volunteer::VolunteerLayout>
                <Route path=path!("") ssr=SsrMode::Async view=volunteer::ActionsPage/>
                <Route path=path!("text/:action_id") ssr=SsrMode::Async view=texting::TextingPage/>
                <Route path=path!("inbox") ssr=SsrMode::Async view={Lazy::<InboxRoute>::new()}/>
                <Route path=path!("inbox/:conversation_id") ssr=SsrMode::Async view={Lazy::<ThreadRoute>::new()}/>
            </ParentRoute>
        </Routes>
    }
}
