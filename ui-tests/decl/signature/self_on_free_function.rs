use lxc_core::__private::AsHandle;
use lxc_macros::lxc_method;

struct MyC(lxc_core::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc_core::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(lxc_get_version, ret = StaticStr, err = Never)]
    pub fn version(&self) -> lxc_core::Result<String>;
}

fn main() {}
