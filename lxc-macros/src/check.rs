//! Checks a parsed declaration against its row of the API table (`lxc-api`). Every mistake is added
//! to the accumulator, so a build reports all of them at once, each on the token at fault.
//!
//! One pass per concern: the member, the options the declaration repeats from the table, the
//! signature's shape, the receiver, the arguments, the return type.

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{FnArg, Pat, ReturnType, Type};

use crate::parse::{Attr, Decl, KindName, API_EXT, ERR, RET, SINCE};
use lxc_api::{self as table, Class, Err, Kind, Member, Proto};

/// The failure conventions, by the name a declaration may repeat.
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

/// The protocol names older declarations gave as `ret`, which the table now holds.
const PROTOCOL_NAMES: &[&str] = &[
    "Unit",
    "BufString",
    "StaticStr",
    "StrVec",
    "OwnedFdKind",
    "Manual",
    "Pid",
];

pub fn err_name(e: Err) -> &'static str {
    ERR_KINDS
        .iter()
        .find(|(_, k)| *k == e)
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
    pub err: Err,
    pub params: Vec<Param>,
    /// The `T` of `Result<T>`, or the whole return type when the member cannot fail.
    pub out: Type,
    pub returns_result: bool,
    pub guarded: bool,
    /// The function run before the call.
    pub pre: Option<syn::Path>,
    /// The function that explains a failure further.
    pub explain: Option<syn::Path>,
    /// The function run after a success.
    pub post: Option<syn::Path>,
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

/// Checks everything; returns the checked declaration only if nothing was wrong.
pub fn check(attr: Attr, item: &Decl, errors: &mut crate::Errors) -> Option<Checked> {
    let before = errors.len();
    let member = check_member(&attr, item, errors)?;
    let err = check_err(attr.options.err.as_ref(), member, errors);
    let guarded = member.newer_than_oldest();
    check_version_opt(
        SINCE,
        attr.options.since.as_ref(),
        Some(member.since),
        guarded,
        member,
        errors,
    );
    check_version_opt(
        API_EXT,
        attr.options.api_ext.as_ref(),
        member.api_ext,
        guarded,
        member,
        errors,
    );
    let body = check_shape(item, member, errors);
    let o = &attr.options;
    if let (true, Some(p)) = (
        body,
        o.pre.as_ref().or(o.explain.as_ref()).or(o.post.as_ref()),
    ) {
        errors.at(
            p.span(),
            "`pre`, `explain` and `post` are for declarations without a body; a body does what it needs itself".into(),
        );
    }
    check_receiver(item, member, errors);
    let params = if body || member.proto == Proto::Body {
        Vec::new()
    } else {
        check_args(item, member, errors)
    };
    let (out, returns_result) = output(&item.sig);
    if let Some(t) = &attr.options.ret {
        check_ret_given(t, &out, &item.sig, errors);
    }
    if !body {
        check_fallibility(item, member, &params, returns_result, guarded, errors);
    }
    if errors.len() > before {
        return None;
    }
    Some(Checked {
        member,
        err: err?,
        params,
        out,
        returns_result,
        guarded,
        pre: attr.options.pre,
        explain: attr.options.explain,
        post: attr.options.post,
    })
}

/// The row, or why there is none.
fn check_member(attr: &Attr, item: &Decl, errors: &mut crate::Errors) -> Option<&'static Member> {
    let name = attr.member.to_string();
    let Some(member) = table::find(&name) else {
        let candidates = table::MEMBERS
            .iter()
            .filter(|m| matches!(m.kind, Kind::Method | Kind::Free))
            .map(|m| m.name);
        let hint = suggest(&name, candidates)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        errors.at(
            attr.member.span(),
            format!("`{name}` is neither a method of `struct lxc_container` nor a liblxc function{hint}"),
        );
        if !item.sig.generics.params.is_empty() {
            errors.at(item.sig.generics.span(), GENERIC.into());
        }
        return None;
    };
    match member.kind {
        Kind::Variadic(why) => {
            errors.at(
                attr.member.span(),
                format!("`{name}` cannot be bound ({why})"),
            );
            None
        }
        Kind::Callback => {
            errors.at(
                attr.member.span(),
                format!("`{name}` is an attach callback that liblxc calls in the container; it is passed to `attach`, never declared"),
            );
            None
        }
        Kind::Method | Kind::Free => Some(member),
    }
}

const GENERIC: &str =
    "an lxc method cannot be generic; arguments are lowered by their declared type";

