//! The volunteer area, mobile first: the actions they can work on and their inbox.

use crate::api::inbox::get_inbox_counts;
use crate::api::members::{get_my_profile, MemberProfile, SetMemberProfile};
use crate::api::texting::{list_volunteer_actions, StartTexting};
use crate::domain::action_lifecycle::ActionStatus;
use crate::domain::volunteer_profile::Languages;
use crate::error::AppError;
use crate::ui::common::{
    poll, use_org, EmptyState, ErrorAlert, ErrorPage, Loaded, OrgContext, RequireSignIn, SignOutButton,
};
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
    let save_profile = ServerAction::<SetMemberProfile>::new();
    // One tap: Start claims the batch and opens the texting screen on its first contact.
    let start = ServerAction::<StartTexting>::new();
    let start_error = Signal::derive(move || start.value().get().and_then(Result::err));
    // Saving the profile can change which actions are open to this volunteer.
    let actions = Resource::new(
        move || (org.id.get(), save_profile.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => list_volunteer_actions(id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    view! {
        <Title text="Actions"/>
        <h1>"Actions"</h1>
        <ErrorAlert error=start_error/>
        <Loaded>
            {move || Suspend::new(async move {
                Ok::<_, AppError>(match actions.await? {
                    list if list.is_empty() => view! {
                        <EmptyState title="Nothing to text yet">
                            <p>"When your organizers publish an action, it shows up here with a button to start texting."</p>
                        </EmptyState>
                    }.into_any(),
                    list => view! {
                        <ul class="action-cards">
                            {list.into_iter().map(|a| {
                                view! {
                                    <li class="card action-card">
                                        {a.card_image_id.map(|id| view! { <img class="action-card-image" src=crate::domain::script_image::media_path(id) alt=""/> })}
                                        <h2>{a.title.clone()}{a.featured.then(|| view! { " " <span class="badge featured">"Featured"</span> })}</h2>
                                        {(!a.description.is_empty()).then(|| view! { <p>{a.description.clone()}</p> })}
                                        {(!a.disclaimer.is_empty()).then(|| view! { <p class="disclaimer">{a.disclaimer.clone()}</p> })}
                                        <p class="muted">{format!("You have texted {} in this action.", crate::domain::plural(a.sent_by_me, "person", "people"))}</p>
                                        {if a.status == ActionStatus::Paused {
                                            view! { <p class="alert warning">"Paused while an admin edits it."</p> }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=start>
                                                    <input type="hidden" name="org_id" value=org.org_id().to_string()/>
                                                    <input type="hidden" name="action_id" value=a.id.to_string()/>
                                                    <button type="submit" class="primary big" disabled=move || start.pending().get()>{a.start_label.clone()}</button>
                                                </ActionForm>
                                            }.into_any()
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })
            })}
        </Loaded>
        <ProfileCard save=save_profile/>
    }
}

/// The choices for "languages I text in", as one field so a plain form can carry them.
pub const LANGUAGE_CHOICES: [(&str, &str); 3] =
    [("en", "English"), ("es", "Spanish"), ("en,es", "English and Spanish")];

/// Languages and district: some actions are only for Spanish speakers or for one district, and
/// only volunteers who say so here see them.
#[component]
fn ProfileCard(save: ServerAction<SetMemberProfile>) -> impl IntoView {
    let org = use_org();
    let profile = Resource::new(
        move || (org.id.get(), save.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_my_profile(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let saved = move || matches!(save.value().get(), Some(Ok(())));
    view! {
        <section class="card profile-card" aria-labelledby="profile-heading">
            <h2 id="profile-heading">"Your texting profile"</h2>
            <p class="muted">"Some actions are only for volunteers who text in a language or live in a district."</p>
            <ErrorAlert error/>
            <Loaded>
                {move || Suspend::new(async move {
                    Ok::<_, AppError>(match profile.await? {
                        Some(p) => view! { <ProfileForm profile=p save/> }.into_any(),
                        None => ().into_any(),
                    })
                })}
            </Loaded>
            {move || saved().then(|| view! { <p class="alert success" role="status">"Saved."</p> })}
        </section>
    }
}

#[component]
fn ProfileForm(profile: MemberProfile, save: ServerAction<SetMemberProfile>) -> impl IntoView {
    let org = use_org();
    let current = profile.languages.join(",");
    let mut districts = profile.districts_in_use.clone();
    if let Some(mine) = &profile.district {
        if !districts.iter().any(|d| d.eq_ignore_ascii_case(mine)) {
            districts.insert(0, mine.clone());
        }
    }
    let mine = profile.district.clone().unwrap_or_default();
    view! {
        <ActionForm action=save attr:class="profile-form">
            <input type="hidden" name="org_id" value=org.org_id().to_string()/>
            <input type="hidden" name="user_id" value=profile.user_id.to_string()/>
            <div class="field">
                <label for="profile-languages">"Languages you text in"</label>
                <select id="profile-languages" name="languages">
                    {LANGUAGE_CHOICES.into_iter().map(|(value, label)| view! {
                        <option value=value selected=value == current>{label}</option>
                    }).collect_view()}
                </select>
            </div>
            {if districts.is_empty() {
                view! { <input type="hidden" name="district" value=mine/> }.into_any()
            } else {
                view! {
                    <div class="field">
                        <label for="profile-district">"Your district"</label>
                        <select id="profile-district" name="district">
                            <option value="" selected=mine.is_empty()>"Not in a listed district"</option>
                            {districts.into_iter().map(|d| {
                                let selected = d.eq_ignore_ascii_case(&mine);
                                view! { <option value=d.clone() selected=selected>{d.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                }.into_any()
            }}
            <p class="hint">{format!("Now: {}.", Languages::describe(&profile.languages))}</p>
            <button type="submit">"Save profile"</button>
        </ActionForm>
    }
}
