//! `uniffi-bindgen`: generates the foreign bindings from the built library (library mode).
//! Built only with `--features bindgen`; see mobile-bridge/README.md.

fn main() {
    uniffi::uniffi_bindgen_main()
}
