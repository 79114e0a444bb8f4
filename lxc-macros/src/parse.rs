//! Parsing of `#[lxc_method(member, ret = .., err = .., since = .., api_ext = ..)]` and of the
//! signature it is attached to. Nothing here judges the declaration: `check.rs` does.

use darling::ast::NestedMeta;
use darling::FromMeta;
use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Token};

/// Option names, spelled once so parser and messages agree.
pub const RET: &str = "ret";
pub const ERR: &str = "err";

/// The `key = value` options after the member name.
#[derive(FromMeta)]
pub struct Options {
    pub ret: syn::Expr,
    pub err: syn::Expr,
    #[darling(default)]
    pub since: Option<LitStr>,
    #[darling(default)]
    pub api_ext: Option<LitStr>,
}

/// The attribute, split into its positional member name and the options.
pub struct Attr {
    pub member: Ident,
    pub options: Option<Options>,
}

/// The first item before the options, kept with its tokens for errors.
struct Head {
    member: Option<Ident>,
    rest: TokenStream,
}

impl Parse for Head {
    fn parse(input: ParseStream) -> syn::Result<Head> {
        // The member is a bare identifier followed by `,` or the end; anything else means it is missing.
        let fork = input.fork();
        let member = if fork.peek(Ident) && (fork.peek2(Token![,]) || is_single_ident(&fork)) {
            let id: Ident = input.parse()?;
            if input.peek(Token![,]) {
                input.parse::<Token![,]>()?;
            }
            Some(id)
        } else {
            None
        };
        Ok(Head {
            member,
            rest: input.parse()?,
        })
    }
}

fn is_single_ident(input: ParseStream) -> bool {
    let f = input.fork();
    f.parse::<Ident>().is_ok() && f.is_empty()
}

/// Parses the attribute arguments, adding every problem to `errors`.
pub fn attr(args: TokenStream, errors: &mut crate::Errors) -> Option<Attr> {
    let span = args.span();
    let head = match syn::parse2::<Head>(args) {
        Ok(h) => h,
        Err(e) => {
            errors.push(e.into());
            return None;
        }
    };
    let Some(member) = head.member else {
        errors.at(
            span_or(head.rest.span(), span),
            "the first item of `#[lxc_method]` names the liblxc member, as in `#[lxc_method(get_config_item, ret = BufString, err = Neg)]`".into(),
        );
        return None;
    };
    let options = match NestedMeta::parse_meta_list(head.rest.clone()) {
        Ok(list) => match Options::from_list(&list) {
            Ok(o) => Some(o),
            Err(e) => {
                // Give every error a span, and drop "missing field" when a misspelled one explains it.
                let all: Vec<darling::Error> = e.into_iter().collect();
                let misspelled = all
                    .iter()
                    .any(|e| e.to_string().starts_with("Unknown field"));
                for e in all {
                    if misspelled && e.to_string().starts_with("Missing field") {
                        continue;
                    }
                    let span = if e.has_span() {
                        e.span()
                    } else {
                        member.span()
                    };
                    errors.at(span, reword(&e.to_string(), &member.to_string()));
                }
                None
            }
        },
        Err(e) => {
            match rust_type_given(&head.rest) {
                Some((opt, span, text)) => errors.at(
                    span,
                    format!(
                        "`{opt}` takes a kind name, not the Rust type `{text}`: the Rust type is the function's return type; \
                         for a list of strings use `ret = StrVec` (NULL-terminated array) or `ret = BufString` (buffer protocol)"
                    ),
                ),
                None => errors.at(
                    e.span(),
                    format!("cannot read the options of `#[lxc_method]`: {e}; `{RET}` and `{ERR}` take a kind name such as `ret = BufString`"),
                ),
            }
            None
        }
    };
    Some(Attr { member, options })
}

/// `ret = Vec<String>` and the like: the option, the span of its value, and the value as text.
fn rust_type_given(rest: &TokenStream) -> Option<(String, Span, String)> {
    use proc_macro2::TokenTree;
    let tokens: Vec<TokenTree> = rest.clone().into_iter().collect();
    let mut i = 0;
    while i + 2 < tokens.len() {
        if let (TokenTree::Ident(opt), TokenTree::Punct(eq)) = (&tokens[i], &tokens[i + 1]) {
            if (opt == RET || opt == ERR) && eq.as_char() == '=' {
                let value: Vec<&TokenTree> = tokens[i + 2..]
                    .iter()
                    .take_while(|t| !matches!(t, TokenTree::Punct(p) if p.as_char() == ',' && p.spacing() == proc_macro2::Spacing::Alone))
                    .collect();
                if value
                    .iter()
                    .any(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '<'))
                {
                    let text: String = value
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join("");
                    return Some((opt.to_string(), value[0].span(), text));
                }
            }
        }
        i += 1;
    }
    None
}

fn span_or(a: Span, b: Span) -> Span {
    if a.source_text().is_some_and(|t| !t.is_empty()) {
        a
    } else {
        b
    }
}

/// A kind name given to `ret =` or `err =`, with its span.
pub struct KindName {
    pub name: String,
    pub span: Span,
}

/// Reads `ret = X` / `err = X`: a bare identifier. Anything else is reported.
pub fn kind_name(option: &str, e: &syn::Expr, errors: &mut crate::Errors) -> Option<KindName> {
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
        format!(
            "`{option}` takes one kind name, such as `{option} = {}`",
            if option == RET { "BufString" } else { "Neg" }
        ),
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

impl Parse for Decl {
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

/// darling's messages in the macro's own words (lowercase, the option named, the fix given).
fn reword(msg: &str, member: &str) -> String {
    let field = |prefix: &str| {
        msg.strip_prefix(prefix)
            .map(|f| f.trim_matches('`').to_string())
    };
    if let Some(f) = field("Duplicate field ") {
        return format!("`{f}` may only be specified once");
    }
    if let Some(f) = field("Missing field ") {
        let hint = match crate::table::find(member) {
            Some(m) if f == ERR => format!(
                "; `{member}` {}, so use `{ERR} = {}`",
                m.fails,
                crate::check::err_name(m.err)
            ),
            _ => String::new(),
        };
        return format!("missing `{f} = …` in `#[lxc_method]`{hint}");
    }
    if let Some(rest) = msg.strip_prefix("Unknown field: ") {
        return format!(
            "unknown `#[lxc_method]` option {}",
            rest.replacen(". Did you mean", "; did you mean", 1)
        );
    }
    msg.to_string()
}
