use lxc::dsl::AsHandle;
use lxc::dsl::lxc_method;

struct MyC(lxc::dsl::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc::dsl::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(lxc_attach_run_shell)]
    pub fn run_shell(&self) -> i32;
}

fn main() {}
