// Option structs are `#[non_exhaustive]`: they are built with a constructor and their setters, so
// that a field a later liblxc brings can be added without breaking callers.
fn options() -> lxc::CreateOptions {
    lxc::CreateOptions {
        template: Some("busybox".into()),
        ..lxc::CreateOptions::default()
    }
}

fn main() {
    let _ = options;
}
