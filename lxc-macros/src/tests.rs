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
fn expansion_is_a_few_lines_through_the_facade() {
    let out = run(
        quote!(get_config_item),
        quote!(
            pub fn config_item(&self, key: &str) -> Result<String>;
        ),
    )
    .expect("the member's name alone is a complete declaration");
    assert!(out.contains("doc (alias = \"get_config_item\")"), "{out}");
    assert!(out.contains(":: liblxc :: __private :: v1 :: Call :: method (self , & :: liblxc :: __private :: v1 :: meta :: get_config_item) ?"), "{out}");
    assert!(
        out.contains(":: liblxc :: __private :: v1 :: class :: Str"),
        "{out}"
    );
    // The table supplies the protocol (the buffer protocol) and the convention (`Neg`).
    assert!(
        out.contains("__call . buf :: < :: liblxc :: __private :: v1 :: err :: Neg , String >"),
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
    assert!(!out.contains("lxc_core"), "only the facade's path: {out}");
    // I-4: the expansion stays small (its generated docs aside).
    let code = &out[out.find("# [inline]").expect("the function")..];
    assert!(code.len() < 1800, "expansion grew to {} bytes", code.len());
}

#[test]
fn repeated_options_that_agree_are_accepted() {
    let out = run(
        quote!(get_config_item, ret = String, err = Neg),
        quote!(
            pub fn config_item(&self, key: &str) -> Result<String>;
        ),
    );
    assert!(out.is_ok(), "{out:?}");
    let out = run(
        quote!(set_timeout, since = "6.0.0"),
        quote!(
            pub fn set_timeout(&self, seconds: i32) -> Result<()>;
        ),
    );
    assert!(out.is_ok(), "{out:?}");
}

#[test]
fn the_form_users_meet_first_fails_only_on_err() {
    let errs = run(
        quote!(get_config_item, ret = String, err = NegOne),
        quote!(
            pub fn config_item(&self, key: &str) -> Result<String>;
        ),
    )
    .unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains("`err = NegOne` does not match how `get_config_item` fails"),
        "{errs:?}"
    );
    assert!(errs[0].contains("-22"), "{errs:?}");
    assert!(errs[0].contains("use `err = Neg`"), "{errs:?}");
}

#[test]
fn a_pre_function_runs_before_the_call() {
    let out = run(
        quote!(set_config_item, pre = check_value),
        quote!(
            pub fn set_config_item(&self, key: &str, value: &str) -> Result<()>;
        ),
    )
    .unwrap();
    let pre = out
        .find("let __pre = check_value (self , key , value) ?")
        .expect(&out);
    let call = out.find("Call :: method").expect(&out);
    assert!(pre < call, "{out}");
}

#[test]
fn the_contract_is_documented() {
    let out = run(
        quote!(stop),
        quote!(
            pub fn stop(&self) -> Result<()>;
        ),
    )
    .unwrap();
    assert!(out.contains("# Contract"), "{out}");
    assert!(out.contains("checked before liblxc is called"), "{out}");
    assert!(out.contains("checked to have stopped"), "{out}");
}

#[test]
fn infallible_predicate_takes_no_result() {
    let out = run(
        quote!(is_defined),
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
        quote!(get_config_item, ret = PathBuf, err = NegOne),
        quote!(
            pub fn config_item(self, key: &str, extra: i32) -> String;
        ),
    )
    .unwrap_err();
    let all = errs.join("\n");
    assert!(
        all.contains("`ret = PathBuf` does not match the return type"),
        "{all}"
    );
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
fn every_row_is_consistent() {
    use lxc_api::{CRet, Class, Err, Proto, MEMBERS};
    for m in MEMBERS {
        let c = CRet::of(m.c_ret);
        let has_buf = m.args.iter().any(|a| a.class == Class::BufPtr);
        let proto_fits = match m.proto {
            Proto::Body => true,
            Proto::BufString => has_buf && c == CRet::Int,
            _ if has_buf => false,
            Proto::Unit => matches!(c, CRet::Void | CRet::Bool | CRet::Int),
            Proto::Bool => c == CRet::Bool,
            Proto::Int | Proto::OwnedFd | Proto::BorrowedFd => c == CRet::Int,
            Proto::Pid => c == CRet::Pid,
            Proto::StaticStr => c == CRet::ConstStr,
            Proto::MallocStr => c == CRet::MallocStr,
            Proto::StrVec => c == CRet::StrVec,
            Proto::Container => c == CRet::Container,
            Proto::Listing => c == CRet::Int,
        };
        assert!(
            proto_fits,
            "{}: {:?} cannot be read from `{}`",
            m.name, m.proto, m.c_ret
        );
        let err_fits = match m.err {
            Err::Never => true,
            Err::False => c == CRet::Bool || m.name == "lxc_container_get",
            Err::Null | Err::NullIsEmpty => c.is_pointer(),
            _ => matches!(c, CRet::Int | CRet::Pid),
        };
        assert!(
            err_fits,
            "{}: {:?} cannot judge `{}`",
            m.name, m.err, m.c_ret
        );
        assert!(
            !(m.proto == Proto::Bool && m.err == Err::False),
            "{}: with `False`, a `Bool` would always be true",
            m.name
        );
        let raw = m.args.iter().any(|a| a.class == Class::Raw);
        assert!(
            !raw || m.proto == Proto::Body,
            "{}: a raw argument needs a body",
            m.name
        );
    }
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
