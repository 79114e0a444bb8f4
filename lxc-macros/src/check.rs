//! Checks a parsed declaration against the API table. Every mistake is added to the accumulator, so a
//! build reports all of them at once, each on the token at fault.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, Pat, ReturnType, Type};

use crate::parse::Decl;

use crate::parse::{self, Attr, KindName, ERR, RET};
use crate::table::{self, CRet, Class, Err, Kind, Member};

/// The closed set of `ret =` kinds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ret {
    Unit,
    Bool,
    Int,
    Pid,
    OwnedFd,
    BorrowedFd,
    StaticStr,
    String,
    BufString,
    StrVec,
    Container,
    WaitStatus,
    Manual,
}

pub const RET_KINDS: &[(&str, Ret)] = &[
    ("Unit", Ret::Unit),
    ("Bool", Ret::Bool),
    ("Int", Ret::Int),
    ("Pid", Ret::Pid),
    ("OwnedFd", Ret::OwnedFd),
    ("BorrowedFd", Ret::BorrowedFd),
    ("StaticStr", Ret::StaticStr),
    ("String", Ret::String),
    ("BufString", Ret::BufString),
    ("StrVec", Ret::StrVec),
    ("Container", Ret::Container),
    ("WaitStatus", Ret::WaitStatus),
    ("Manual", Ret::Manual),
];

pub const ERR_KINDS: &[(&str, Err)] = &[
    ("Never", Err::Never),
    ("False", Err::False),
    ("Null", Err::Null),
    ("NullIsEmpty", Err::NullIsEmpty),
    ("NegOne", Err::NegOne),
    ("Neg", Err::Neg),
    ("NegErrno", Err::NegErrno),
    ("NonZero", Err::NonZero),
];

pub fn err_name(e: Err) -> &'static str {
    ERR_KINDS
        .iter()
        .find(|(_, k)| *k == e)
        .map(|(n, _)| *n)
        .unwrap_or("?")
}

pub fn ret_name(r: Ret) -> &'static str {
    RET_KINDS
        .iter()
        .find(|(_, k)| *k == r)
        .map(|(n, _)| *n)
        .unwrap_or("?")
}

/// One Rust argument, paired with the C argument it lowers to.
pub struct Param {
    pub ident: syn::Ident,
    pub ty: Type,
    pub class: Class,
}