/// `err =`, when given, must be the table's convention.
fn check_err(given: Option<&KindName>, m: &Member, errors: &mut crate::Errors) -> Option<Err> {
    let Some(k) = given else {
        return Some(m.err);
    };
    let Some((_, e)) = ERR_KINDS.iter().find(|(n, _)| *n == k.name) else {
        let names: Vec<&str> = ERR_KINDS.iter().map(|(n, _)| *n).collect();
        let hint = match suggest(&k.name, names.iter().copied()) {
            Some(s) => format!("; did you mean `{s}`?"),
            None => format!("; expected one of {}", names.join(", ")),
        };
        errors.at(k.span, format!("unknown `{ERR}` kind `{}`{hint}", k.name));
        return None;
    };
    if *e != m.err {
        let pointer = table::CRet::of(m.c_ret).is_pointer();
        let fits = match e {
            Err::Never => true,
            Err::False => m.c_ret == "bool",
            Err::Null | Err::NullIsEmpty => pointer,
            _ => matches!(m.c_ret, "int" | "pid_t"),
        };
        let why = if fits {
            format!("does not match how `{}` fails: it {}", m.name, m.fails)
        } else {
            format!("cannot judge what `{}` returns (`{}`)", m.name, m.c_ret)
        };
        errors.at(
            k.span,
            format!(
                "`{ERR} = {}` {why}; use `{ERR} = {}`, or leave `{ERR}` out: the API table knows it",
                k.name,
                err_name(m.err)
            ),
        );
    }
    Some(*e)
}

/// `ret =`, when given, names the Rust result: it must be what the signature returns.
fn check_ret_given(t: &Type, out: &Type, sig: &syn::Signature, errors: &mut crate::Errors) {
    let text = |t: &dyn ToTokens| t.to_token_stream().to_string().replace(' ', "");
    let (given, actual) = (text(t), text(out));
    if given == actual || actual.ends_with(&format!("::{given}")) {
        return;
    }
    let hint = if PROTOCOL_NAMES.contains(&given.as_str()) {
        format!(
            "; `{given}` is how liblxc hands the value back, which the API table knows: leave `{RET}` out"
        )
    } else {
        format!("; `{RET}` names the Rust result and may be left out")
    };
    errors.at(
        t.span(),
        format!(
            "`{RET} = {given}` does not match the return type of `{}`, which gives `{actual}`{hint}",
            sig.ident
        ),
    );
}

/// The signature's qualifiers, and whether it has a body (and may).
fn check_shape(item: &Decl, m: &Member, errors: &mut crate::Errors) -> bool {
    let sig = &item.sig;
    if let Some(t) = &sig.constness {
        errors.at(t.span(), "an lxc method cannot be `const`".into());
    }
    if let Some(t) = &sig.asyncness {
        errors.at(
            t.span(),
            "an lxc method cannot be `async`; liblxc calls block".into(),
        );
    }
    if let Some(t) = &sig.unsafety {
        errors.at(
            t.span(),
            "an lxc method is safe to call; remove `unsafe`".into(),
        );
    }
    if !sig.generics.params.is_empty() {
        errors.at(sig.generics.span(), GENERIC.into());
    }
    if let Some(v) = &sig.variadic {
        errors.at(v.span(), "an lxc method cannot be variadic".into());
    }
    if item.block.is_none() && m.proto == Proto::Body {
        let raw: Vec<String> = m
            .args
            .iter()
            .filter(|a| a.class == Class::Raw)
            .map(|a| format!("`{} {}`", a.c, a.name))
            .collect();
        errors.at(
            sig.ident.span(),
            format!(
                "`{}` takes {}, which no declaration can lower: write the body",
                m.name,
                if raw.is_empty() {
                    "C structs or callbacks".to_string()
                } else {
                    raw.join(", ")
                }
            ),
        );
    }
    if let (Some(b), false) = (&item.block, m.proto == Proto::Body) {
        errors.at(
            b.span(),
            format!(
                "`{}` needs no body: its row in the API table says how to call it; end the declaration with `;`, and put a check that needs code in a `pre` function",
                m.name
            ),
        );
    }
    item.block.is_some()
}

