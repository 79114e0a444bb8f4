use lxc::dsl::AsHandle;
use lxc::dsl::lxc_method;

struct MyC(lxc::dsl::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc::dsl::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(freeze)]
    pub fn freeze(&self) -> lxc::Result<()> {
        Ok(())
    }
}

fn main() {}
