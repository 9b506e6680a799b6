//! A conversation as both its readers see it: the volunteer's inbox thread and the admin's
//! supervision view show the same history and the same facts, written once here.

use crate::domain::org_time::OrgTimeZone;
use crate::model::inbox::ThreadMessage;
use leptos::prelude::*;

/// The texts of a thread, oldest first, each with its time in the organization's zone and, for
/// ours, the carrier's status. The items of an `<ol class="messages">`.
pub fn message_history(messages: &[ThreadMessage], zone: &OrgTimeZone) -> AnyView {
    messages
        .iter()
        .map(|m| {
            view! {
                <li class=if m.outbound { "out" } else { "in" }>
                    <p>{m.body.clone()}</p>
                    {inbound_pictures(m.id, m.media_count)}
                    <span class="message-meta">
                        {zone.date_time(m.created_at)}
                        {m.outbound.then(|| format!(" · {}", m.status))}
                        {m.error_code.map(|c| format!(" · error {c}"))}
                    </span>
                </li>
            }
        })
        .collect_view()
        .into_any()
}

/// What the thread's reports recorded (survey answers, tags, custom fields), or nothing when
/// none was.
pub fn known_facts(survey: &[(String, String)], tags: &[String], fields: &[(String, String)]) -> Option<AnyView> {
    (!survey.is_empty() || !tags.is_empty() || !fields.is_empty()).then(|| {
        view! {
            <section class="card facts" aria-label="What we know">
                {survey.iter().map(|(q, a)| view! { <p><span class="muted">{q.clone()}</span> " " <strong>{a.clone()}</strong></p> }).collect_view()}
                {(!tags.is_empty()).then(|| view! {
                    <p class="tags">{tags.iter().map(|tag| view! { <span class="badge">{tag.clone()}</span> }).collect_view()}</p>
                })}
                {fields.iter().map(|(k, v)| view! { <p><span class="muted">{k.clone()}": "</span>{v.clone()}</p> }).collect_view()}
            </section>
        }
        .into_any()
    })
}

/// The pictures of an inbound text in a thread, each a link to the full picture. Served by our
/// own server (`server/src/inbound_media.rs`), which checks the reader and fetches the
/// carrier's copy with the account's credentials.
pub fn inbound_pictures(message_id: i64, count: i32) -> impl IntoView {
    (count > 0).then(|| {
        let pictures = (0..count)
            .map(|i| {
                let url = format!("/media/inbound/{message_id}/{i}");
                let href = url.clone();
                view! {
                    <a href=href target="_blank" rel="noopener">
                        <img src=url alt=format!("Picture {} from the contact", i + 1) loading="lazy"/>
                    </a>
                }
            })
            .collect_view();
        view! { <div class="message-pictures">{pictures}</div> }
    })
}
