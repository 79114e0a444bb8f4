//! Expansion of a checked declaration: a few lines that call the runtime (I-4).
//!
//! Every path is absolute and goes through the facade's versioned hidden module
//! (`::liblxc::__private::v1`, see [`rt`]), so a crate that depends only on `liblxc` can write
//! declarations, and a user's `Result` alias or shadowed names cannot change what the expansion
//! means. The `unsafe` block around the trampoline call is justified once, here: the trampoline
//! is generated from the same table row this declaration was checked against and compiled
//! against the installed header, the container pointer comes from a live `Handle` whose clone
//! lock `Call` holds, every pointer argument comes from a lowered holder that lives until the end
//! of the function, and the version guard in `Call::method`/`Call::free` has already refused
//! members the running library lacks.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::check::Checked;
use crate::parse::Decl;
use lxc_api::{Blocks, Class, Config, Effect, Kind, Needs, Proto};

/// The runtime, as every expansion reaches it. `lxc-decls`, which the facade depends on, names
/// `lxc-core` `liblxc` (`extern crate lxc_core as liblxc`), where the same module lives.
pub fn rt() -> TokenStream {
    rt_at(proc_macro2::Span::call_site())
}

/// [`rt`] with every token at `span`, so that rustc puts an error about it there.
fn rt_at(span: proc_macro2::Span) -> TokenStream {
    quote_spanned!(span=> ::liblxc::__private::v1)
}

fn class_ident(c: Class) -> syn::Ident {
    let name = match c {
        Class::BdevSpecs => "BdevSpecsArg".to_string(),
        other => format!("{other:?}"),
    };
    format_ident!("{}", name)
}

/// The runtime's marker (`lxc_core::__private::ret`) for the row's protocol.
fn kind_ident(p: Proto) -> syn::Ident {
    format_ident!(
        "{}",
        match p {
            Proto::OwnedFd => "OwnedFdKind",
            Proto::BorrowedFd => "BorrowedFdKind",
            Proto::MallocStr => "MallocString",
            Proto::Container => "ContainerKind",
            other => return format_ident!("{other:?}"),
        }
    )
}

const KIND: &str = "liblxc::ErrorKind";

