//! Unit tests of the pipeline without a compiler run: checks and expansions as token text.

use quote::quote;

use crate::{check, expand, parse, Errors};

fn run(
    attr: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> Result<String, Vec<String>> {
    let mut errors = Errors::default();
    let decl: parse::Decl = syn::parse2(item).expect("item parses");
    let checked = parse::attr(attr, &mut errors).and_then(|a| check::check(a, &decl, &mut errors));
    if !errors.is_empty() {
        return Err(errors
            .0
            .into_iter()
            .flat_map(|e| e.into_iter().map(|e| e.to_string()))
            .collect());
    }
    Ok(expand::expand(&checked.expect("checked"), &decl).to_string())
}

#[test]
fn expansion_is_a_few_lines_through_lxc_core() {
    let out = run(
        quote!(get_config_item, ret = BufString, err = Neg),
        quote!(
            pub fn config_item(&self, key: &str) -> Result<String>;
        ),
    )
    .expect("valid declaration");
    assert!(out.contains("doc (alias = \"get_config_item\")"), "{out}");
    assert!(out.contains(":: lxc_core :: __private :: Call :: method (self , & :: lxc_core :: __private :: meta :: get_config_item) ?"), "{out}");
    assert!(
        out.contains(":: lxc_core :: __private :: class :: Str"),
        "{out}"
    );
    assert!(
        out.contains("__call . buf :: < :: lxc_core :: __private :: err :: Neg , String >"),
        "{out}"
    );
    assert!(
        out.contains("lxcrs_v1_get_config_item (__call . ptr ()"),
        "{out}"
    );
    assert!(
        out.contains("# Errors"),
        "an Errors section is generated: {out}"
    );
    // I-4: the expansion stays small.
    assert!(out.len() < 2000, "expansion grew to {} bytes", out.len());
}

#[test]
fn infallible_predicate_takes_no_result() {
    let out = run(
        quote!(is_defined, ret = Bool, err = Never),
        quote!(
            pub fn is_defined(&self) -> bool;
        ),
    )
    .unwrap();
    assert!(out.contains("method_unguarded"), "{out}");
    assert!(out.contains("run_infallible"), "{out}");
    assert!(
        !out.contains("doc (alias"),
        "no alias when the names match: {out}"
    );
}

#[test]
fn every_mistake_is_reported_at_once() {
    let errs = run(
        quote!(get_config_item, ret = String, err = NegOne),
        quote!(
            pub fn config_item(self, key: &str, extra: i32) -> String;
        ),
    )
    .unwrap_err();
    let all = errs.join("\n");
    assert!(all.contains("use `ret = BufString`"), "{all}");
    assert!(all.contains("use `err = Neg`"), "{all}");
    assert!(all.contains("must take `&self`"), "{all}");
    assert!(
        all.contains("takes 1 argument after the container"),
        "{all}"
    );
    assert!(all.contains("must return `Result<_>`"), "{all}");
    assert_eq!(errs.len(), 5, "{all}");
}

#[test]
fn unknown_member_gets_a_suggestion() {
    let errs = run(
        quote!(get_confg_item, ret = BufString, err = Neg),
        quote!(
            fn f(&self, k: &str) -> Result<String>;
        ),
    )
    .unwrap_err();
    assert_eq!(
        errs,
        ["`get_confg_item` is neither a method of `struct lxc_container` nor a liblxc function; did you mean `get_config_item`?"]
    );
}

#[test]
fn suggestions_are_close_or_absent() {
    let names = ["get_config_item", "set_config_item", "is_defined"];
    assert_eq!(
        check::suggest("is_defind", names.iter().copied()),
        Some("is_defined")
    );
    assert_eq!(
        check::suggest("completely_else", names.iter().copied()),
        None
    );
}
