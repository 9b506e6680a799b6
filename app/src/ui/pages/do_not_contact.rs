//! Data → Do-not-contact list: upload numbers that must never be texted (a list brought from
//! Spoke, ThruText or another account) and download every opt-out of the organization. The
//! upload streams the file as the contact import does, so it needs JavaScript; the download is a
//! plain link.

use crate::domain::csv_import::TextEncoding;
use crate::domain::do_not_contact::DoNotContactSummary;
use crate::ui::common::{use_org, Alert};
use leptos::prelude::*;

/// Where the upload is.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Upload {
    Idle,
    Sending,
    Done(DoNotContactSummary),
    Failed(String),
}

#[component]
pub fn DoNotContactCard() -> impl IntoView {
    let org = use_org();
    let encoding = RwSignal::new(TextEncoding::Utf8);
    let upload = RwSignal::new(Upload::Idle);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        if let Some(org_id) = org.id.get_untracked() {
            upload.set(Upload::Sending);
            leptos::task::spawn_local(browser::send(org_id, encoding.get_untracked(), upload));
        }
    };
    let export_href = move || format!("/api/orgs/{}/opt-outs.csv", org.org_id());
    view! {
        <section class="card" aria-labelledby="dnc-heading">
            <h2 id="dnc-heading">"Do-not-contact list"</h2>
            <p class="hint">"Numbers in this file are opted out of every text from your organization, for good, and left out of every contact list you import afterwards. A CSV with a header row and a cell phone column (\"cell\", \"phone\", \"mobile\"…), as for contact lists. One unreadable number rejects the whole file."</p>
            <form class="dnc-upload" on:submit=on_submit>
                <div class="field">
                    <label for="dnc-file">"CSV file"</label>
                    <input id="dnc-file" type="file" accept=".csv,.txt,text/csv" required=true/>
                </div>
                <div class="field">
                    <label for="dnc-encoding">"Text encoding"</label>
                    <select id="dnc-encoding" on:change=move |ev| encoding.set(TextEncoding::parse(&event_target_value(&ev)).unwrap_or_default())>
                        <option value="utf-8" selected=true>"UTF-8 (most files)"</option>
                        <option value="windows-1252">"Windows-1252 / Latin-1 (older Excel)"</option>
                    </select>
                </div>
                <button type="submit" class="primary" disabled=move || upload.get() == Upload::Sending>"Upload do-not-contact list"</button>
            </form>
            {move || match upload.get() {
                Upload::Idle => ().into_any(),
                Upload::Sending => view! { <p class="loading" role="status">"Uploading…"</p> }.into_any(),
                Upload::Done(s) => view! {
                    <p class="alert success" role="status">{format!(
                        "Read {}: {} added to the do-not-contact list, {} already on it.",
                        crate::domain::wording::plural(s.rows as i64, "row", "rows"),
                        crate::domain::wording::plural(s.added as i64, "number", "numbers"),
                        crate::domain::wording::thousands(s.already),
                    )}</p>
                }.into_any(),
                Upload::Failed(message) => view! { <Alert message=message/> }.into_any(),
            }}
            <p><a class="button secondary" href=export_href download="">"Download every opt-out (CSV)"</a></p>
            <p class="hint">"Every number that asked not to be texted: when (in your organization's time zone), how (keyword, phrase, carrier 21610, volunteer, import), and who recorded it and why."</p>
        </section>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::*;
    use uuid::Uuid;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    pub async fn send(org_id: Uuid, encoding: TextEncoding, upload: RwSignal<Upload>) {
        let file = document()
            .get_element_by_id("dnc-file")
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0));
        let Some(file) = file else {
            upload.set(Upload::Failed("Choose a CSV file first.".into()));
            return;
        };
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&file);
        let url = format!("/api/orgs/{org_id}/do-not-contact?encoding={}", encoding.as_str());
        let outcome = async {
            let response: web_sys::Response =
                JsFuture::from(window().fetch_with_str_and_init(&url, &init)).await.ok()?.unchecked_into();
            let text = JsFuture::from(response.text().ok()?).await.ok()?.as_string()?;
            let body: serde_json::Value = serde_json::from_str(&text).ok()?;
            Some(if response.ok() {
                serde_json::from_value::<DoNotContactSummary>(body["summary"].clone())
                    .map(Upload::Done)
                    .unwrap_or_else(|_| Upload::Failed("The server's answer could not be read.".into()))
            } else {
                Upload::Failed(body["error"].as_str().unwrap_or("The upload failed. Nothing was imported.").to_string())
            })
        };
        upload.set(
            outcome.await.unwrap_or_else(|| {
                Upload::Failed("The upload was interrupted. Nothing was imported; try again.".into())
            }),
        );
    }
}
