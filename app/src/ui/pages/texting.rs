//! The texting screen: one contact at a time, the script rendered for them, Send (button or
//! Enter) and the next contact appears at once while the send is confirmed in place. Send and
//! Start are plain form posts until the bundle has loaded, so a tap on a slow phone link is
//! never lost: the server renders the message box filled in and answers with the next contact.

use crate::api::messaging::{send_message, SendMessage};
use crate::api::texting::{claim_batch, get_batch, release_batch, skip_contact, Batch, BatchContact, StartTexting};
use crate::error::AppError;
use crate::ui::common::{request_key, use_org, Alert};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
enum SendState {
    Sending,
    Sent,
    Failed(String),
}

/// One press of Send, kept so its result shows in place and a retry reuses its key.
#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    name: String,
    conversation_id: i64,
    body: String,
    key: String,
    state: SendState,
}

#[component]
pub fn TextingPage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let action_id = Memo::new(move |_| params.read().get("action_id").and_then(|raw| Uuid::parse_str(&raw).ok()));
    let batch = Resource::new(
        move || (org.id.get(), action_id.get()),
        |(org, action)| async move {
            match (org, action) {
                (Some(org), Some(action)) => get_batch(org, action).await,
                _ => Err(AppError::NotFound("That action is not open for texting.".into())),
            }
        },
    );
    view! {
        <Title text="Texting"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match batch.await {
                    Ok(batch) => view! { <Texter batch/> }.into_any(),
                    Err(error) => view! {
                        <Alert message=error.to_string()/>
                        <p><A href=format!("/o/{}", org.org_id())>"Back to actions"</A></p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Said when Text Again would find nobody for this volunteer but the action is not done.
fn no_more_for_you(waiting: i64) -> String {
    let people = crate::domain::plural(waiting, "contact", "contacts");
    format!("No more contacts for you right now: {people} not texted yet are with other volunteers or were skipped by you. Replies will arrive in your inbox.")
}

#[component]
fn Texter(batch: Batch) -> impl IntoView {
    let org = use_org();
    let org_id = org.org_id();
    let action = batch.action.clone();
    let action_id = action.id;
    let can_send = batch.can_send;
    let custom_allowed = batch.custom_allowed;
    let image_url = batch.image_url.clone();
    let draft = RwSignal::new(batch.contacts.first().map(|c| c.message.clone()).unwrap_or_default());
    let contacts = RwSignal::new(batch.contacts);
    let more = RwSignal::new(batch.more_available);
    let waiting = RwSignal::new(batch.waiting_for_others);
    let outcomes = RwSignal::new(Vec::<Outcome>::new());
    let claiming = RwSignal::new(false);
    let claim_error = RwSignal::new(None::<String>);
    // Set by a send and cleared shortly after (and when Enter is released), so a double click or
    // a held key never sends to the next contact as well.
    let cooling = RwSignal::new(false);
    let current = move || contacts.with(|c| c.first().cloned());
    let posted = ServerAction::<SendMessage>::new();
    let send_error = Signal::derive(move || posted.value().get().and_then(Result::err));

    let advance = move || {
        contacts.update(|c| {
            if !c.is_empty() {
                c.remove(0);
            }
        });
        draft.set(contacts.with_untracked(|c| c.first().map(|c| c.message.clone()).unwrap_or_default()));
        // The batch is done: find out whether Text Again would get anyone.
        if contacts.with_untracked(Vec::is_empty) {
            spawn_local(async move {
                if let Ok(batch) = get_batch(org_id, action_id).await {
                    more.set(batch.more_available);
                    waiting.set(batch.waiting_for_others);
                }
            });
        }
    };

    let deliver = move |outcome: Outcome| {
        let Outcome { conversation_id, body, key, .. } = outcome;
        spawn_local(async move {
            let result = send_message(org_id, conversation_id, body, key.clone(), String::new()).await;
            outcomes.update(|list| {
                if let Some(o) = list.iter_mut().find(|o| o.key == key) {
                    o.state = match result {
                        Ok(_) => SendState::Sent,
                        Err(e) => SendState::Failed(e.to_string()),
                    };
                }
            });
        });
    };

    let send = move || {
        if cooling.get_untracked() || !can_send {
            return;
        }
        let Some(contact) = contacts.with_untracked(|c| c.first().cloned()) else { return };
        if contact.opens.is_some() {
            return;
        }
        let body = draft.get_untracked();
        if body.trim().is_empty() {
            return;
        }
        cooling.set(true);
        #[cfg(feature = "hydrate")]
        gloo_timers::callback::Timeout::new(400, move || cooling.set(false)).forget();
        let outcome = Outcome {
            name: contact.name.clone(),
            conversation_id: contact.conversation_id,
            body,
            key: request_key(),
            state: SendState::Sending,
        };
        outcomes.update(|o| {
            o.insert(0, outcome.clone());
            o.truncate(6);
        });
        advance();
        deliver(outcome);
    };

    let skip = move || {
        let Some(contact) = contacts.with_untracked(|c| c.first().cloned()) else { return };
        advance();
        spawn_local(async move {
            let _ = skip_contact(org_id, contact.conversation_id).await;
        });
    };

    let text_again = move || {
        claiming.set(true);
        claim_error.set(None);
        spawn_local(async move {
            match claim_batch(org_id, action_id).await {
                Ok(batch) => {
                    draft.set(batch.contacts.first().map(|c| c.message.clone()).unwrap_or_default());
                    more.set(batch.more_available);
                    waiting.set(batch.waiting_for_others);
                    contacts.set(batch.contacts);
                }
                Err(e) => claim_error.set(Some(e.to_string())),
            }
            claiming.set(false);
        });
    };

    // Leaving the screen gives the untexted contacts back for others.
    #[cfg(feature = "hydrate")]
    on_cleanup(move || {
        spawn_local(async move {
            let _ = release_batch(org_id, action_id).await;
        });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = release_batch;

    let start_label = StoredValue::new(action.start_label.clone());

    view! {
        <div class="texter">
            <header class="texter-head">
                <A href=format!("/o/{org_id}")>"← Actions"</A>
                <h1>{action.title.clone()}</h1>
            </header>
            // A Send posted without JavaScript that failed comes back in the URL.
            {move || send_error.get().map(|e| view! { <Alert message=e.to_string()/> })}
            {(!can_send).then(|| view! {
                <p class="alert warning" role="status">"This action is paused while an admin edits it. Sending resumes when it is published again."</p>
            })}
            {move || match current() {
                Some(contact) => view! {
                    <ContactCard contact org_id draft custom_allowed can_send cooling image_url=image_url.clone() send=Callback::new(move |_| send()) skip=Callback::new(move |_| skip())/>
                }.into_any(),
                None => view! {
                    <section class="card batch-done" aria-live="polite">
                        {move || if outcomes.with(|o| o.is_empty()) {
                            view! { <h2>"Ready when you are"</h2><p>"You will text one person at a time. Each text needs you to press Send."</p> }.into_any()
                        } else {
                            view! { <h2>"Batch done — thank you!"</h2> }.into_any()
                        }}
                        {move || claim_error.get().map(|e| view! { <Alert message=e/> })}
                        {move || if more.get() && can_send {
                            let label = if outcomes.with(|o| o.is_empty()) { start_label.get_value() } else { "Text Again".to_string() };
                            view! {
                                <form method="post" action=StartTexting::url() on:submit=move |ev| { ev.prevent_default(); text_again(); }>
                                    <input type="hidden" name="org_id" value=org_id.to_string()/>
                                    <input type="hidden" name="action_id" value=action_id.to_string()/>
                                    <button type="submit" class="primary big" disabled=move || claiming.get()>{label}</button>
                                </form>
                            }.into_any()
                        } else if waiting.get() > 0 {
                            view! { <p>{no_more_for_you(waiting.get())}</p> }.into_any()
                        } else {
                            view! { <p>"Everyone in this action has been texted. Replies will arrive in your inbox."</p> }.into_any()
                        }}
                        <p><A href=format!("/o/{org_id}/inbox")>"Go to your inbox"</A></p>
                    </section>
                }.into_any(),
            }}
            <p class="batch-progress">{move || {
                let left = contacts.with(Vec::len);
                if left == 0 { String::new() } else { format!("{left} left in this batch") }
            }}</p>
            <ul class="send-log" aria-label="Recent sends" aria-live="polite">
                <For each=move || outcomes.get() key=|o| (o.key.clone(), format!("{:?}", o.state)) let(o)>
                    <SendLine outcome=o retry=Callback::new(move |o: Outcome| {
                        outcomes.update(|list| if let Some(x) = list.iter_mut().find(|x| x.key == o.key) { x.state = SendState::Sending });
                        deliver(o);
                    })/>
                </For>
            </ul>
        </div>
    }
}

#[component]
fn ContactCard(
    contact: BatchContact,
    org_id: Uuid,
    draft: RwSignal<String>,
    custom_allowed: bool,
    can_send: bool,
    cooling: RwSignal<bool>,
    image_url: Option<String>,
    send: Callback<()>,
    skip: Callback<()>,
) -> impl IntoView {
    // Enter sends; a held Enter repeats keydown events, which never send again.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() {
            ev.prevent_default();
            if !ev.repeat() {
                send.run(());
            }
        }
    };
    let on_key_up = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            cooling.set(false);
        }
    };
    let opens = contact.opens.clone();
    let blocked = opens.is_some() || !can_send;
    // Each contact gets a fresh box; keep the keyboard in it so Enter, Enter, Enter works.
    let area = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if let Some(el) = area.get() {
            let _ = el.focus();
        }
    });
    // The key a plain post (before the bundle loads) sends with: posting the same page twice
    // is one text. Once hydrated, each press makes its own key.
    let plain_key = request_key();
    let initial = draft.get_untracked();
    view! {
        <section class="card contact-card" aria-labelledby="contact-name">
            <h2 id="contact-name">{if contact.name.is_empty() { "(no name)".to_string() } else { contact.name.clone() }}</h2>
            <form class="send-form" method="post" action=SendMessage::url() on:submit=move |ev| { ev.prevent_default(); send.run(()); }>
            <input type="hidden" name="org_id" value=org_id.to_string()/>
            <input type="hidden" name="conversation_id" value=contact.conversation_id.to_string()/>
            <input type="hidden" name="idempotency_key" value=plain_key/>
            <label for="message" class="visually-hidden">"Message"</label>
            <textarea
                id="message"
                name="body"
                maxlength=crate::domain::text_limits::MESSAGE_BODY.max
                node_ref=area
                class="message"
                rows="5"
                readonly=!custom_allowed
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=on_key
                on:keyup=on_key_up
                autofocus=true
            >{initial}</textarea>
            {image_url.map(|src| view! {
                <figure class="mms-image">
                    <img src=src alt="Picture sent with this text"/>
                    <figcaption class="hint">"This picture goes with the text (MMS)."</figcaption>
                </figure>
            })}
            {(!custom_allowed).then(|| view! { <p class="hint">"Your organization sends scripts as written."</p> })}
            {match opens {
                Some(opens) => view! { <p class="alert warning" role="status">{format!("Outside this contact's texting hours: {opens}.")}</p> }.into_any(),
                None => ().into_any(),
            }}
            <div class="actions-row">
                <button type="submit" class="primary big send" disabled=move || blocked || cooling.get()>"Send"</button>
                <button type="button" class="secondary" on:click=move |_| skip.run(())>"Skip"</button>
            </div>
            </form>
            <p class="hint">"Enter sends · Shift+Enter adds a line"</p>
        </section>
    }
}

#[component]
fn SendLine(outcome: Outcome, retry: Callback<Outcome>) -> impl IntoView {
    let o = outcome.clone();
    view! {
        <li class=match &outcome.state { SendState::Sending => "sending", SendState::Sent => "sent", SendState::Failed(_) => "failed" }>
            {match outcome.state.clone() {
                SendState::Sending => format!("Sending to {}…", outcome.name),
                SendState::Sent => format!("Sent to {} ✓", outcome.name),
                SendState::Failed(e) => format!("Not sent to {}: {e}", outcome.name),
            }}
            {matches!(outcome.state, SendState::Failed(_)).then(|| view! {
                <button class="link-button" on:click=move |_| retry.run(o.clone())>"Retry"</button>
            })}
        </li>
    }
}