/// The contract of the row, in words, for the method's docs.
fn contract_doc(c: &Checked) -> Vec<String> {
    let m = c.member;
    let mut lines = vec![String::new(), "# Contract".to_string(), String::new()];
    let mut say = |s: String| lines.push(format!("- {s}"));
    let needs = match m.needs {
        Needs::Nothing => None,
        Needs::Defined => Some(format!("a defined container ([`NotFound`]({KIND}::NotFound) otherwise)")),
        Needs::Running => Some(format!("a running container ([`NotRunning`]({KIND}::NotRunning) otherwise)")),
        Needs::Stopped => Some(format!("a defined, stopped container ([`NotFound`]({KIND}::NotFound) or [`Running`]({KIND}::Running) otherwise)")),
    };
    if let Some(n) = needs {
        say(format!(
            "Needs {n}{}.",
            if m.check_first {
                ", checked before liblxc is called"
            } else {
                ""
            }
        ));
    }
    match m.config {
        Config::Required => say("Needs the object's configuration: refused first on a container that is not defined, or whose configuration was cleared.".into()),
        Config::Loaded(k, why) => say(format!("Refused first with [`{k:?}`]({KIND}::{k:?}) when {why}.")),
        Config::Held => say(format!("Needs a configuration in the object: [`NotFound`]({KIND}::NotFound) on a container that is not defined (and has no item set), [`Failed`]({KIND}::Failed) after `clear_config`.")),
        Config::Any | Config::Makes => {}
    }
    if m.not_frozen {
        say(format!("Refused first with [`Frozen`]({KIND}::Frozen) on a frozen container: its processes could not act on it until thawed."));
    }
    match m.effect {
        Effect::Trusted => {}
        Effect::Stopped => say("After liblxc reports success, the container is checked to have stopped; if not, the call fails.".into()),
        Effect::Defined => say("After liblxc reports success, the container is checked to be defined; if not, the call fails.".into()),
        Effect::Undefined => say("After liblxc reports success, the container is checked to be gone; if not, the call fails.".into()),
        Effect::WrittenAtomically => say("The file is written atomically: liblxc writes it into memory, and lxc-rs writes a temporary file next to the target, syncs it and renames it over the target; after any failure the old file is intact.".into()),
    }
    match m.blocks {
        Blocks::No => {}
        Blocks::UpToTimeout => say("Blocks up to its timeout (whole seconds, rounded up); a failure that is the timeout running out is [`Timeout`](liblxc::ErrorKind::Timeout).".into()),
        Blocks::Polls => say("Blocks up to its timeout, and never reports [`Timeout`](liblxc::ErrorKind::Timeout) before it has passed: while the container cannot be asked yet, it asks again.".into()),
        Blocks::Monitor => say("Asks the container's monitor, which answers at once.".into()),
        Blocks::Long(why) => say(format!("Blocks {why}.")),
        Blocks::Bounded(why, ms) => say(format!("Blocks {why}, which liblxc does not bound: it runs in a child that is killed, with every process it started, after the handle's call limit ([`Container::set_call_limit`](liblxc::Container::set_call_limit); {} s when none is set), which is [`Timeout`](liblxc::ErrorKind::Timeout).", ms / 1000)),
        Blocks::Killed(ms) => say(format!("liblxc's own member has no bound: it runs in a child that is killed after {} s (or at the deadline the method names), which is [`Timeout`](liblxc::ErrorKind::Timeout).", ms / 1000)),
    }
    if m.in_child {
        say("Runs in a forked child of the calling process; only its result comes back.".into())
    }
    if lines.len() == 3 {
        lines.clear();
    }
    lines
}

fn errors_doc(c: &Checked) -> Vec<String> {
    let m = c.member;
    let mut lines = vec![
        String::new(),
        "# Errors".to_string(),
        String::new(),
        format!("Fails when `{}` fails: liblxc {}.", m.name, m.fails),
    ];
    if m.needs != Needs::Nothing {
        lines.push(
            "A container in another condition than the contract's gets the kind it names.".into(),
        );
    }
    if c.params.iter().any(|p| p.class.may_refuse()) {
        lines.push(format!(
            "An argument liblxc cannot take (a NUL byte, a name that would leave the lxcpath, a timeout too large) is [`InvalidArgument`]({KIND}::InvalidArgument), and liblxc is not called."
        ));
    }
    if c.guarded {
        lines.push(format!(
            "On a liblxc older than {}{} it is [`Unsupported`]({KIND}::Unsupported), and liblxc is not touched.",
            m.since,
            m.api_ext.map(|e| format!(" or without the API extension `{e}`")).unwrap_or_default()
        ));
    }
    lines
}

