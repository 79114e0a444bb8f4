// Each member takes its own flags type: `create` takes `CreateFlags`, not `CloneFlags`.
fn create(c: &lxc::Container) -> lxc::Result<()> {
    c.create_with(Some("busybox"), None, None, lxc::CloneFlags::SNAPSHOT, &[] as &[&str])
}

fn main() {
    let _ = create;
}
