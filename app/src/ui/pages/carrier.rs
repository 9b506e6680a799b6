//! Settings → Carrier: who answers STOP and HELP, and how fast each kind of number sends (a
//! plain form, works before the bundle loads).

use crate::api::carrier::{get_carrier_settings, SaveCarrierSettings};
use crate::domain::keyword_replies::KeywordReplies;
use crate::domain::sender_type::SenderType;
use crate::error::AppError;
use crate::ui::common::{use_org, Loaded};
use leptos::prelude::*;

#[component]
pub fn CarrierCard() -> impl IntoView {
    let org = use_org();
    let save = ServerAction::<SaveCarrierSettings>::new();
    let current = Resource::new(
        move || (org.id.get(), save.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_carrier_settings(id).await,
                None => Err(AppError::NotFound("There is no such organization.".into())),
            }
        },
    );
    let error = move || save.value().get().and_then(Result::err);
    let rate_field = |e: &AppError| SenderType::ALL.iter().any(|t| e.field_message(t.field()).is_some());
    // A rate's error goes next to its field; anything else next to the first question.
    let field_error = move || error().filter(|e| !rate_field(e)).map(|e| e.to_string());
    let rate_error = move |name: &'static str| move || error().and_then(|e| e.field_message(name));
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    view! {
        <section class="card" aria-labelledby="carrier-heading">
            <h2 id="carrier-heading">"Carrier"</h2>
            <Loaded>
                {move || Suspend::new(async move {
                    let settings = current.await?;
                    Ok::<_, AppError>(view! {
                        <ActionForm action=save>
                            <input type="hidden" name="org_id" value=org.org_id().to_string()/>
                            <fieldset aria-describedby="setting-keyword_replies-hint setting-keyword_replies-error">
                                <legend>"Who answers STOP and HELP"</legend>
                                {KeywordReplies::ALL.map(|choice| {
                                    let id = format!("setting-keyword_replies-{}", choice.as_str());
                                    view! {
                                        <div class="field checkbox">
                                            <input id=id.clone() type="radio" name="keyword_replies" value=choice.as_str()
                                                checked=settings.keyword_replies == choice/>
                                            <label for=id>{choice.label()}</label>
                                        </div>
                                    }
                                }).to_vec()}
                                <p class="hint" id="setting-keyword_replies-hint">"Twilio answers STOP and HELP itself unless its automatic answers are turned off (Advanced Opt-Out). Choose the one that matches your account, so a contact never gets two answers: only when we answer do they get your HELP answer and \"You're unsubscribed from your organization. No more texts.\""</p>
                                <p class="field-error" id="setting-keyword_replies-error" role="alert">{field_error}</p>
                            </fieldset>
                            <fieldset aria-describedby="setting-rates-hint">
                                <legend>"Segments per second from each number"</legend>
                                {SenderType::ALL.map(|sender| {
                                    let name = sender.field();
                                    let id = format!("setting-{name}");
                                    let error_id = format!("setting-{name}-error");
                                    view! {
                                        <div class="field">
                                            <label for=id.clone()>{sender.label()}</label>
                                            <input id=id type="number" name=name min="1" max=sender.max_per_sec().to_string() step="1"
                                                inputmode="numeric" placeholder=format!("{} (Twilio's default)", sender.default_per_sec())
                                                value=settings.send_rates.get(sender).map(|n| n.to_string()).unwrap_or_default()
                                                aria-describedby=error_id.clone()/>
                                            <p class="field-error" id=error_id role="alert">{rate_error(name)}</p>
                                        </div>
                                    }
                                }).to_vec()}
                                <p class="hint" id="setting-rates-hint">"Carriers pace each number by message segments (a 3-segment text takes three). Leave blank for Twilio's defaults: a long code 1 per second, a toll-free number 3, a short code 100. Raise the long-code rate to your 10DLC campaign's throughput once it is registered, or a toll-free or short code's to what you bought."</p>
                            </fieldset>
                            {move || saved().then(|| view! { <p class="alert success" role="status">"Carrier settings saved."</p> })}
                            <button type="submit" class="primary" disabled=move || save.pending().get()>"Save carrier settings"</button>
                        </ActionForm>
                    }.into_any())
                })}
            </Loaded>
        </section>
    }
}

/// On every admin page: the organization's sending is paused, or a number is quarantined, and
/// what to fix. Nothing when all is well (or for a volunteer, whom the server refuses).
#[component]
pub fn SendingAlertsBanner() -> impl IntoView {
    use crate::api::carrier::{get_sending_alerts, ReleaseSender};
    let org = use_org();
    let release = ServerAction::<ReleaseSender>::new();
    let alerts = Resource::new(
        move || (org.id.get(), release.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_sending_alerts(id).await,
                None => Err(AppError::NotFound("There is no such organization.".into())),
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let alerts = alerts.await.unwrap_or_default();
                let paused = alerts.paused.map(|(reason, since)| view! {
                    <p><strong>"Sending is paused"</strong>" since " {since} ": " {reason}
                    " Nothing has been marked failed; texts go out once it is fixed."</p>
                });
                let quarantined = alerts.quarantined.into_iter().map(|(phone, reason, since)| {
                    let phone_value = phone.clone();
                    view! {
                        <li>
                            <strong>{phone.clone()}</strong>" was taken out of use on " {since} ": " {reason}
                            <ActionForm action=release attr:class="inline">
                                <input type="hidden" name="org_id" value=org.org_id().to_string()/>
                                <input type="hidden" name="phone" value=phone_value/>
                                <button type="submit">"Release " {phone}</button>
                            </ActionForm>
                        </li>
                    }
                }).collect::<Vec<_>>();
                let any = paused.is_some() || !quarantined.is_empty();
                any.then(|| view! {
                    <section class="alert error sending-alerts" role="alert" aria-label="Sending problems">
                        {paused}
                        {(!quarantined.is_empty()).then(|| view! { <ul>{quarantined}</ul> })}
                    </section>
                })
            })}
        </Transition>
    }
}