fn docs(c: &Checked, d: &Decl) -> TokenStream {
    let has_errors_doc = d
        .attrs
        .iter()
        .any(|a| a.path().is_ident("doc") && quote!(#a).to_string().contains("# Errors"));
    let mut lines = contract_doc(c);
    if c.returns_result && !has_errors_doc {
        lines.extend(errors_doc(c));
    }
    let alias = (d.sig.ident != c.member.name).then(|| {
        let a = c.member.name;
        quote!(#[doc(alias = #a)])
    });
    quote!(#(#[doc = #lines])* #alias)
}

pub fn expand(c: &Checked, d: &Decl) -> TokenStream {
    let attrs = &d.attrs;
    let vis = &d.vis;
    let sig = &d.sig;
    let docs = docs(c, d);
    if let Some(block) = &d.block {
        // A body (C structs or callbacks): the macro checks it against the row, documents it,
        // and gives it `call`, a `Bound` holding the started call and the typed C member.
        let start = start(c);
        let rt = rt();
        let tramp = format_ident!("lxcrs_v1_{}", c.member.name);
        let traced = traced(
            c,
            quote! {
                #[allow(unused_variables)]
                let call = #rt::Bound::new(#start, #rt::ffi::#tramp);
                #block
            },
        );
        return quote! {
            #(#attrs)*
            #docs
            #vis #sig {
                #traced
            }
        };
    }
    let args: Vec<_> = c.params.iter().map(|p| &p.ident).collect();
    let recv = (c.member.kind == Kind::Method).then(|| quote!(self,));
    // Only what liblxc reported reaches `explain`: not a refused argument or condition.
    let explain = c.explain.as_ref().map(|explain| {
        quote_spanned! {explain.span()=> .map_err(|__e| #explain(#recv __e, &__pre, #(#args),*))}
    });
    let call = call(c, explain);
    let pre = match &c.pre {
        Some(pre) => quote_spanned! {pre.span()=> let __pre = #pre(#recv #(#args),*)?;},
        None => quote!(let __pre = ();),
    };
    // The value of `pre` (a lock, a record) lives until liblxc returned and `post` ran.
    let body = match (&c.post, c.pre.is_some() || c.explain.is_some()) {
        (Some(post), _) => quote_spanned! {post.span()=>
            let __out = { #call }?;
            #post(#recv &__pre, #(#args),*)?;
            ::core::mem::drop(__pre);
            ::core::result::Result::Ok(__out)
        },
        (None, true) => quote!(let __result = { #call }; ::core::mem::drop(__pre); __result),
        (None, false) => call,
    };
    let hooks = c.pre.is_some() || c.explain.is_some() || c.post.is_some();
    let pre = hooks.then_some(pre);
    // A `pre` function may give `()`; the expansion keeps its value all the same.
    let allow = hooks.then(|| quote!(#[allow(clippy::let_unit_value, clippy::drop_non_drop)]));
    let traced = traced(c, quote!(#pre #body));
    quote! {
        #(#attrs)*
        #docs
        #[inline]
        #allow
        #vis #sig {
            #traced
        }
    }
}

/// `body` in the call's `tracing` span (see `lxc-core/src/__private/trace.rs`), around
/// everything the method does. Without the `tracing` feature the runtime calls the closure, and
/// that is all.
fn traced(c: &Checked, body: TokenStream) -> TokenStream {
    let rt = rt();
    let member = format_ident!("{}", c.member.name);
    let meta = quote!(&#rt::meta::#member);
    // What a free function is about: the container it names, the lxcpath it is given.
    let about = |class: Class, f: TokenStream| match c.params.iter().find(|p| p.class == class) {
        Some(p) => {
            let id = &p.ident;
            quote!(#rt::#f(&#id))
        }
        None => quote!(::core::option::Option::None),
    };
    let container = about(Class::Name, quote!(subject));
    let lxcpath = about(Class::OptLxcPath, quote!(arg_text));
    let (name, args) = match (c.member.kind == Kind::Method, c.returns_result) {
        (true, true) => (quote!(method), quote!(self, #meta)),
        (true, false) => (quote!(method_infallible), quote!(self, #meta)),
        (false, true) => (quote!(free), quote!(#meta, (#container, #lxcpath))),
        (false, false) => (
            quote!(free_infallible),
            quote!(#meta, (#container, #lxcpath)),
        ),
    };
    quote!(#rt::trace::#name(#args, || { #body }))
}

/// The start of the call: the version guard (when it can fail), the clone lock, the contract.
fn start(c: &Checked) -> TokenStream {
    let rt = rt();
    let member = format_ident!("{}", c.member.name);
    let meta = quote!(#rt::meta::#member);
    match (c.member.kind == Kind::Method, c.returns_result) {
        (true, true) => quote!(#rt::Call::method(self, &#meta)?),
        (true, false) => quote!(#rt::Call::method_unguarded(self, &#meta)),
        (false, true) => quote!(#rt::Call::free(&#meta)?),
        (false, false) => quote!(#rt::Call::free_unguarded(&#meta)),
    }
}

/// The body of a declaration without one: start the call, lower, call, lift.
fn call(c: &Checked, explain: Option<TokenStream>) -> TokenStream {
    let m = c.member;
    let rt = rt();
    let is_method = m.kind == Kind::Method;
    let start = start(c);
    let subject = c
        .params
        .iter()
        .find(|p| p.class == Class::Name && !is_method)
        .map(|p| {
            let id = &p.ident;
            quote!(.with_subject(#rt::subject(&#id)))
        });
    let arg = (!is_method && subject.is_none())
        .then(|| {
            c.params.iter().find(|p| {
                matches!(
                    p.class,
                    Class::Str | Class::OptStr | Class::ConfigStr | Class::OptLxcPath
                )
            })
        })
        .flatten()
        .map(|p| {
            let id = &p.ident;
            quote!(.with_arg(#rt::arg_text(&#id)))
        });
    let lowers = c.params.iter().map(|p| {
        let rt = rt_at(p.ty.span());
        let id = &p.ident;
        let held = format_ident!("__lxc_{}", id);
        let class = class_ident(p.class);
        let name = id.to_string();
        quote_spanned! {p.ty.span()=>
            let #held = #rt::lower::<#rt::class::#class, _>(#id, &__call, #name)?;
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
            Class::ListNames => c_args.push(quote!(__names)),
            Class::ListHandles => c_args.push(quote!(__cret)),
            Class::MountV1 => {}
            _ => {
                let p = params.next().expect("checked arity");
                let held = format_ident!("__lxc_{}", p.ident);
                let class = class_ident(p.class);
                c_args.push(quote!(<_ as #rt::AsC<#rt::class::#class>>::as_c(&#held)));
            }
        }
    }
    let tramp = format_ident!("lxcrs_v1_{}", m.name);
    let ffi = quote!(#rt::ffi::#tramp(#(#c_args),*));
    let policy = format_ident!("{}", crate::check::err_name(c.err));
    let kind = kind_ident(m.proto);
    let out = &c.out;
    let rt = rt_at(out.span());
    let run = if m.proto == Proto::Listing {
        let elem = vec_elem(out);
        quote_spanned! {out.span()=>
            unsafe { __call.list::<#elem>(|__names, __cret| #ffi) } #explain
        }
    } else if m.proto == Proto::BufString {
        quote_spanned! {out.span()=>
            unsafe { __call.buf::<#rt::err::#policy, #out>(|__buf, __len| #ffi) } #explain
        }
    } else if c.returns_result {
        let run = if m.in_child {
            format_ident!("run_forked")
        } else {
            format_ident!("run")
        };
        quote_spanned! {out.span()=>
            unsafe { __call.#run::<#rt::err::#policy, #rt::ret::#kind, _, #out>(|| #ffi) } #explain
        }
    } else {
        quote_spanned! {out.span()=>
            __call.run_infallible::<#rt::ret::#kind, _, #out>(|| unsafe { #ffi })
        }
    };
    quote! {
        let __call = #start #subject #arg;
        #(#lowers)*
        #run
    }
}

/// `T` of `Vec<T>` (a listing's entries), or the type itself for rustc to explain.
fn vec_elem(t: &syn::Type) -> syn::Type {
    if let syn::Type::Path(p) = t {
        if let Some(last) = p.path.segments.last() {
            if let (true, syn::PathArguments::AngleBracketed(a)) =
                (last.ident == "Vec", &last.arguments)
            {
                if let Some(syn::GenericArgument::Type(inner)) = a.args.first() {
                    return inner.clone();
                }
            }
        }
    }
    t.clone()
}
