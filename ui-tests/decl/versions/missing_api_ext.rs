use lxc_core::__private::AsHandle;
use lxc_macros::lxc_method;

struct MyC(lxc_core::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc_core::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(seccomp_notify_fd_active, ret = OwnedFd, err = NegErrno, since = "4.0.5")]
    pub fn seccomp_notify_fd_active(&self) -> lxc_core::Result<std::os::fd::OwnedFd>;
}

fn main() {}
