//! The admin area: the sidebar layout, and the volunteers (members, invites, join code) and
//! settings pages; the other pages have files of their own.

use crate::api::members::{
    list_invites, list_members, CreateInvite, RemoveMember, RevokeInvite, SetMemberProfile, SetMemberRole,
};
use crate::api::orgs::{get_join_info, RotateJoinCode};
use crate::domain::Role;
use crate::error::AppError;
use crate::ui::common::{use_org, ErrorAlert, ErrorPage, Field, Loaded, OrgContext, RequireSignIn, SignOutButton};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, Redirect, A};

/// The sidebar and the page. The page (`Outlet`) is never inside a suspended branch, so it and
/// its resources hydrate in the order the server rendered them; only the organization's name and
/// the "admins only" notice wait for the membership.
#[component]
pub fn AdminLayout() -> impl IntoView {
    let org = OrgContext::provide();
    let link = move |path: &'static str| move || format!("/o/{}/admin{path}", org.org_id());
    view! {
        <RequireSignIn>
            <div class="admin-shell">
                <aside class="sidebar">
                    // The admin menu only for admins: a volunteer who follows an admin link is
                    // sent to their own area (below) and never sees it.
                    <Suspense fallback=|| view! { <p class="sidebar-org">"…"</p> }>
                        {move || Suspend::new(async move {
                            org.membership.await.ok().filter(|m| m.role.is_admin()).map(|m| view! {
                                <p class="sidebar-org">
                                    <span class="org-name">{m.name.clone()}</span>
                                    <span class="badge">{m.role.label()}</span>
                                </p>
                                <nav aria-label="Admin">
                                    <ul>
                                        <li><A href=link("") exact=true>"Actions"</A></li>
                                        <li><A href=link("/contacts")>"Contacts"</A></li>
                                        <li><A href=link("/data")>"Data"</A></li>
                                        <li><A href=link("/volunteers")>"Volunteers"</A></li>
                                        <li><A href=link("/settings")>"Settings"</A></li>
                                        <li><A href=link("/results")>"Results"</A></li>
                                        <li><A href=link("/conversations")>"Conversations"</A></li>
                                    </ul>
                                </nav>
                            })
                        })}
                    </Suspense>
                    <div class="sidebar-footer">
                        <A href=move || format!("/o/{}", org.org_id())>"Volunteer view"</A>
                        <A href="/">"Switch organization"</A>
                        <SignOutButton/>
                    </div>
                </aside>
                <main class="admin-main">
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            match org.membership.await {
                                Ok(m) if m.role.is_admin() => ().into_any(),
                                // A real redirect when the server renders the page (async
                                // rendering decides before any byte is sent), a navigation in the
                                // browser; the notice shows for the moment in between.
                                Ok(m) => view! {
                                    <Redirect path=m.home_path()/>
                                    <section class="page narrow">
                                        <h1>"Admins only"</h1>
                                        <p role="alert">"Only admins of " {m.name.clone()} " can see this page."</p>
                                        <p><A href=m.home_path()>"Go to the volunteer area"</A></p>
                                    </section>
                                }.into_any(),
                                Err(error) => view! { <ErrorPage error/> }.into_any(),
                            }
                        })}
                    </Suspense>
                    <crate::ui::pages::carrier::SendingAlertsBanner/>
                    <Outlet/>
                </main>
            </div>
        </RequireSignIn>
    }
}

#[component]
pub fn VolunteersPage() -> impl IntoView {
    view! {
        <Title text="Volunteers"/>
        <h1>"Volunteers"</h1>
        <JoinCodeCard/>
        <InviteCard/>
        <MembersCard/>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let org = use_org();
    view! {
        <Title text="Settings"/>
        <h1>"Settings"</h1>
        <section class="card" aria-labelledby="org-heading">
            <h2 id="org-heading">"Organization"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    org.membership.await.ok().map(|m| view! {
                        <dl class="facts">
                            <dt>"Name"</dt><dd>{m.name.clone()}</dd>
                            <dt>"Your role"</dt><dd>{m.role.label()}</dd>
                        </dl>
                    })
                })}
            </Transition>
        </section>
        <crate::ui::pages::settings::TextingSettingsCard/>
        <crate::ui::pages::settings::StateRulesCard/>
        <crate::ui::pages::settings::RetentionCard/>
        <crate::ui::pages::carrier::CarrierCard/>
        <JoinCodeCard/>
    }
}

