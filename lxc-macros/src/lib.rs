//! The declaration DSL of lxc-rs: `#[lxc_method]`.
//!
//! ```ignore
//! /// The value of a configuration key, e.g. `lxc.uts.name`.
//! #[lxc_method(get_config_item)]
//! pub fn config_item(&self, key: &str) -> Result<String>;
//! ```
//!
//! The first item names the liblxc member; that is a complete declaration. Its row in the API
//! table (the `lxc-api` crate, the same table the C trampolines are generated from) holds the
//! member's whole contract: the C types, how it fails, how it hands its value back, the liblxc
//! release that brought it, the condition it needs, the effect checked after a success. A
//! declaration may repeat `err`, `since`, `api_ext` (checked against the row) and `ret` (the Rust
//! result, checked against the signature), and may name a `pre` function for a check that needs
//! code. Every mistake is reported, all at once, on the token at fault. The expansion is a few
//! lines calling the runtime through `::liblxc::__private::v1`.
//!
//! Pipeline, one file each: `parse` (attribute and signature) → `check` (against the table) →
//! `expand`.

mod check;
mod expand;
mod parse;

use lxc_api as table;

use proc_macro::TokenStream;
use proc_macro2::Span;

/// Every mistake found in one declaration.
#[derive(Default)]
pub(crate) struct Errors(Vec<syn::Error>);

impl Errors {
    pub(crate) fn at(&mut self, span: Span, msg: String) {
        self.0.push(syn::Error::new(span, msg));
    }

    pub(crate) fn push(&mut self, e: syn::Error) {
        self.0.push(e);
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn into_tokens(self) -> Option<proc_macro2::TokenStream> {
        (!self.0.is_empty()).then(|| self.0.iter().map(syn::Error::to_compile_error).collect())
    }
}

/// Beside the errors, the declaration with a body that is never run (the build fails anyway), so
/// that callers and imports do not add errors of their own. Left out where the signature itself
/// cannot stand (a receiver on a free function).
fn stub(decl: &parse::Decl, member: Option<&table::Member>) -> proc_macro2::TokenStream {
    if decl.sig.receiver().is_some() && member.is_some_and(|m| m.kind == table::Kind::Free) {
        return proc_macro2::TokenStream::new();
    }
    let parse::Decl {
        attrs, vis, sig, ..
    } = decl;
    let attrs = attrs.iter().filter(|a| a.path().is_ident("doc"));
    quote::quote! {
        #(#attrs)*
        #[allow(unused_variables, clippy::diverging_sub_expression)]
        #vis #sig {
            ::core::unreachable!("this `#[lxc_method]` declaration has errors")
        }
    }
}

/// Declares one member of liblxc's API as a safe Rust method or function.
///
/// See the crate documentation for the form, and `lxc-decls` for every declaration.
#[proc_macro_attribute]
pub fn lxc_method(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let decl = match syn::parse::<parse::Decl>(input) {
        Ok(d) => d,
        Err(e) => return e.to_compile_error().into(),
    };
    let attr = parse::attr(args.into(), &mut errors);
    let member = attr
        .as_ref()
        .and_then(|a| table::find(&a.member.to_string()));
    let checked = attr.and_then(|a| check::check(a, &decl, &mut errors));
    match (errors.into_tokens(), checked) {
        (Some(errs), _) => {
            let stub = stub(&decl, member);
            quote::quote!(#errs #stub).into()
        }
        (None, Some(c)) => expand::expand(&c, &decl).into(),
        (None, None) => syn::Error::new(Span::call_site(), "invalid `#[lxc_method]` declaration")
            .to_compile_error()
            .into(),
    }
}

#[cfg(test)]
mod tests;
