//! Gives the shared library a soname carrying its ABI version, so that a program linked
//! against one ABI never loads an incompatible one: `libjuno.so.0.1` while the version is
//! 0.x (where a minor release may break the ABI, as Cargo's semver rules read 0.x), and
//! `libjuno.so.<major>` from 1.0 (the convention cargo-c follows).

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let abi = if major == "0" {
        format!("0.{minor}")
    } else {
        major
    };
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "freebsd" || os == "android" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libjuno.so.{abi}");
    }
    // The one place the rule lives: the header's `JUNO_ABI_VERSION` and the ABI record's
    // check (tests/header.rs, tests/abi.rs) read it from here.
    println!("cargo:rustc-env=JUNO_ABI_VERSION={abi}");
    println!("cargo:rerun-if-changed=build.rs");
}
