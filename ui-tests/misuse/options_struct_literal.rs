// Option structs are `#[non_exhaustive]`: they are built with a constructor and their setters, so
// that a field a later liblxc brings can be added without breaking callers.
fn options() -> liblxc::CreateOptions {
    liblxc::CreateOptions {
        template: Some("busybox".into()),
        ..liblxc::CreateOptions::default()
    }
}

fn main() {
    let _ = options;
}
