//! Splits the app's wasm at its `#[lazy]` / `#[lazy_route]` points, as cargo-leptos `--split`
//! does: `p2p-wasm-split <input.wasm> <out-dir> <main-out.wasm> <main-js-name>`.
//!
//! Writes into `<out-dir>` one `.wasm` file per lazily loaded chunk, the loader
//! `__wasm_split.______________________.js` (the name leptos' `HydrationScripts` preloads), and
//! `__wasm_split_manifest.json` (split → chunks, read by the server to preload a lazy route's
//! chunks in its HTML); and the main module, still to go through wasm-bindgen, to
//! `<main-out.wasm>`.

use std::path::Path;

const VERSION: &str = concat!("p2p-wasm-split ", env!("CARGO_PKG_VERSION"), " (wasm_split_cli_support 0.2.4)");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--version") {
        // scripts/lib.sh compares this line to decide whether to (re)install the tool.
        println!("{VERSION}");
        return Ok(());
    }
    let [input, out_dir, main_out, main_js] = args.as_slice() else {
        return Err("usage: p2p-wasm-split <input.wasm> <out-dir> <main-out.wasm> <main-js-name>".into());
    };
    let input_wasm = std::fs::read(input).map_err(|e| format!("{input}: {e}"))?;
    let out_dir = Path::new(out_dir);
    std::fs::create_dir_all(out_dir)?;
    // Relative to the loader, which sits next to the main module's JS.
    let main_module = format!("./{main_js}");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input_wasm);
        opts.output_dir = out_dir;
        opts.main_out_path = Path::new(main_out);
        opts.main_module = &main_module;
        // Leptos 0.8.23 hydration/mod.rs names the loader exactly so (22 underscores, where
        // cargo-leptos writes a hash when it hashes file names; our names are hashed by folder).
        opts.link_name = "./__wasm_split.______________________.js";
        opts
    })
    .map_err(|e| format!("splitting {input}: {e:?}"))?;
    // Sorted, so the same input gives the same bytes (the bundle's folder is named by a hash).
    let manifest: std::collections::BTreeMap<_, _> = split.prefetch_map.into_iter().collect();
    std::fs::write(out_dir.join("__wasm_split_manifest.json"), serde_json::to_string_pretty(&manifest)?)?;
    for module in &split.split_modules {
        println!("{}", module.display());
    }
    Ok(())
}