/// The code and link volunteers join with, and the button that replaces them.
#[component]
fn JoinCodeCard() -> impl IntoView {
    let org = use_org();
    let rotate = ServerAction::<RotateJoinCode>::new();
    let info = Resource::new(
        move || (org.id.get(), rotate.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_join_info(id).await,
                None => Err(AppError::NotFound("There is no such organization.".into())),
            }
        },
    );
    let error = Signal::derive(move || rotate.value().get().and_then(Result::err));
    view! {
        <section class="card" aria-labelledby="join-heading">
            <h2 id="join-heading">"Recruit volunteers"</h2>
            <Loaded>
                {move || Suspend::new(async move {
                    let info = info.await?;
                    Ok::<_, AppError>(view! {
                        <p id="join-code-label">"Volunteers join with this code:"</p>
                        <p class="join-code" data-testid="join-code" aria-describedby="join-code-label">{info.code.clone()}</p>
                        <label for="join-link">"Or share the join link"</label>
                        <div class="copy-row">
                            <input id="join-link" type="text" readonly value=info.link.clone()/>
                            <CopyButton text=info.link.clone()/>
                        </div>
                    }.into_any())
                })}
            </Loaded>
            <ActionForm action=rotate>
                <ErrorAlert error/>
                <input type="hidden" name="org_id" value=move || org.org_id().to_string()/>
                <p class="hint" id="rotate-hint">"A new code replaces this one: the current code and link stop working at once."</p>
                <button type="submit" aria-describedby="rotate-hint" disabled=move || rotate.pending().get()>"Get a new code"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn InviteCard() -> impl IntoView {
    let org = use_org();
    let create = ServerAction::<CreateInvite>::new();
    let revoke = ServerAction::<RevokeInvite>::new();
    let invites = Resource::new(
        move || (org.id.get(), create.version().get(), revoke.version().get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => list_invites(id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let error = Signal::derive(move || {
        create.value().get().and_then(Result::err).or_else(|| revoke.value().get().and_then(Result::err))
    });
    view! {
        <section class="card" aria-labelledby="invite-heading">
            <h2 id="invite-heading">"Invite by e-mail"</h2>
            <ActionForm action=create>
                <ErrorAlert error/>
                <input type="hidden" name="org_id" value=move || org.org_id().to_string()/>
                <Field label="E-mail address" name="email" kind="email" required=true
                    invalid=Signal::derive(move || matches!(error.get(), Some(AppError::Invalid { .. })))/>
                <div class="field">
                    <label for="invite-role">"Role"</label>
                    <select id="invite-role" name="role">
                        <option value="volunteer" selected>"Volunteer"</option>
                        <option value="admin">"Admin"</option>
                    </select>
                </div>
                <button type="submit" disabled=move || create.pending().get()>"Create invite link"</button>
            </ActionForm>
            {move || create.value().get().and_then(Result::ok).map(|invite| view! {
                <p class="alert success" role="status">"Send this link to " {invite.email.clone()} ":"</p>
                <div class="copy-row">
                    <input type="text" readonly aria-label="Invite link" value=invite.link.clone()/>
                    <CopyButton text=invite.link.clone()/>
                </div>
            })}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let list = invites.await.unwrap_or_default();
                    (!list.is_empty()).then(|| view! {
                        <h3>"Open invites"</h3>
                        <ul class="plain-list">
                            {list.into_iter().map(|invite| view! {
                                <li class="row">
                                    <span>{invite.email.clone()} " · " {invite.role.label()}</span>
                                    <CopyButton text=invite.link.clone() label="Copy link"/>
                                    <ActionForm action=revoke>
                                        <input type="hidden" name="org_id" value=org_id_string(org)/>
                                        <input type="hidden" name="invite_id" value=invite.id.to_string()/>
                                        <button type="submit" class="link-button danger">"Revoke"</button>
                                    </ActionForm>
                                </li>
                            }).collect_view()}
                        </ul>
                    })
                })}
            </Transition>
        </section>
    }
}

fn org_id_string(org: OrgContext) -> String {
    org.id.get_untracked().map(|id| id.to_string()).unwrap_or_default()
}

#[component]
fn MembersCard() -> impl IntoView {
    let org = use_org();
    let set_role = ServerAction::<SetMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let set_profile = ServerAction::<SetMemberProfile>::new();
    let members = Resource::new(
        move || (org.id.get(), set_role.version().get(), remove.version().get(), set_profile.version().get()),
        |(id, _, _, _)| async move {
            match id {
                Some(id) => list_members(id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let error = Signal::derive(move || {
        set_role
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| remove.value().get().and_then(Result::err))
            .or_else(|| set_profile.value().get().and_then(Result::err))
    });
    view! {
        <section class="card" aria-labelledby="members-heading">
            <h2 id="members-heading">"Members"</h2>
            <ErrorAlert error/>
            <Loaded>
                {move || Suspend::new(async move {
                    let list = members.await?;
                    Ok::<_, AppError>(view! {
                        <div class="table-scroll">
                        <table class="members">
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"E-mail"</th><th scope="col">"Role"</th><th scope="col">"District and languages"</th><th scope="col"><span class="visually-hidden">"Remove"</span></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|member| {
                                    let org_id = org_id_string(org);
                                    let user_id = member.user_id.to_string();
                                    let (remove_org_id, remove_user_id) = (org_id.clone(), user_id.clone());
                                    let select_id = format!("role-{}", member.user_id);
                                    let (profile_org_id, profile_user_id) = (org_id.clone(), user_id.clone());
                                    let district_id = format!("district-{}", member.user_id);
                                    let languages_id = format!("languages-{}", member.user_id);
                                    let current = member.languages.join(",");
                                    let (district_label, languages_label) =
                                        (format!("District of {}", member.display_name), format!("Languages of {}", member.display_name));
                                    view! {
                                        <tr>
                                            <td>{member.display_name.clone()}</td>
                                            <td>{member.email.clone()}</td>
                                            <td>
                                                <ActionForm action=set_role>
                                                    <input type="hidden" name="org_id" value=org_id/>
                                                    <input type="hidden" name="user_id" value=user_id/>
                                                    <label class="visually-hidden" for=select_id.clone()>"Role of " {member.display_name.clone()}</label>
                                                    <select id=select_id name="role">
                                                        {[Role::Volunteer, Role::Admin, Role::Owner].into_iter().map(|role| view! {
                                                            <option value=role.as_str() selected=role == member.role>{role.label()}</option>
                                                        }).collect_view()}
                                                    </select>
                                                    <button type="submit">"Save"</button>
                                                </ActionForm>
                                            </td>
                                            <td>
                                                <ActionForm action=set_profile attr:class="member-profile">
                                                    <input type="hidden" name="org_id" value=profile_org_id/>
                                                    <input type="hidden" name="user_id" value=profile_user_id/>
                                                    <label class="visually-hidden" for=district_id.clone()>{district_label}</label>
                                                    <input id=district_id name="district" placeholder="District" size="10" value=member.district.clone().unwrap_or_default()/>
                                                    <label class="visually-hidden" for=languages_id.clone()>{languages_label}</label>
                                                    <select id=languages_id name="languages">
                                                        {crate::ui::pages::volunteer::LANGUAGE_CHOICES.into_iter().map(|(value, label)| view! {
                                                            <option value=value selected=value == current>{label}</option>
                                                        }).collect_view()}
                                                    </select>
                                                    <button type="submit">"Save"</button>
                                                </ActionForm>
                                            </td>
                                            <td>
                                                <ActionForm action=remove>
                                                    <input type="hidden" name="org_id" value=remove_org_id/>
                                                    <input type="hidden" name="user_id" value=remove_user_id/>
                                                    <button type="submit" class="link-button danger">"Remove"</button>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    }.into_any())
                })}
            </Loaded>
        </section>
    }
}

/// Copies text to the clipboard; the text stays selectable in its field for browsers that
/// refuse clipboard access.
#[component]
pub fn CopyButton(
    #[prop(into)] text: String,
    #[prop(into, default = "Copy".to_string())] label: String,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&text);
            copied.set(true);
            gloo_timers::callback::Timeout::new(2_000, move || copied.set(false)).forget();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
    };
    view! {
        <button type="button" on:click=on_click>
            {move || if copied.get() { "Copied".to_string() } else { label.clone() }}
        </button>
    }
}
