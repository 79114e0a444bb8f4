use lxc_core::__private::AsHandle;
use lxc_macros::lxc_method;

struct MyC(lxc_core::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc_core::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(lxc_attach_run_shell, ret = Int, err = Never)]
    pub fn run_shell(&self) -> i32;
}

fn main() {}
