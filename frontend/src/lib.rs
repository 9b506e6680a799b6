//! The browser entry point: only hydration lives here; everything else is in `app`.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // What `leptos::mount::hydrate_lazy` does, with a marker set once hydration is done: a page
    // of the admin area first waits for its lazily loaded route chunks (leptos_router refuses
    // lazy routes under `hydrate_body`), so hydration ends after this function returns.
    // (`hydrate_from_async` sets up leptos' executor itself.)
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document().body().expect("the page has a <body>");
        leptos::mount::hydrate_from_async(body, app::App).await.forget();
        // A marker end-to-end tests wait for, so they exercise the hydrated app rather than
        // racing the bundle (the no-JavaScript project covers the other path).
        let _ = js_sys::Reflect::set(&js_sys::global(), &"__hydrated".into(), &true.into());
    });
}
