//! The browser entry point: only hydration lives here; everything else is in `app`.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A marker end-to-end tests wait for, so they exercise the hydrated app rather than
    // racing the bundle (the no-JavaScript project covers the other path).
    let _ = js_sys::Reflect::set(&js_sys::global(), &"__hydrated".into(), &true.into());
}