fn check_receiver(item: &Decl, m: &Member, errors: &mut crate::Errors) {
    let sig = &item.sig;
    let name = m.name;
    match (m.kind == Kind::Method, sig.receiver()) {
        (true, None) => errors.at(
            sig.ident.span(),
            format!("`{name}` is a method of `struct lxc_container`: the declaration must take `&self` first"),
        ),
        (true, Some(r)) => {
            if r.reference.is_none() || r.mutability.is_some() || r.colon_token.is_some() {
                let at = r.mutability.map(|m| m.span).unwrap_or(r.self_token.span);
                errors.at(at, format!("`{name}` must take `&self` (not `self`, `&mut self` or a typed receiver)"));
            }
        }
        (false, Some(r)) => errors.at(
            r.self_token.span,
            format!("`{name}` is a free liblxc function: remove `self`"),
        ),
        (false, None) => {}
    }
}

/// One Rust argument per C argument, except the buffer pair of the length protocol.
fn check_args(item: &Decl, m: &Member, errors: &mut crate::Errors) -> Vec<Param> {
    let sig = &item.sig;
    let c_args: Vec<_> = m.args.iter().filter(|a| a.class.from_rust()).collect();
    let rust_args: Vec<_> = sig
        .inputs
        .iter()
        .filter(|a| !matches!(a, FnArg::Receiver(_)))
        .collect();
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
        errors.at(
            span,
            format!(
                "`{}` takes {} argument{}{}{}, but `{}` declares {}",
                m.name,
                c_args.len(),
                if c_args.len() == 1 { "" } else { "s" },
                if m.kind == Kind::Method {
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
    let mut params = Vec::new();
    for (arg, c) in rust_args.iter().zip(&c_args) {
        let FnArg::Typed(pt) = arg else { continue };
        match &*pt.pat {
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => params.push(Param {
                ident: pi.ident.clone(),
                ty: (*pt.ty).clone(),
                class: c.class,
            }),
            p => errors.at(
                p.span(),
                "arguments of an lxc method must be plain names".into(),
            ),
        }
    }
    params
}

/// The `T` of `Result<T>` and `true`, or the whole return type and `false`.
fn output(sig: &syn::Signature) -> (Type, bool) {
    match &sig.output {
        ReturnType::Default => (syn::parse_quote!(()), false),
        ReturnType::Type(_, t) => match result_inner(t) {
            Some(inner) => (inner, true),
            None => ((**t).clone(), false),
        },
    }
}

/// A member that can fail returns `Result`; one that cannot does not.
fn check_fallibility(
    item: &Decl,
    m: &Member,
    params: &[Param],
    returns_result: bool,
    guarded: bool,
    errors: &mut crate::Errors,
) {
    let sig = &item.sig;
    let fallible_args = params.iter().any(|p| p.class.may_refuse());
    let lifted = !matches!(m.proto, Proto::Bool | Proto::Unit);
    let contract = m.check_first
        || m.not_frozen
        || m.config != lxc_api::Config::Any
        || m.effect != lxc_api::Effect::Trusted;
    let may_fail = m.err != Err::Never || guarded || fallible_args || lifted || contract;
    if may_fail && !returns_result {
        let why = if guarded {
            format!("it is newer than liblxc {}", table::OLDEST_SUPPORTED)
        } else if m.err != Err::Never {
            format!("it {}", m.fails)
        } else if fallible_args {
            "an argument may hold a NUL byte".to_string()
        } else {
            "its value comes from C and may not convert".to_string()
        };
        errors.at(
            sig.output
                .span()
                .join(sig.ident.span())
                .unwrap_or(sig.ident.span()),
            format!(
                "`{}` can fail ({why}), so `{}` must return `Result<_>`",
                m.name, sig.ident
            ),
        );
    } else if !may_fail && returns_result {
        let at = match &sig.output {
            ReturnType::Type(_, t) => t.span(),
            ReturnType::Default => sig.ident.span(),
        };
        errors.at(
            at,
            format!(
                "`{}` cannot fail: return the value itself, not `Result`",
                m.name
            ),
        );
    }
}

fn check_version_opt(
    key: &str,
    given: Option<&syn::LitStr>,
    table_value: Option<&'static str>,
    guarded: bool,
    m: &Member,
    errors: &mut crate::Errors,
) {
    match (given, table_value) {
        (Some(g), Some(t)) if g.value() != t => errors.at(
            g.span(),
            format!("`{}` has `{key} = {t:?}` in the API table, not {:?}", m.name, g.value()),
        ),
        (Some(g), None) => errors.at(
            g.span(),
            format!("`{}` has no `{key}` in the API table; remove it", m.name),
        ),
        (Some(g), Some(t)) if !guarded => errors.at(
            g.span(),
            format!(
                "`{}` is in every supported liblxc ({key} {t:?}, oldest supported {}): the guard never refuses it; remove `{key}`",
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