/// A declaration that passed every check.
pub struct Checked {
    pub member: &'static Member,
    pub ret: Ret,
    pub err: Err,
    pub params: Vec<Param>,
    /// The `T` of `Result<T>`, or the whole return type when the member cannot fail.
    pub out: Type,
    pub returns_result: bool,
    pub guarded: bool,
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate, if it is close enough to be what was meant.
pub fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (levenshtein(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn err_at(errors: &mut crate::Errors, span: Span, msg: String) {
    errors.at(span, msg);
}

/// Which C return shapes a `ret` kind can lift.
fn ret_fits(ret: Ret, c: CRet, m: &Member) -> bool {
    let has_buf = m.args.iter().any(|a| a.class == Class::BufPtr);
    match ret {
        Ret::Manual => true,
        Ret::BufString => has_buf && c == CRet::Int,
        _ if has_buf => false,
        Ret::Unit => matches!(c, CRet::Void | CRet::Bool | CRet::Int),
        Ret::Bool => c == CRet::Bool,
        Ret::Int | Ret::OwnedFd | Ret::BorrowedFd | Ret::WaitStatus => c == CRet::Int,
        Ret::Pid => c == CRet::Pid,
        Ret::StaticStr => c == CRet::ConstStr,
        Ret::String => c == CRet::MallocStr,
        Ret::StrVec => c == CRet::StrVec,
        Ret::Container => c == CRet::Container,
    }
}

fn ret_needs(ret: Ret) -> &'static str {
    match ret {
        Ret::Unit => "a `bool`, `int` or `void` status",
        Ret::Bool => "a `bool` predicate",
        Ret::Int | Ret::OwnedFd | Ret::BorrowedFd | Ret::WaitStatus => "an `int`",
        Ret::Pid => "a `pid_t`",
        Ret::StaticStr => "a `const char *` that liblxc keeps",
        Ret::String => "a malloc'd `char *`",
        Ret::BufString => "an `int` length and a caller buffer (`char *retv, int inlen`)",
        Ret::StrVec => "a NULL-terminated `char **`",
        Ret::Container => "a `struct lxc_container *`",
        Ret::Manual => "anything",
    }
}

fn c_ret_words(m: &Member) -> String {
    let has_buf = m.args.iter().any(|a| a.class == Class::BufPtr);
    if has_buf {
        format!("`{}` and fills a caller buffer", m.c_ret)
    } else {
        format!("`{}`", m.c_ret)
    }
}

/// The kinds that fit a member, for "use ..." hints.
fn fitting_rets(m: &Member) -> String {
    let c = CRet::of(m.c_ret);
    let fits: Vec<String> = RET_KINDS
        .iter()
        .filter(|(_, r)| *r != Ret::Manual && ret_fits(*r, c, m))
        .map(|(n, _)| format!("`ret = {n}`"))
        .collect();
    if fits.is_empty() {
        "`ret = Manual`".into()
    } else {
        fits.join(" or ")
    }
}

fn err_fits(err: Err, c: CRet, m: &Member) -> bool {
    match err {
        Err::Never => true,
        Err::False => c == CRet::Bool || (c == CRet::Int && m.name == "lxc_container_get"),
        Err::Null | Err::NullIsEmpty => c.is_pointer(),
        Err::NegOne | Err::Neg | Err::NegErrno | Err::NonZero => matches!(c, CRet::Int | CRet::Pid),
    }
}

fn err_needs(err: Err) -> &'static str {
    match err {
        Err::Never => "any member",
        Err::False => "a member that returns `bool`",
        Err::Null | Err::NullIsEmpty => "a member that returns a pointer",
        Err::NegOne | Err::Neg | Err::NegErrno | Err::NonZero => "a member that returns `int`",
    }
}

fn lookup_kind<T: Copy>(
    option: &str,
    k: &KindName,
    set: &[(&'static str, T)],
    errors: &mut crate::Errors,
) -> Option<T> {
    if let Some((_, v)) = set.iter().find(|(n, _)| *n == k.name) {
        return Some(*v);
    }
    let names: Vec<&str> = set.iter().map(|(n, _)| *n).collect();
    let hint = match suggest(&k.name, names.iter().copied()) {
        Some(s) => format!("; did you mean `{s}`?"),
        None if option == RET => format!(
            "; `{RET}` names how liblxc hands the value back, not the Rust type (that is the function's return type): one of {}",
            names.join(", ")
        ),
        None => format!("; expected one of {}", names.join(", ")),
    };
    err_at(
        errors,
        k.span,
        format!("unknown `{option}` kind `{}`{hint}", k.name),
    );
    None
}

/// Checks everything; returns the checked declaration only if nothing was wrong.
pub fn check(attr: Attr, item: &Decl, errors: &mut crate::Errors) -> Option<Checked> {
    let before = errors.len();
    let name = attr.member.to_string();
    let Some(member) = table::find(&name) else {
        let candidates = table::MEMBERS
            .iter()
            .filter(|m| matches!(m.kind, Kind::Method | Kind::Free))
            .map(|m| m.name);
        let hint = suggest(&name, candidates)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        err_at(
            errors,
            attr.member.span(),
            format!(
                "`{name}` is neither a method of `struct lxc_container` nor a liblxc function{hint}"
            ),
        );
        check_signature_only(item, errors);
        return None;
    };
    match member.kind {
        Kind::Variadic(why) => {
            err_at(
                errors,
                attr.member.span(),
                format!("`{name}` cannot be bound ({why})"),
            );
            return None;
        }
        Kind::Callback => {
            err_at(
                errors,
                attr.member.span(),
                format!("`{name}` is an attach callback that liblxc calls in the container; it is passed to `attach`, never declared"),
            );
            return None;
        }
        Kind::Method | Kind::Free => {}
    }
    let opts = attr.options?;
    let ret_k = parse::kind_name(RET, &opts.ret, errors);
    let err_k = parse::kind_name(ERR, &opts.err, errors);
    let ret = ret_k
        .as_ref()
        .and_then(|k| lookup_kind(RET, k, RET_KINDS, errors));
    let err = err_k
        .as_ref()
        .and_then(|k| lookup_kind(ERR, k, ERR_KINDS, errors));
    let c_ret = CRet::of(member.c_ret);

    if let (Some(r), Some(k)) = (ret, &ret_k) {
        if !ret_fits(r, c_ret, member) {
            err_at(
                errors,
                k.span,
                format!(
                    "`{RET} = {}` needs a member that returns {}, but `{name}` returns {}; use {}",
                    k.name,
                    ret_needs(r),
                    c_ret_words(member),
                    fitting_rets(member)
                ),
            );
        }
    }
    if let (Some(e), Some(k)) = (err, &err_k) {
        if !err_fits(e, c_ret, member) {
            err_at(
                errors,
                k.span,
                format!(
                    "`{ERR} = {}` needs {}, but `{name}` returns `{}`; use `{ERR} = {}`",
                    k.name,
                    err_needs(e),
                    member.c_ret,
                    err_name(member.err)
                ),
            );
        } else if e != member.err {
            err_at(
                errors,
                k.span,
                format!(
                    "`{ERR} = {}` does not match how `{name}` fails: it {}; use `{ERR} = {}`",
                    k.name,
                    member.fails,
                    err_name(member.err)
                ),
            );
        }
    }
    if let (Some(Ret::Bool), Some(Err::False), Some(k)) = (ret, err, &ret_k) {
        err_at(
            errors,
            k.span,
            format!("with `{ERR} = False`, `false` is an error, so `{RET} = Bool` would always be `true`; use `{RET} = Unit`"),
        );
    }

    // Versions.
    let guarded =
        table::version_triple(member.since) > table::version_triple(table::OLDEST_SUPPORTED);
    check_version_opt(
        "since",
        opts.since.as_ref(),
        Some(member.since),
        guarded,
        member,
        &attr.member,
        errors,
    );
    check_version_opt(
        "api_ext",
        opts.api_ext.as_ref(),
        member.api_ext,
        guarded,
        member,
        &attr.member,
        errors,
    );

    // The signature.
    let sig = &item.sig;
    if let Some(t) = &sig.constness {
        err_at(errors, t.span(), "an lxc method cannot be `const`".into());
    }
    if let Some(t) = &sig.asyncness {
        err_at(
            errors,
            t.span(),
            "an lxc method cannot be `async`; liblxc calls block".into(),
        );
    }
    if let Some(t) = &sig.unsafety {
        err_at(
            errors,
            t.span(),
            "an lxc method is safe to call; remove `unsafe`".into(),
        );
    }
    if !sig.generics.params.is_empty() {
        err_at(
            errors,
            sig.generics.span(),
            "an lxc method cannot be generic; arguments are lowered by their declared type".into(),
        );
    }
    if let Some(v) = &sig.variadic {
        err_at(errors, v.span(), "an lxc method cannot be variadic".into());
    }
    let ret_manual = ret == Some(Ret::Manual);
    match (&item.block, ret_manual) {
        (Some(b), false) => err_at(
            errors,
            b.span(),
            "an `#[lxc_method]` declaration has no body: end it with `;` and the macro writes the call".into(),
        ),
        (None, true) => err_at(
            errors,
            sig.ident.span(),
            "a `ret = Manual` declaration needs a hand-written body".into(),
        ),
        _ => {}
    }

    let mut inputs = sig.inputs.iter();
    let is_method = member.kind == Kind::Method;
    match (is_method, sig.receiver()) {
        (true, None) => err_at(
            errors,
            sig.ident.span(),
            format!("`{name}` is a method of `struct lxc_container`: the declaration must take `&self` first"),
        ),
        (true, Some(r)) => {
            inputs.next();
            if r.reference.is_none() || r.mutability.is_some() || r.colon_token.is_some() {
                let at = r.mutability.map(|m| m.span).unwrap_or(r.self_token.span);
                err_at(errors, at, format!("`{name}` must take `&self` (not `self`, `&mut self` or a typed receiver)"));
            }
        }
        (false, Some(r)) => {
            inputs.next();
            err_at(errors, r.self_token.span, format!("`{name}` is a free liblxc function: remove `self`"));
        }
        (false, None) => {}
    }

    // Arguments: one Rust argument per C argument, except the buffer pair that BufString fills.
    let c_args: Vec<_> = member
        .args
        .iter()
        .filter(|a| !matches!(a.class, Class::BufPtr | Class::BufLen))
        .collect();
    let rust_args: Vec<_> = inputs.collect();
    let mut params = Vec::new();
    if !ret_manual {
        if rust_args.len() != c_args.len() {
            let want: Vec<String> = c_args
                .iter()
                .map(|a| format!("`{}: {}`", a.name, a.c))
                .collect();
            let span = if rust_args.len() > c_args.len() {
                rust_args[c_args.len()].span()
            } else {
                sig.paren_token.span.join()
            };
            err_at(
                errors,
                span,
                format!(
                    "`{name}` takes {} argument{}{}{}, but `{}` declares {}",
                    c_args.len(),
                    if c_args.len() == 1 { "" } else { "s" },
                    if is_method {
                        " after the container"
                    } else {
                        ""
                    },
                    if want.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", want.join(", "))
                    },
                    sig.ident,
                    rust_args.len()
                ),
            );
        }
        for a in &c_args {
            if a.class == Class::Raw {
                err_at(
                    errors,
                    attr.member.span(),
                    format!(
                        "`{name}` takes `{} {}`, which no declaration can lower; declare it with `ret = Manual` and write the body",
                        a.c, a.name
                    ),
                );
            }
        }
        for (arg, c) in rust_args.iter().zip(&c_args) {
            let FnArg::Typed(pt) = arg else { continue };
            match &*pt.pat {
                Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    params.push(Param {
                        ident: pi.ident.clone(),
                        ty: (*pt.ty).clone(),
                        class: c.class,
                    })
                }
                p => err_at(
                    errors,
                    p.span(),
                    "arguments of an lxc method must be plain names".into(),
                ),
            }
        }
    }

    // The return type.
    let fallible_args = params.iter().any(|p: &Param| p.class.may_refuse());
    let may_fail = err != Some(Err::Never)
        || guarded
        || fallible_args
        || !matches!(ret, Some(Ret::Bool | Ret::Unit));
    let (out, returns_result) = match &sig.output {
        ReturnType::Default => (syn::parse_quote!(()), false),
        ReturnType::Type(_, t) => match result_inner(t) {
            Some(inner) => (inner, true),
            None => ((**t).clone(), false),
        },
    };
    if !ret_manual {
        if may_fail && !returns_result {
            err_at(
                errors,
                sig.output
                    .span()
                    .join(sig.ident.span())
                    .unwrap_or(sig.ident.span()),
                format!(
                    "`{name}` can fail ({}), so `{}` must return `Result<_>`",
                    if guarded {
                        format!("it is newer than liblxc {}", table::OLDEST_SUPPORTED)
                    } else if err != Some(Err::Never) {
                        format!("`{ERR} = {}`", err.map(err_name).unwrap_or("?"))
                    } else if fallible_args {
                        "an argument may hold a NUL byte".to_string()
                    } else {
                        "its value comes from C and may not convert".to_string()
                    },
                    sig.ident
                ),
            );
        } else if !may_fail && returns_result {
            let at = match &sig.output {
                ReturnType::Type(_, t) => t.span(),
                ReturnType::Default => sig.ident.span(),
            };
            err_at(
                errors,
                at,
                format!(
                    "`{name}` cannot fail (`{ERR} = Never`): return the value itself, not `Result`"
                ),
            );
        }
    }

    if errors.len() > before {
        return None;
    }
    Some(Checked {
        member,
        ret: ret?,
        err: err?,
        params,
        out,
        returns_result,
        guarded,
    })
}

fn check_version_opt(
    key: &str,
    given: Option<&syn::LitStr>,
    table_value: Option<&'static str>,
    guarded: bool,
    m: &Member,
    at: &syn::Ident,
    errors: &mut crate::Errors,
) {
    match (given, table_value) {
        (Some(g), Some(t)) if g.value() != t => err_at(
            errors,
            g.span(),
            format!("`{}` has `{key} = {t:?}` in the API table, not {:?}", m.name, g.value()),
        ),
        (Some(g), None) => err_at(
            errors,
            g.span(),
            format!("`{}` has no `{key}` in the API table; remove it", m.name),
        ),
        (Some(g), Some(t)) if !guarded => err_at(
            errors,
            g.span(),
            format!(
                "`{}` is in every supported liblxc ({key} {t:?}, oldest supported {}): the guard never refuses it; remove `{key}`",
                m.name,
                table::OLDEST_SUPPORTED
            ),
        ),
        (None, Some(t)) if guarded => err_at(
            errors,
            at.span(),
            format!(
                "`{}` is newer than the oldest supported liblxc ({}); add `{key} = {t:?}` so the guard is visible here",
                m.name,
                table::OLDEST_SUPPORTED
            ),
        ),
        _ => {}
    }
}

/// `T` when `ty` is `Result<T>` or `Result<T, E>` (any path ending in `Result`).
fn result_inner(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

/// For an unknown member, still report signature mistakes that do not depend on it.
fn check_signature_only(item: &Decl, errors: &mut crate::Errors) {
    if !item.sig.generics.params.is_empty() {
        err_at(
            errors,
            item.sig.generics.span(),
            "an lxc method cannot be generic; arguments are lowered by their declared type".into(),
        );
    }
}
