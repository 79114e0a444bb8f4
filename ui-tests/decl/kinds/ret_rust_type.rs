use lxc_core::__private::AsHandle;
use lxc_macros::lxc_method;

struct MyC(lxc_core::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc_core::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(get_keys, ret = Vec<String>, err = Neg)]
    pub fn keys(&self, prefix: Option<&str>) -> lxc_core::Result<Vec<String>>;
}

fn main() {}
