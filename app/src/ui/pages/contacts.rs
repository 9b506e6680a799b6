//! Contacts: upload a CSV (preview, column mapping, live progress, summary with the rejected
//! rows), the lists, and one list's contacts.

use crate::api::contacts::{
    contact_lists, get_contact_page, CancelImport, DeleteContactList, ImportStatus, ImportSummary,
};
#[cfg(feature = "hydrate")]
use crate::api::contacts::{get_import_status, ImportState};
use crate::domain::csv_import::{ColumnMapping, ColumnRole, CsvError, Preview, TextEncoding};
use crate::error::AppError;
use crate::ui::common::{use_org, Alert, EmptyState, ErrorAlert, Loaded};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::{use_params_map, use_query_map},
};
use uuid::Uuid;

/// How much of the file the browser reads for the preview.
pub const PREVIEW_BYTES: usize = 64 * 1024;

#[component]
pub fn ContactsPage() -> impl IntoView {
    let org = use_org();
    let delete = ServerAction::<DeleteContactList>::new();
    // Bumped when an import finishes, so the list of lists shows the new one.
    let imported = RwSignal::new(0u32);
    let lists = Resource::new(
        move || (org.id.get(), delete.version().get(), imported.get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => contact_lists(id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let delete_error = Signal::derive(move || delete.value().get().and_then(Result::err));
    view! {
        <Title text="Contacts"/>
        <h1>"Contacts"</h1>
        <UploadCard on_done=move || imported.update(|n| *n += 1)/>
        <section class="card" aria-labelledby="lists-heading">
            <h2 id="lists-heading">"Contact lists"</h2>
            <ErrorAlert error=delete_error/>
            <Loaded>
                {move || Suspend::new(async move {
                    let zone = org.zone().await;
                    Ok::<_, AppError>(match lists.await? {
                        lists if lists.is_empty() => view! {
                            <EmptyState title="No contact lists yet">
                                <p>"Upload a CSV with a cell phone column to create your first list."</p>
                            </EmptyState>
                        }.into_any(),
                        lists => view! {
                            <div class="table-scroll">
                                <table class="lists">
                                    <thead><tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Contacts"</th>
                                        <th scope="col">"Created"</th>
                                        <th scope="col"><span class="visually-hidden">"Delete"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {lists.into_iter().map(|list| {
                                            let href = format!("/o/{}/admin/contacts/{}", org.org_id(), list.id);
                                            let delete_label = format!("Delete {}", list.name);
                                            view! {
                                                <tr>
                                                    <td><A href=href>{list.name.clone()}</A></td>
                                                    <td>{format_count(list.contact_count as u64)}</td>
                                                    <td>{zone.date_time(list.created_at)}</td>
                                                    <td>
                                                        <ActionForm action=delete>
                                                            <input type="hidden" name="org_id" value=org.org_id().to_string()/>
                                                            <input type="hidden" name="list_id" value=list.id.to_string()/>
                                                            <button type="submit" class="link-button danger"
                                                                aria-label=delete_label>"Delete"</button>
                                                        </ActionForm>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                    })
                })}
            </Loaded>
        </section>
    }
}

/// 1234567 → "1,234,567".
pub fn format_count(n: u64) -> String {
    crate::domain::wording::thousands(n)
}

/// Where an upload is in its life (only the browser moves it past `Choosing`).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Stage {
    Choosing,
    Importing { import_id: Uuid, status: Option<ImportStatus> },
    Finished { import_id: Uuid, list_id: Uuid, summary: ImportSummary },
    Failed(String),
}

#[component]
fn UploadCard(on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    #[cfg(not(feature = "hydrate"))]
    let _ = on_done;
    let org = use_org();
    let preview = RwSignal::new(None::<Result<Preview, CsvError>>);
    let mapping = RwSignal::new(None::<ColumnMapping>);
    let list_name = RwSignal::new(String::new());
    let encoding = RwSignal::new(TextEncoding::Utf8);
    let file_size = RwSignal::new(0u64);
    let stage = RwSignal::new(Stage::Choosing);
    let problem = RwSignal::new(None::<String>);
    let cancel = ServerAction::<CancelImport>::new();

    let mapping_error = move || mapping.get().and_then(|m| m.validate().err()).map(|e| e.to_string());
    let can_import = move || {
        matches!(preview.get(), Some(Ok(_)))
            && mapping_error().is_none()
            && matches!(stage.get(), Stage::Choosing | Stage::Failed(_))
    };
    let busy = move || matches!(stage.get(), Stage::Importing { .. });

    let on_file = move |ev: leptos::ev::Event| {
        let _ = &ev;
        #[cfg(feature = "hydrate")]
        browser::read_preview(ev, encoding, preview, mapping, list_name, file_size, stage);
    };
    let on_encoding = move |ev: leptos::ev::Event| {
        encoding.set(TextEncoding::parse(&event_target_value(&ev)).unwrap_or_default());
        #[cfg(feature = "hydrate")]
        browser::reread_preview(encoding, preview, mapping, file_size);
    };
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let (Some(mapping), Some(org_id)) = (mapping.get_untracked(), org.id.get_untracked()) else { return };
        let name = list_name.get_untracked();
        let enc = encoding.get_untracked();
        let _ = (&mapping, &name, &enc, org_id);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(browser::import(org_id, name, mapping, enc, stage, problem, on_done));
    };
    let estimated_rows = move || {
        // Rows in the preview tell the average row size, and so roughly how many rows the file has.
        match preview.get() {
            Some(Ok(p)) if !p.rows.is_empty() => {
                let sample: usize = p.rows.iter().map(|r| r.iter().map(|f| f.len() + 1).sum::<usize>()).sum();
                Some((file_size.get() as f64 / (sample as f64 / p.rows.len() as f64)).max(1.0) as u64)
            }
            _ => None,
        }
    };

    view! {
        <section class="card" aria-labelledby="upload-heading">
            <h2 id="upload-heading">"Upload a list"</h2>
            <noscript><p class="alert error">"Uploading a list needs JavaScript."</p></noscript>
            <form class="upload" on:submit=start>
                <div class="field">
                    <label for="csv-file">"CSV file"</label>
                    <input id="csv-file" type="file" accept=".csv,.txt,text/csv,text/plain" on:change=on_file disabled=busy
                        aria-describedby="csv-file-hint"/>
                    <p class="hint" id="csv-file-hint">"Up to 200 MB. One row per contact, with a header row; a cell phone column is required."</p>
                </div>
                <div class="field">
                    <label for="csv-encoding">"Text encoding"</label>
                    <select id="csv-encoding" on:change=on_encoding disabled=busy>
                        <option value="utf-8" selected=move || encoding.get() == TextEncoding::Utf8>"UTF-8 (most files)"</option>
                        <option value="windows-1252" selected=move || encoding.get() == TextEncoding::Windows1252>"Windows-1252 / Latin-1 (older Excel)"</option>
                    </select>
                </div>
                {move || match preview.get() {
                    None => ().into_any(),
                    Some(Err(error)) => view! { <Alert message=error.to_string()/> }.into_any(),
                    Some(Ok(p)) => view! {
                        <div class="field">
                            <label for="list-name">"List name"</label>
                            <input id="list-name" type="text" required prop:value=move || list_name.get()
                                on:input=move |ev| list_name.set(event_target_value(&ev))/>
                        </div>
                        <MappingTable preview=p mapping/>
                    }.into_any(),
                }}
                {move || mapping_error().filter(|_| matches!(preview.get(), Some(Ok(_)))).map(|message| view! {
                    <Alert message=message/>
                })}
                {move || problem.get().map(|message| view! { <Alert message=message/> })}
                <button type="submit" class="primary" disabled=move || !can_import()>"Import"</button>
            </form>
            {move || match stage.get() {
                Stage::Choosing => ().into_any(),
                Stage::Importing { import_id, status } => {
                    let read = status.as_ref().map(|s| s.rows_read).unwrap_or(0);
                    let stored = status.as_ref().map(|s| s.rows_stored).unwrap_or(0);
                    let total = estimated_rows().unwrap_or(read.max(1)).max(read);
                    view! {
                        <div class="import-progress" role="status" aria-live="polite">
                            <label for="import-progress-bar">"Importing…"</label>
                            <progress id="import-progress-bar" max=total.to_string() value=read.to_string()></progress>
                            <p>{format!("{} rows read · {} stored", format_count(read), format_count(stored))}</p>
                            <ActionForm action=cancel>
                                <input type="hidden" name="org_id" value=org.org_id().to_string()/>
                                <input type="hidden" name="import_id" value=import_id.to_string()/>
                                <button type="submit" class="danger">"Cancel import"</button>
                            </ActionForm>
                        </div>
                    }.into_any()
                }
                Stage::Finished { import_id, list_id, summary } => view! {
                    <ImportReport org_id=org.org_id() import_id list_id summary/>
                }.into_any(),
                Stage::Failed(message) => view! { <Alert message=message/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn MappingTable(preview: Preview, mapping: RwSignal<Option<ColumnMapping>>) -> impl IntoView {
    let headers = preview.headers.clone();
    view! {
        <div class="table-scroll">
            <table class="mapping">
                <caption>"Check what each column is. First rows of the file:"</caption>
                <thead>
                    <tr>{headers.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect_view()}</tr>
                    <tr>
                        {headers.iter().cloned().enumerate().map(|(i, header)| {
                            let select_id = format!("map-{i}");
                            let name_id = format!("map-name-{i}");
                            let role = move || mapping.with(|m| m.as_ref().and_then(|m| m.columns.get(i)).map(|c| c.role));
                            view! {
                                <td class="mapping-cell">
                                    <label class="visually-hidden" for=select_id.clone()>{format!("Column \"{header}\" is")}</label>
                                    <select id=select_id on:change=move |ev| {
                                        let value = event_target_value(&ev);
                                        mapping.update(|m| if let Some(c) = m.as_mut().and_then(|m| m.columns.get_mut(i)) {
                                            c.role = ColumnRole::parse(&value).unwrap_or(ColumnRole::Ignore);
                                            if c.role == ColumnRole::Custom && c.custom_name.is_empty() {
                                                c.custom_name = crate::domain::csv_import::field_name(&c.header);
                                            }
                                        });
                                    }>
                                        {ColumnRole::ALL.into_iter().map(|r| view! {
                                            <option value=r.as_str() selected=move || role() == Some(r)>{r.label()}</option>
                                        }).collect_view()}
                                    </select>
                                    <Show when=move || role() == Some(ColumnRole::Custom)>
                                        <label class="visually-hidden" for=name_id.clone()>{format!("Custom field name for \"{header}\"")}</label>
                                        <input id=name_id.clone() type="text" class="custom-name"
                                            prop:value=move || mapping.with(|m| m.as_ref().and_then(|m| m.columns.get(i)).map(|c| c.custom_name.clone()).unwrap_or_default())
                                            on:input=move |ev| {
                                                let value = event_target_value(&ev);
                                                mapping.update(|m| if let Some(c) = m.as_mut().and_then(|m| m.columns.get_mut(i)) {
                                                    c.custom_name = value;
                                                });
                                            }/>
                                    </Show>
                                </td>
                            }
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {preview.rows.into_iter().take(5).map(|row| view! {
                        <tr>{row.into_iter().map(|f| view! { <td>{f}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn ImportReport(org_id: Uuid, import_id: Uuid, list_id: Uuid, summary: ImportSummary) -> impl IntoView {
    let rejected = summary.rejected();
    let line = |label: &'static str, n: u64| (n > 0).then(|| view! { <dt>{label}</dt><dd>{format_count(n)}</dd> });
    view! {
        <div class="import-report" role="status">
            <p class="alert success">{format!("Imported {} of {} rows.", format_count(summary.imported), format_count(summary.rows))}</p>
            <dl class="facts">
                <dt>"Imported"</dt><dd>{format_count(summary.imported)}</dd>
                {line("Duplicates dropped (the last row with a number wins)", summary.duplicates)}
                {line("Invalid numbers", summary.invalid_numbers)}
                {line("Missing numbers", summary.missing_numbers)}
                {line("On the do-not-contact list (left out)", summary.do_not_contact)}
                {line("Opted-out numbers left out", summary.opted_out)}
                {line("Unknown assigned volunteers", summary.unknown_assignees)}
            </dl>
            <p class="button-row">
                <A href=format!("/o/{org_id}/admin/contacts/{list_id}") attr:class="button primary">"View the list"</A>
                {(rejected > 0).then(|| view! {
                    <a class="button" href=format!("/api/imports/{import_id}/rejects.csv") download="">
                        {format!("Download the {} rejected rows", format_count(rejected))}
                    </a>
                })}
            </p>
        </div>
    }
}

/// Browser-only parts: reading the file, streaming it up, following the import.
#[cfg(feature = "hydrate")]
mod browser {
    use super::*;
    use crate::api::contacts::start_import;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    fn selected_file() -> Option<web_sys::File> {
        let input = document().get_element_by_id("csv-file")?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
        input.files()?.get(0)
    }

    async fn read_head(file: &web_sys::File) -> Option<(Vec<u8>, bool)> {
        let size = file.size();
        let end = size.min(PREVIEW_BYTES as f64);
        let blob = file.slice_with_f64_and_f64(0.0, end).ok()?;
        let buffer = JsFuture::from(blob.array_buffer()).await.ok()?;
        Some((js_sys::Uint8Array::new(&buffer).to_vec(), end >= size))
    }

    pub fn read_preview(
        _ev: leptos::ev::Event,
        encoding: RwSignal<TextEncoding>,
        preview: RwSignal<Option<Result<Preview, CsvError>>>,
        mapping: RwSignal<Option<ColumnMapping>>,
        list_name: RwSignal<String>,
        file_size: RwSignal<u64>,
        stage: RwSignal<Stage>,
    ) {
        stage.set(Stage::Choosing);
        let Some(file) = selected_file() else { return };
        let name = file.name();
        list_name.set(name.trim_end_matches(".csv").trim_end_matches(".CSV").trim_end_matches(".txt").to_string());
        file_size.set(file.size() as u64);
        reread_preview(encoding, preview, mapping, file_size);
    }

    pub fn reread_preview(
        encoding: RwSignal<TextEncoding>,
        preview: RwSignal<Option<Result<Preview, CsvError>>>,
        mapping: RwSignal<Option<ColumnMapping>>,
        _file_size: RwSignal<u64>,
    ) {
        let Some(file) = selected_file() else { return };
        leptos::task::spawn_local(async move {
            let Some((head, complete)) = read_head(&file).await else {
                preview.set(Some(Err(CsvError::Empty)));
                return;
            };
            let result = crate::domain::csv_import::preview(&head, encoding.get_untracked(), 20, complete);
            let result = match result {
                // No complete line in the first 64 KB: the header itself is too long to be real.
                Ok(p) if p.rows.is_empty() && !complete => Err(CsvError::RowTooLong { row: 2 }),
                other => other,
            };
            mapping.set(result.as_ref().ok().map(|p| ColumnMapping::detect(&p.headers)));
            preview.set(Some(result));
        });
    }

    /// Registers the import, streams the file to it while polling its progress, and shows
    /// the outcome.
    pub async fn import(
        org_id: Uuid,
        name: String,
        mapping: ColumnMapping,
        encoding: TextEncoding,
        stage: RwSignal<Stage>,
        problem: RwSignal<Option<String>>,
        on_done: impl Fn() + Copy + 'static,
    ) {
        let Some(file) = selected_file() else { return };
        let mapping_json = serde_json::to_string(&mapping).unwrap_or_default();
        let import_id = match start_import(org_id, name, mapping_json, encoding.as_str().to_string()).await {
            Ok(id) => id,
            Err(e) => {
                problem.set(Some(e.to_string()));
                return;
            }
        };
        stage.set(Stage::Importing { import_id, status: None });
        leptos::task::spawn_local(follow(org_id, import_id, stage));
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&file);
        let url = format!("/api/imports/{import_id}/upload");
        let outcome = match JsFuture::from(window().fetch_with_str_and_init(&url, &init)).await {
            Ok(response) => {
                let response: web_sys::Response = response.unchecked_into();
                let body = match response.json() {
                    Ok(promise) => JsFuture::from(promise).await.ok(),
                    Err(_) => None,
                };
                let body: Option<serde_json::Value> = body.and_then(|b| serde_wasm_value(&b));
                match (response.ok(), body) {
                    (true, Some(body)) => serde_json::from_value::<ImportSummary>(body["summary"].clone())
                        .ok()
                        .zip(body["list_id"].as_str().and_then(|s| Uuid::parse_str(s).ok()))
                        .map(|(summary, list_id)| Stage::Finished { import_id, list_id, summary }),
                    (false, Some(body)) => {
                        Some(Stage::Failed(body["error"].as_str().unwrap_or("The import failed.").to_string()))
                    }
                    _ => None,
                }
            }
            Err(_) => None,
        };
        // Without an answer (connection lost), the import's own record says how it ended.
        let final_stage = match outcome {
            Some(stage) => stage,
            None => match get_import_status(org_id, import_id).await {
                Ok(ImportStatus {
                    state: ImportState::Done, list_id: Some(list_id), summary: Some(summary), ..
                }) => Stage::Finished { import_id, list_id, summary },
                Ok(status) => Stage::Failed(
                    status.error.unwrap_or_else(|| "The upload was interrupted. Nothing was imported.".into()),
                ),
                Err(e) => Stage::Failed(e.to_string()),
            },
        };
        if matches!(final_stage, Stage::Finished { .. }) {
            on_done();
        }
        stage.set(final_stage);
    }

    fn serde_wasm_value(value: &wasm_bindgen::JsValue) -> Option<serde_json::Value> {
        let text = js_sys::JSON::stringify(value).ok()?.as_string()?;
        serde_json::from_str(&text).ok()
    }

    /// Polls the import's progress while the upload runs.
    async fn follow(org_id: Uuid, import_id: Uuid, stage: RwSignal<Stage>) {
        loop {
            gloo_timers::future::TimeoutFuture::new(400).await;
            let still_importing =
                matches!(stage.get_untracked(), Stage::Importing { import_id: id, .. } if id == import_id);
            if !still_importing {
                return;
            }
            if let Ok(status) = get_import_status(org_id, import_id).await {
                let finished = status.state.is_finished();
                if matches!(stage.get_untracked(), Stage::Importing { .. }) {
                    stage.set(Stage::Importing { import_id, status: Some(status) });
                }
                if finished {
                    return;
                }
            }
        }
    }
}

#[component]
pub fn ContactListPage() -> impl IntoView {
    let org = use_org();
    let params = use_params_map();
    let query = use_query_map();
    let list_id = move || params.read().get("list_id").and_then(|raw| Uuid::parse_str(&raw).ok());
    let search = move || query.read().get("q").unwrap_or_default();
    let page_number = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
    let page = Resource::new(
        move || (org.id.get(), list_id(), page_number(), search()),
        |(org_id, list_id, page, search)| async move {
            match (org_id, list_id) {
                (Some(org_id), Some(list_id)) => get_contact_page(org_id, list_id, page, search).await,
                _ => Err(AppError::NotFound("That contact list does not exist.".into())),
            }
        },
    );
    view! {
        <Title text="Contact list"/>
        <p><A href=move || format!("/o/{}/admin/contacts", org.org_id())>"← All lists"</A></p>
        <Loaded>
            {move || Suspend::new(async move {
                let p = page.await?;
                Ok::<_, AppError>({
                    let pages = ((p.matching as u32).div_ceil(p.page_size)).max(1);
                    let custom = p.list.custom_fields.clone();
                    let link = move |n: u32| {
                        let q = search();
                        if q.is_empty() { format!("?page={n}") } else { format!("?page={n}&q={}", crate::ui::common::encode(&q)) }
                    };
                    view! {
                        <h1>{p.list.name.clone()}</h1>
                        <p>{crate::domain::wording::plural(p.list.contact_count as i64, "contact", "contacts")}</p>
                        <Form method="GET" action="">
                            <div class="field inline">
                                <label for="contact-search">"Search"</label>
                                <input id="contact-search" type="search" name="q" value=search()
                                    placeholder="Name, number, e-mail or ID"/>
                                <button type="submit">"Search"</button>
                            </div>
                        </Form>
                        <p class="hint">{format!("{} matching · page {} of {}", format_count(p.matching as u64), p.page + 1, pages)}</p>
                        <div class="table-scroll">
                            <table class="contacts">
                                <thead><tr>
                                    <th scope="col">"Name"</th><th scope="col">"Cell"</th><th scope="col">"ZIP"</th>
                                    <th scope="col">"Time zone"</th><th scope="col">"Assigned to"</th>
                                    {custom.iter().map(|c| view! { <th scope="col">{c.clone()}</th> }).collect_view()}
                                </tr></thead>
                                <tbody>
                                    {p.contacts.into_iter().map(|c| {
                                        let values: Vec<String> = custom.iter()
                                            .map(|name| c.custom.get(name).and_then(|v| v.as_str()).unwrap_or("").to_string())
                                            .collect();
                                        view! {
                                            <tr>
                                                <td>{format!("{} {}", c.first_name, c.last_name)}</td>
                                                <td>{c.phone.clone()}</td>
                                                <td>{c.zip.clone().unwrap_or_default()}</td>
                                                <td>{if c.time_zones.is_empty() { "unknown".to_string() } else { c.time_zones.join(", ") }}</td>
                                                <td>{c.assigned_to.clone().unwrap_or_default()}</td>
                                                {values.into_iter().map(|v| view! { <td>{v}</td> }).collect_view()}
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <nav class="pager" aria-label="Pages">
                            {(p.page > 0).then(|| view! { <A href=link(p.page - 1)>"← Previous"</A> })}
                            {(p.page + 1 < pages).then(|| view! { <A href=link(p.page + 1)>"Next →"</A> })}
                        </nav>
                    }.into_any()
                })
            })}
        </Loaded>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(super::format_count(0), "0");
        assert_eq!(super::format_count(999), "999");
        assert_eq!(super::format_count(1_000), "1,000");
        assert_eq!(super::format_count(1_234_567), "1,234,567");
    }
}
