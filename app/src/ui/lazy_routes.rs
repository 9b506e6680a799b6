//! The routes loaded lazily. First the admin area's: a volunteer's phone downloads none of the
//! admin pages' code (script-tree editor, results, contact upload, supervision, settings,
//! volunteers table); then the join, invite and inbox screens.
//! `build_site` splits every `#[lazy_route]` view below into its own wasm chunks (issue 19); a
//! page fetches its chunks alongside the main module (the server preloads them in the page's
//! HTML) and hydrates once they are in.
//!
//! One type per route, written out rather than generated: leptos' `#[lazy]` names each split
//! after the source line it is written on, so routes made by one `macro_rules!` would share a
//! name. The page bodies stay in `pages/`; these only wrap them, erased to `AnyView`.

use super::pages::{actions, admin, auth, contacts, data, home, inbox, join, results, supervision};
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

pub struct AdminLayoutRoute;
#[lazy_route]
impl LazyRoute for AdminLayoutRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <admin::AdminLayout/> }.into_any()
    }
}

pub struct ActionsRoute;
#[lazy_route]
impl LazyRoute for ActionsRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <actions::ActionsPage/> }.into_any()
    }
}

pub struct ActionEditorRoute;
#[lazy_route]
impl LazyRoute for ActionEditorRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <actions::ActionEditorPage/> }.into_any()
    }
}

pub struct ContactsRoute;
#[lazy_route]
impl LazyRoute for ContactsRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <contacts::ContactsPage/> }.into_any()
    }
}

pub struct ContactListRoute;
#[lazy_route]
impl LazyRoute for ContactListRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <contacts::ContactListPage/> }.into_any()
    }
}

pub struct DataRoute;
#[lazy_route]
impl LazyRoute for DataRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <data::DataPage/> }.into_any()
    }
}

pub struct VolunteersRoute;
#[lazy_route]
impl LazyRoute for VolunteersRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <admin::VolunteersPage/> }.into_any()
    }
}

pub struct SettingsRoute;
#[lazy_route]
impl LazyRoute for SettingsRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <admin::SettingsPage/> }.into_any()
    }
}

pub struct ResultsIndexRoute;
#[lazy_route]
impl LazyRoute for ResultsIndexRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <results::ResultsIndexPage/> }.into_any()
    }
}

pub struct ActionResultsRoute;
#[lazy_route]
impl LazyRoute for ActionResultsRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <results::ActionResultsPage/> }.into_any()
    }
}

pub struct SupervisionRoute;
#[lazy_route]
impl LazyRoute for SupervisionRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <supervision::SupervisionPage/> }.into_any()
    }
}

pub struct SupervisedThreadRoute;
#[lazy_route]
impl LazyRoute for SupervisedThreadRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <supervision::SupervisedThreadPage/> }.into_any()
    }
}

// The join, invite, inbox, home and sign-up screens, lazily loaded too: a volunteer who opens
// the texting screen does not download their code (the texting screen, the layout and the
// actions list stay in the main module, so the screen that matters most hydrates without
// waiting for a chunk). Sign-in stays in the main module: made lazy, signing in again after a
// wrong password no longer reached the home page (end2end forms-without-js.spec.ts with
// JavaScript on), which was not understood in the time there was (issue 19).

pub struct HomeRoute;
#[lazy_route]
impl LazyRoute for HomeRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <home::HomePage/> }.into_any()
    }
}

pub struct SignUpRoute;
#[lazy_route]
impl LazyRoute for SignUpRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <auth::SignUpPage/> }.into_any()
    }
}

pub struct JoinRoute;
#[lazy_route]
impl LazyRoute for JoinRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <join::JoinPage/> }.into_any()
    }
}

pub struct InviteRoute;
#[lazy_route]
impl LazyRoute for InviteRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <join::InvitePage/> }.into_any()
    }
}

pub struct InboxRoute;
#[lazy_route]
impl LazyRoute for InboxRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <inbox::InboxPage/> }.into_any()
    }
}

pub struct ThreadRoute;
#[lazy_route]
impl LazyRoute for ThreadRoute {
    fn data() -> Self {
        Self
    }
    fn view(_this: Self) -> AnyView {
        view! { <inbox::ThreadPage/> }.into_any()
    }
}
