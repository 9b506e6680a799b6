//! Data → Tags and Custom fields (plain forms: they work before, and without, the wasm bundle),
//! and the do-not-contact list (`do_not_contact.rs`).

use crate::api::data::{get_org_data, CreateDataItem, DataKind, DeleteDataItem, RenameDataItem};
use crate::error::AppError;
use crate::ui::common::{use_org, ErrorAlert, Loaded};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DataPage() -> impl IntoView {
    view! {
        <Title text="Data"/>
        <h1>"Data"</h1>
        <p class="hint">"Tags label conversations (\"Needs a ride\"); custom fields hold answers to open questions (\"Best time to call\"). Response scripts can apply them, and reports ask volunteers for them."</p>
        <DataCard kind=DataKind::Tag/>
        <DataCard kind=DataKind::Field/>
        <crate::ui::pages::do_not_contact::DoNotContactCard/>
    }
}

#[component]
fn DataCard(kind: DataKind) -> impl IntoView {
    let org = use_org();
    let create = ServerAction::<CreateDataItem>::new();
    let rename = ServerAction::<RenameDataItem>::new();
    let delete = ServerAction::<DeleteDataItem>::new();
    let data = Resource::new(
        move || (org.id.get(), create.version().get(), rename.version().get(), delete.version().get()),
        |(id, _, _, _)| async move {
            match id {
                Some(id) => get_org_data(id).await,
                None => Err(AppError::NotFound("There is no such organization.".into())),
            }
        },
    );
    let error = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| rename.value().get().and_then(Result::err))
            .or_else(|| delete.value().get().and_then(Result::err))
    });
    let (title, kind_value, new_label, heading_id) = match kind {
        DataKind::Tag => ("Tags", "tag", "New tag", "tags-heading"),
        DataKind::Field => ("Custom fields", "field", "New custom field", "fields-heading"),
    };
    let new_id = format!("new-{kind_value}");
    // After Add the box is empty again for the next one (the form stays mounted with JavaScript;
    // without it the page reloads empty anyway).
    let new_name = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) {
            if let Some(input) = new_name.get_untracked() {
                input.set_value("");
            }
        }
    });
    view! {
        <section class="card data-card" aria-labelledby=heading_id>
            <h2 id=heading_id>{title}</h2>
            <ErrorAlert error/>
            <ActionForm action=create>
                <input type="hidden" name="org_id" value=move || org.org_id().to_string()/>
                <input type="hidden" name="kind" value=kind_value/>
                <div class="field inline">
                    <label for=new_id.clone()>{new_label}</label>
                    <input id=new_id node_ref=new_name name="name" type="text" required=true maxlength="60"/>
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"Add"</button>
                </div>
            </ActionForm>
            <Loaded>
                {move || Suspend::new(async move {
                    let d = data.await?;
                    let items: Vec<(i64, String, bool)> = match kind {
                        DataKind::Tag => d.tags.into_iter().map(|t| (t.id, t.name, t.built_in)).collect(),
                        DataKind::Field => d.fields.into_iter().map(|f| (f.id, f.name, false)).collect(),
                    };
                    if items.is_empty() {
                        return Ok(view! { <p class="hint">"None yet."</p> }.into_any());
                    }
                    Ok::<_, AppError>(view! {
                        <ul class="plain-list data-items">
                            {items.into_iter().map(|(id, name, built_in)| {
                                let org_id = org.id.get_untracked().map(|i| i.to_string()).unwrap_or_default();
                                let input_id = format!("{kind_value}-{id}");
                                let (name_label, delete_label) = (format!("Name of {name}"), format!("Delete {name}"));
                                let rename_org_id = org_id.clone();
                                if built_in {
                                    return view! {
                                        <li class="row">
                                            <span>{name}</span>
                                            <span class="badge" title="Applied when someone opts out; cannot be renamed or deleted">"Built in"</span>
                                        </li>
                                    }.into_any();
                                }
                                view! {
                                    <li class="row">
                                        <ActionForm action=rename>
                                            <input type="hidden" name="org_id" value=rename_org_id/>
                                            <input type="hidden" name="kind" value=kind_value/>
                                            <input type="hidden" name="id" value=id.to_string()/>
                                            <label class="visually-hidden" for=input_id.clone()>{name_label}</label>
                                            <input id=input_id name="name" type="text" value=name.clone() prop:value=name required=true maxlength="60"/>
                                            <button type="submit">"Rename"</button>
                                        </ActionForm>
                                        <ActionForm action=delete>
                                            <input type="hidden" name="org_id" value=org_id/>
                                            <input type="hidden" name="kind" value=kind_value/>
                                            <input type="hidden" name="id" value=id.to_string()/>
                                            <button type="submit" class="link-button danger" aria-label=delete_label>"Delete"</button>
                                        </ActionForm>
                                    </li>
                                }.into_any()
                            }).collect_view()}
                        </ul>
                    }.into_any())
                })}
            </Loaded>
        </section>
    }
}
