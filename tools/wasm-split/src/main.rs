//! Splits the app's wasm at its `#[lazy]` / `#[lazy_route]` points, as cargo-leptos `--split`
//! does: `p2p-wasm-split <input.wasm> <out-dir> <main-out.wasm> <main-js-name>`.
//!
//! Writes into `<out-dir>` one `.wasm` file per lazily loaded chunk, the loader
//! `__wasm_split.______________________.js` (the name leptos' `HydrationScripts` preloads), and
//! `__wasm_split_manifest.json` (split → chunks, read by the server to preload a lazy route's
//! chunks in its HTML); and the main module, still to go through wasm-bindgen, to
//! `<main-out.wasm>`. The chunks are written without custom sections (names).

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
        // The chunks go to the browser as they are (only the main module passes through
        // wasm-bindgen, which drops its names): without this each carries its function names,
        // more than half of its bytes.
        let bytes = std::fs::read(module)?;
        std::fs::write(module, without_custom_sections(&bytes).map_err(|e| format!("{}: {e}", module.display()))?)?;
        println!("{}", module.display());
    }
    Ok(())
}

/// The module without its custom sections (id 0: names, producers), which no engine needs to
/// run it. Section layout: WebAssembly core spec 5.5.2, "Sections" (an id byte, a u32 LEB128
/// size, the contents), after the 8-byte preamble.
fn without_custom_sections(wasm: &[u8]) -> Result<Vec<u8>, String> {
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
        return Err("not a wasm module".into());
    }
    let mut out = wasm[..8].to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        let (size, contents) = leb128_u32(wasm, at + 1)?;
        let end = contents.checked_add(size as usize).filter(|&end| end <= wasm.len()).ok_or("truncated section")?;
        if id != 0 {
            out.extend_from_slice(&wasm[at..end]);
        }
        at = end;
    }
    Ok(out)
}

/// A u32 LEB128 at `at`: its value and where what follows starts.
fn leb128_u32(bytes: &[u8], mut at: usize) -> Result<(u32, usize), String> {
    let mut value: u32 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at).ok_or("truncated size")?;
        at += 1;
        value |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((value, at));
        }
    }
    Err("bad section size".into())
}
