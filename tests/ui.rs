//! Compile-time diagnostics of `flow!`, checked with trybuild.
//!
//! Every file in `tests/ui/fail/` is a small program with one mistake (the
//! file is named after it) and must fail to compile with exactly the errors
//! recorded next to it in `<name>.stderr`. Every file in `tests/ui/pass/` must
//! compile and run.
//!
//! The `.stderr` files are recorded on the toolchain pinned in
//! `rust-toolchain.toml` (1.95.0); another rustc may word or place
//! diagnostics differently. After changing a diagnostic, regenerate them with
//!
//! ```text
//! TRYBUILD=overwrite cargo test --test ui
//! ```
//!
//! and read every changed `.stderr` before committing: each must show the
//! intended error on the user's token, and nothing else.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
