//! Settings → Texting: one form, saved explicitly, errors next to the field they concern.

use crate::api::settings::{
    get_state_rules, get_texting_settings, SaveTextingSettings, SetStateRules, TextingSettings,
};
use crate::domain::cost_estimate::micros_to_input;
use crate::domain::texting_window::OUTBOUND_LOCK_HOURS;
use crate::error::AppError;
use crate::ui::common::{use_org, Alert, Loaded};
use leptos::prelude::*;

#[component]
pub fn TextingSettingsCard() -> impl IntoView {
    let org = use_org();
    let save = ServerAction::<SaveTextingSettings>::new();
    // Loaded once: after a failed save the form keeps what the admin typed.
    let settings = Resource::new(
        move || org.id.get(),
        |id| async move {
            match id {
                Some(id) => get_texting_settings(id).await,
                None => Err(AppError::NotFound("There is no such organization.".into())),
            }
        },
    );
    view! {
        <section class="card" aria-labelledby="texting-heading">
            <h2 id="texting-heading">"Texting"</h2>
            <Loaded>
                {move || Suspend::new(async move {
                    let s = settings.await?;
                    Ok::<_, AppError>(view! { <SettingsForm settings=s save/> }.into_any())
                })}
            </Loaded>
        </section>
    }
}

#[component]
fn SettingsForm(settings: TextingSettings, save: ServerAction<SaveTextingSettings>) -> impl IntoView {
    let org = use_org();
    let error = move |field: &'static str| {
        move || save.value().get().and_then(Result::err).and_then(|e| e.field_message(field))
    };
    let other_error = move || {
        save.value()
            .get()
            .and_then(Result::err)
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
            .map(|e| e.to_string())
    };
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    let field =
        move |label: &'static str, name: &'static str, value: String, kind: &'static str, hint: &'static str| {
            let id = format!("setting-{name}");
            let err_id = format!("{id}-error");
            let invalid = move || error(name)().is_some();
            view! {
                <div class="field">
                    <label for=id.clone()>{label}</label>
                    <input id=id name=name type=kind value=value
                        aria-invalid=move || invalid().then_some("true")
                        aria-describedby=err_id.clone()/>
                    {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
                    <p class="field-error" id=err_id role="alert">{error(name)}</p>
                </div>
            }
        };
    view! {
        <ActionForm action=save>
            <input type="hidden" name="org_id" value=org.org_id().to_string()/>
            <fieldset>
                <legend>"When texts may go out"</legend>
                {field("Window opens (contact's local time)", "window_start", settings.window.start_text(), "time", "")}
                {field("Window closes", "window_end", settings.window.end_text(), "time", "A contact in several possible zones gets only the hours open in all of them.")}
                {field("Default time zone", "default_time_zone", settings.default_time_zone.name().to_string(), "text", "Every time in the organization is shown in it, and the date-time pickers are read in it; for example America/Chicago.")}
            </fieldset>
            <fieldset>
                <legend>"Volunteers and numbers"</legend>
                {field("Batch size", "batch_size", settings.batch_size.to_string(), "number", "Contacts a volunteer gets each time they start or text again.")}
                {field("Preferred area codes", "preferred_area_codes",
                    settings.preferred_area_codes.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", "), "text",
                    "Sending numbers are bought in these area codes when available, separated by commas.")}
                {field("Country for numbers without a country code", "default_region", settings.default_region.as_str().to_string(), "text", "Two letters, such as US or CA.")}
                {field("Contact's first name when unknown", "contact_fallback_name", settings.contact_fallback_name.clone(), "text", "")}
                {field("Sender's first name when unknown", "sender_fallback_name", settings.sender_fallback_name.clone(), "text", "")}
                <div class="field checkbox">
                    <input id="setting-outbound_lock" type="checkbox" name="outbound_lock" checked=settings.outbound_lock/>
                    <label for="setting-outbound_lock">
                        {format!("Outbound Message Lock Protection: never text a number twice within {OUTBOUND_LOCK_HOURS} hours")}
                    </label>
                </div>
                <div class="field checkbox">
                    <input id="setting-disable_custom_responses" type="checkbox" name="disable_custom_responses" checked=settings.disable_custom_responses/>
                    <label for="setting-disable_custom_responses">"Disable custom responses: volunteers send scripts only"</label>
                </div>
            </fieldset>
            <fieldset>
                <legend>"Automatic replies"</legend>
                <div class="field">
                    <label for="setting-help_reply">"Answer to HELP"</label>
                    <textarea id="setting-help_reply" name="help_reply" rows="3" maxlength=crate::domain::text_limits::HELP_REPLY.max
                        aria-invalid=move || error("help_reply")().is_some().then_some("true")
                        aria-describedby="setting-help_reply-error">{settings.help_reply.clone()}</textarea>
                    <p class="hint">"Sent once to a contact who texts HELP, INFO or AYUDA. {organizationName} becomes your organization's name; leave empty for the default."</p>
                    <p class="field-error" id="setting-help_reply-error" role="alert">{error("help_reply")}</p>
                </div>
            </fieldset>
            <fieldset>
                <legend>"Prices for the cost estimate (dollars)"</legend>
                {field("SMS, per segment", "sms_price", micros_to_input(settings.sms_segment_price_micros), "text", "")}
                {field("MMS, per message", "mms_price", micros_to_input(settings.mms_price_micros), "text", "")}
                {field("Carrier fee, per segment or MMS", "carrier_fee", micros_to_input(settings.carrier_fee_micros), "text", "")}
                {field("Phone number, per month", "number_price", micros_to_input(settings.number_monthly_price_micros), "text", "")}
            </fieldset>
            {move || other_error().map(|m| view! { <Alert message=m/> })}
            {move || saved().then(|| view! { <p class="alert success" role="status">"Texting settings saved."</p> })}
            <button type="submit" class="primary" disabled=move || save.pending().get()>"Save texting settings"</button>
        </ActionForm>
    }
}

