//! `include/juno.h` must be exactly what cbindgen generates from this crate, and its
//! version macros must match `Cargo.toml`.
//!
//! Rewrite the header after changing the C API with:
//! `JUNO_UPDATE_HEADER=1 cargo test -j2 -p juno-ffi --test header`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn header_path() -> PathBuf {
    crate_dir().join("../include/juno.h")
}

/// The version macros, from `CARGO_PKG_VERSION`, so the header cannot disagree with
/// `Cargo.toml`.
fn version_macros() -> String {
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    let minor = env!("CARGO_PKG_VERSION_MINOR");
    let patch = env!("CARGO_PKG_VERSION_PATCH");
    // The ABI version the soname carries, as juno-ffi/build.rs derives it.
    let abi = env!("JUNO_ABI_VERSION");
    format!(
        "\n#define JUNO_VERSION_MAJOR {major}\n#define JUNO_VERSION_MINOR {minor}\n\
         #define JUNO_VERSION_PATCH {patch}\n#define JUNO_VERSION_STRING \"{VERSION}\"\n\
         /* The ABI version: the shared library's soname is libjuno.so.<this>. */\n\
         #define JUNO_ABI_VERSION \"{abi}\"\n"
    )
}

fn generate() -> String {
    let mut config = cbindgen::Config::from_file(crate_dir().join("cbindgen.toml")).unwrap();
    config.after_includes = Some(version_macros());
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir())
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn header_matches_the_source() {
    let generated = generate();
    let path = header_path();
    if std::env::var_os("JUNO_UPDATE_HEADER").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let first = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        panic!(
            "include/juno.h is out of date with juno-ffi/src (first difference at line {}).\n\
             committed: {:?}\ngenerated: {:?}\n\
             Regenerate it with: JUNO_UPDATE_HEADER=1 cargo test -j2 -p juno-ffi --test header",
            first + 1,
            committed.lines().nth(first),
            generated.lines().nth(first),
        );
    }
}

#[test]
fn version_macros_match_cargo_toml() {
    let header = std::fs::read_to_string(header_path()).unwrap();
    let macro_value = |name: &str| -> String {
        let prefix = format!("#define {name} ");
        let line = header
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("include/juno.h has no `{name}` macro"));
        line[prefix.len()..].trim().to_owned()
    };
    let mut parts = VERSION.split(['.', '-', '+']);
    for name in [
        "JUNO_VERSION_MAJOR",
        "JUNO_VERSION_MINOR",
        "JUNO_VERSION_PATCH",
    ] {
        assert_eq!(macro_value(name), parts.next().unwrap(), "{name}");
    }
    assert_eq!(macro_value("JUNO_VERSION_STRING"), format!("\"{VERSION}\""));
}
