//! Parsing of `#[lxc_method(member, ret = .., err = .., since = .., api_ext = .., pre = ..)]` and of
//! the signature it is attached to. Nothing here judges the declaration against the table:
//! `check.rs` does. Every problem is added to the accumulator; parsing goes on after one.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Token};

/// Option names, spelled once so parser and messages agree.
pub const RET: &str = "ret";
pub const ERR: &str = "err";
pub const SINCE: &str = "since";
pub const API_EXT: &str = "api_ext";
pub const PRE: &str = "pre";
pub const EXPLAIN: &str = "explain";
pub const POST: &str = "post";
const OPTIONS: [&str; 7] = [RET, ERR, SINCE, API_EXT, PRE, EXPLAIN, POST];

/// The `key = value` options after the member name; each is optional, the table supplies what is
/// left out.
#[derive(Default)]
pub struct Options {
    /// The Rust result the declaration returns, repeated (checked against the signature).
    pub ret: Option<syn::Type>,
    /// The failure convention, repeated (checked against the table).
    pub err: Option<KindName>,
    pub since: Option<LitStr>,
    pub api_ext: Option<LitStr>,
    /// A function run before the call, for what needs code: it takes the container (for a
    /// method) and the arguments, and returns `Result<T>`; the `T` lives until the call returns
    /// (a lock, a record of what was there before).
    pub pre: Option<syn::Path>,
    /// A function that explains a failure further, for what needs code: it takes the container
    /// (for a method), the error, the `pre` function's value (`&()` without one) and the
    /// arguments, and returns the error to give.
    pub explain: Option<syn::Path>,
    /// A function run after a success, for what needs code (give the caller's process back what
    /// liblxc took, load what liblxc wrote): it takes the container (for a method), the `pre`
    /// function's value and the arguments, and returns `Result<()>`.
    pub post: Option<syn::Path>,
}

/// The attribute: its positional member name and the options.
pub struct Attr {
    pub member: Ident,
    pub options: Options,
}

/// A kind name given to `err =`, with its span.
pub struct KindName {
    pub name: String,
    pub span: Span,
}

/// Parses the attribute arguments, adding every problem to `errors`.
pub fn attr(args: TokenStream, errors: &mut crate::Errors) -> Option<Attr> {
    let span = args.span();
    let parser = |input: ParseStream| -> syn::Result<Option<Attr>> {
        let fork = input.fork();
        if !(fork.peek(Ident) && (fork.peek2(Token![,]) || is_single_ident(&fork))) {
            errors.at(
                span_or(input.span(), span),
                "the first item of `#[lxc_method]` names the liblxc member, as in `#[lxc_method(get_config_item)]`".into(),
            );
            input.parse::<TokenStream>()?;
            return Ok(None);
        }
        let member: Ident = input.parse()?;
        let mut options = Options::default();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            option(input, &mut options, errors)?;
        }
        Ok(Some(Attr { member, options }))
    };
    match parser.parse2(args) {
        Ok(a) => a,
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// One `key = value`.
fn option(input: ParseStream, o: &mut Options, errors: &mut crate::Errors) -> syn::Result<()> {
    let key: Ident = input.parse()?;
    input.parse::<Token![=]>()?;
    let name = key.to_string();
    let dup = |errors: &mut crate::Errors, given: bool| {
        if given {
            errors.at(key.span(), format!("`{name}` may only be specified once"));
        }
    };
    match name.as_str() {
        RET => {
            let t: syn::Type = input.parse()?;
            dup(errors, o.ret.is_some());
            o.ret.get_or_insert(t);
        }
        ERR => {
            let e: syn::Expr = input.parse()?;
            dup(errors, o.err.is_some());
            if let Some(k) = kind_name(&e, errors) {
                o.err.get_or_insert(k);
            }
        }
        SINCE | API_EXT => {
            let s: LitStr = input.parse()?;
            let slot = if name == SINCE {
                &mut o.since
            } else {
                &mut o.api_ext
            };
            dup(errors, slot.is_some());
            slot.get_or_insert(s);
        }
        PRE | EXPLAIN | POST => {
            let p: syn::Path = input.parse()?;
            let slot = match name.as_str() {
                PRE => &mut o.pre,
                EXPLAIN => &mut o.explain,
                _ => &mut o.post,
            };
            dup(errors, slot.is_some());
            slot.get_or_insert(p);
        }
        _ => {
            let hint = crate::check::suggest(&name, OPTIONS.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_else(|| format!("; expected one of {}", OPTIONS.join(", ")));
            errors.at(
                key.span(),
                format!("unknown `#[lxc_method]` option `{name}`{hint}"),
            );
            while !input.is_empty() && !input.peek(Token![,]) {
                input.parse::<TokenTree>()?;
            }
        }
    }
    Ok(())
}

fn is_single_ident(input: ParseStream) -> bool {
    let f = input.fork();
    f.parse::<Ident>().is_ok() && f.is_empty()
}

fn span_or(a: Span, b: Span) -> Span {
    if a.source_text().is_some_and(|t| !t.is_empty()) {
        a
    } else {
        b
    }
}

/// Reads `err = X`: a bare identifier (or a string). Anything else is reported.
fn kind_name(e: &syn::Expr, errors: &mut crate::Errors) -> Option<KindName> {
    if let syn::Expr::Path(p) = e {
        if p.qself.is_none() && p.attrs.is_empty() {
            if let Some(id) = p.path.get_ident() {
                return Some(KindName {
                    name: id.to_string(),
                    span: id.span(),
                });
            }
        }
    }
    if let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(s),
        ..
    }) = e
    {
        return Some(KindName {
            name: s.value(),
            span: s.span(),
        });
    }
    errors.at(
        e.span(),
        format!("`{ERR}` takes one kind name, such as `{ERR} = Neg`"),
    );
    None
}

/// The item under the attribute: a function signature with or without a body.
pub struct Decl {
    pub attrs: Vec<syn::Attribute>,
    pub vis: syn::Visibility,
    pub sig: syn::Signature,
    pub block: Option<syn::Block>,
}

impl syn::parse::Parse for Decl {
    fn parse(input: ParseStream) -> syn::Result<Decl> {
        let attrs = input.call(syn::Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let block = if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            None
        } else {
            Some(input.parse()?)
        };
        Ok(Decl {
            attrs,
            vis,
            sig,
            block,
        })
    }
}