/// Settings → Data retention: a plain form (works before the bundle loads).
#[component]
pub fn RetentionCard() -> impl IntoView {
    use crate::api::retention::{get_retention, SaveRetention};
    use crate::domain::retention::{MAX_RETENTION_DAYS, MIN_RETENTION_DAYS};
    let org = use_org();
    let save = ServerAction::<SaveRetention>::new();
    let current = Resource::new(
        move || (org.id.get(), save.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_retention(id).await,
                None => Err(AppError::NotFound("There is no such organization.".into())),
            }
        },
    );
    let field_error = move || save.value().get().and_then(Result::err).map(|e| e.to_string());
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    view! {
        <section class="card" aria-labelledby="retention-heading">
            <h2 id="retention-heading">"Data retention"</h2>
            <p class="hint">"Delete the contacts, messages and reports of actions closed more than this many days ago. The actions' results stay, and opt-outs are kept forever: they are promises to the people who asked."</p>
            <Loaded>
                {move || Suspend::new(async move {
                    let days = current.await?;
                    Ok::<_, AppError>(view! {
                        <ActionForm action=save>
                            <input type="hidden" name="org_id" value=org.org_id().to_string()/>
                            <div class="field">
                                <label for="setting-retention_days">"Delete after (days)"</label>
                                <input id="setting-retention_days" name="retention_days" type="number"
                                    min=MIN_RETENTION_DAYS max=MAX_RETENTION_DAYS step="1"
                                    value=days.map(|d| d.to_string()).unwrap_or_default()
                                    aria-describedby="setting-retention_days-error"/>
                                <p class="hint">{format!("{MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days; leave empty to keep everything (the default).")}</p>
                                <p class="field-error" id="setting-retention_days-error" role="alert">{field_error}</p>
                            </div>
                            {move || saved().then(|| view! { <p class="alert success" role="status">"Retention saved."</p> })}
                            <button type="submit" class="primary" disabled=move || save.pending().get()>"Save retention"</button>
                        </ActionForm>
                    }.into_any())
                })}
            </Loaded>
        </section>
    }
}

/// The states' own texting hours: on unless an admin turns them off with an acknowledgement,
/// which is shown with who and when.
#[component]
pub fn StateRulesCard() -> impl IntoView {
    let org = use_org();
    let set = ServerAction::<SetStateRules>::new();
    let rules = Resource::new(
        move || (org.id.get(), set.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_state_rules(id).await,
                None => Err(AppError::NotFound("There is no such organization.".into())),
            }
        },
    );
    let error = move || set.value().get().and_then(Result::err).map(|e| e.to_string());
    view! {
        <section class="card" aria-labelledby="state-hours-heading">
            <h2 id="state-hours-heading">"State texting hours"</h2>
            <p class="hint">"Some states narrow the hours or days for texting people there (Florida 8 am–8 pm, Texas from noon on Sundays, Rhode Island not on Sundays or holidays, …). They apply on top of your window, in the contact's state from their ZIP code or area code."</p>
            <Loaded>
                {move || Suspend::new(async move {
                    let r = rules.await?;
                    Ok::<_, AppError>(view! {
                        <p data-testid="state-rules-status" role="status">
                            {if r.on { "State texting hours apply.".to_string() } else { "State texting hours are off.".to_string() }}
                        </p>
                        {r.acknowledgement.clone().map(|a| view! { <p data-testid="state-rules-acknowledgement">{a}"."</p> })}
                        <ActionForm action=set>
                            <input type="hidden" name="org_id" value=org.org_id().to_string()/>
                            <div class="field checkbox">
                                <input id="state-rules-on" type="checkbox" name="state_rules" checked=r.on/>
                                <label for="state-rules-on">"Apply the states' texting hours"</label>
                            </div>
                            <div class="field checkbox">
                                <input id="state-rules-acknowledge" type="checkbox" name="acknowledge"/>
                                <label for="state-rules-acknowledge">"I acknowledge that with state hours off, my organization is responsible for following each state's texting hours"</label>
                            </div>
                            <button type="submit" disabled=move || set.pending().get()>"Save state texting hours"</button>
                        </ActionForm>
                    }.into_any())
                })}
            </Loaded>
            {move || error().map(|m| view! { <Alert message=m/> })}
        </section>
    }
}
