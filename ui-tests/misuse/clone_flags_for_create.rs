// Each member takes its own flags type: `create` takes `CreateFlags`, not `CloneFlags`.
fn create(c: &liblxc::Container) -> liblxc::Result<()> {
    c.create_with(Some("busybox"), None, None, liblxc::CloneFlags::SNAPSHOT, &[])
}

fn main() {
    let _ = create;
}
