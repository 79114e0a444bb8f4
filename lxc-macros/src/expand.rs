//! Expansion of a checked declaration: a few lines that call `lxc_core::__private` (I-4).
//!
//! Every path is absolute (`::lxc_core::__private::…`, `::core::…`), so a user's `Result` alias or
//! shadowed names cannot change what the expansion means. The `unsafe` block around the trampoline
//! call is justified once, here: the trampoline is generated from the same table row this declaration
//! was checked against and compiled against the installed header, the container pointer comes from a
//! live `Handle` whose clone lock `Call` holds, every pointer argument comes from a lowered holder that
//! lives until the end of the function, and the version guard in `Call::method`/`Call::free` has
//! already refused members the running library lacks.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::check::{Checked, Ret};
use crate::parse::Decl;
use crate::table::{Class, Err, Kind, Needs};

fn class_ident(c: Class) -> syn::Ident {
    let name = match c {
        Class::BdevSpecs => "BdevSpecsArg".to_string(),
        other => format!("{other:?}"),
    };
    format_ident!("{}", name)
}

fn policy_ident(e: Err) -> syn::Ident {
    format_ident!("{}", crate::check::err_name(e))
}

fn kind_ident(r: Ret) -> syn::Ident {
    format_ident!(
        "{}",
        match r {
            Ret::OwnedFd => "OwnedFdKind",
            Ret::BorrowedFd => "BorrowedFdKind",
            Ret::String => "MallocString",
            Ret::Container => "ContainerKind",
            other => crate::check::ret_name(other),
        }
    )
}

fn errors_doc(c: &Checked) -> Vec<String> {
    let m = c.member;
    let mut lines = vec![
        String::new(),
        "# Errors".to_string(),
        String::new(),
        format!("Fails when `{}` fails: liblxc {}.", m.name, m.fails),
    ];
    let needs = match m.needs {
        Needs::Nothing => None,
        Needs::Defined => Some("a defined container ([`ErrorKind::NotFound`](lxc_core::ErrorKind::NotFound) otherwise)"),
        Needs::Running => Some("a running container ([`ErrorKind::NotRunning`](lxc_core::ErrorKind::NotRunning) otherwise)"),
        Needs::Stopped => Some("a defined, stopped container ([`ErrorKind::Running`](lxc_core::ErrorKind::Running) otherwise)"),
    };
    if let Some(n) = needs {
        lines.push(format!("It needs {n}."));
    }
    if c.params.iter().any(|p| p.class.may_refuse()) {
        lines.push(
            "An argument liblxc cannot take (a NUL byte, a name that would leave the lxcpath, a timeout too large) is [`ErrorKind::InvalidArgument`](lxc_core::ErrorKind::InvalidArgument), and liblxc is not called.".into(),
        );
    }
    if c.guarded {
        lines.push(format!(
            "On a liblxc older than {}{} it is [`ErrorKind::Unsupported`](lxc_core::ErrorKind::Unsupported), and liblxc is not touched.",
            m.since,
            m.api_ext.map(|e| format!(" or without the API extension `{e}`")).unwrap_or_default()
        ));
    }
    lines
}

pub fn expand(c: &Checked, d: &Decl) -> TokenStream {
    let m = c.member;
    let attrs = &d.attrs;
    let vis = &d.vis;
    let sig = &d.sig;
    let member = format_ident!("{}", m.name);
    let alias = (sig.ident != m.name).then(|| {
        let a = m.name;
        quote!(#[doc(alias = #a)])
    });
    let meta = quote!(::lxc_core::__private::meta::#member);
    let has_errors_doc = d
        .attrs
        .iter()
        .any(|a| a.path().is_ident("doc") && quote!(#a).to_string().contains("# Errors"));
    let extra_doc: Vec<TokenStream> = if c.returns_result && !has_errors_doc {
        errors_doc(c)
            .into_iter()
            .map(|l| quote!(#[doc = #l]))
            .collect()
    } else {
        Vec::new()
    };

    if c.ret == Ret::Manual {
        // The body is hand-written; the attribute only checks it against the table and documents it.
        let block = &d.block;
        return quote! {
            #(#attrs)*
            #(#extra_doc)*
            #alias
            #vis #sig #block
        };
    }

    let is_method = m.kind == Kind::Method;
    let start = match (is_method, c.returns_result) {
        (true, true) => quote!(::lxc_core::__private::Call::method(self, &#meta)?),
        (true, false) => quote!(::lxc_core::__private::Call::method_unguarded(self, &#meta)),
        (false, true) => quote!(::lxc_core::__private::Call::free(&#meta)?),
        (false, false) => quote!(::lxc_core::__private::Call::free_unguarded(&#meta)),
    };
    let subject = c
        .params
        .iter()
        .find(|p| p.class == Class::Name && !is_method)
        .map(|p| {
            let id = &p.ident;
            quote!(.with_subject(::lxc_core::__private::subject(&#id)))
        });

    let arg = (!is_method && subject.is_none())
        .then(|| {
            c.params
                .iter()
                .find(|p| matches!(p.class, Class::Str | Class::OptStr | Class::ConfigStr))
        })
        .flatten()
        .map(|p| {
            let id = &p.ident;
            quote!(.with_arg(::lxc_core::__private::arg_text(&#id)))
        });

    let lowers = c.params.iter().map(|p| {
        let id = &p.ident;
        let held = format_ident!("__lxc_{}", id);
        let class = class_ident(p.class);
        let name = id.to_string();
        quote_spanned! {p.ty.span()=>
            let #held = ::lxc_core::__private::lower::<::lxc_core::__private::class::#class, _>(#id, &__call, #name)?;
        }
    });

    let mut c_args = Vec::new();
    if is_method {
        c_args.push(quote!(__call.ptr()));
    }
    let mut params = c.params.iter();
    for a in m.args {
        match a.class {
            Class::BufPtr => c_args.push(quote!(__buf)),
            Class::BufLen => c_args.push(quote!(__len)),
            _ => {
                let p = params.next().expect("checked arity");
                let held = format_ident!("__lxc_{}", p.ident);
                let class = class_ident(p.class);
                c_args.push(quote!(
                    <_ as ::lxc_core::__private::AsC<::lxc_core::__private::class::#class>>::as_c(&#held)
                ));
            }
        }
    }
    let tramp = format_ident!("lxcrs_v1_{}", m.name);
    let ffi = quote!(::lxc_core::__private::ffi::#tramp(#(#c_args),*));
    let policy = policy_ident(c.err);
    let kind = kind_ident(c.ret);
    let out = &c.out;
    let call = if c.ret == Ret::BufString {
        quote_spanned! {out.span()=>
            unsafe { __call.buf::<::lxc_core::__private::err::#policy, #out>(|__buf, __len| #ffi) }
        }
    } else if c.returns_result {
        quote_spanned! {out.span()=>
            unsafe { __call.run::<::lxc_core::__private::err::#policy, ::lxc_core::__private::ret::#kind, _, #out>(|| #ffi) }
        }
    } else {
        quote_spanned! {out.span()=>
            __call.run_infallible::<::lxc_core::__private::ret::#kind, _, #out>(|| unsafe { #ffi })
        }
    };

    quote! {
        #(#attrs)*
        #(#extra_doc)*
        #alias
        #[inline]
        #vis #sig {
            let __call = #start #subject #arg;
            #(#lowers)*
            #call
        }
    }
}
