//! The async face of lxc-rs for tokio (the `tokio` feature): [`AsyncContainer`], whose calls run
//! on tokio's blocking threads, and [`AsyncChild`], a program awaited through its pidfd.
//!
//! liblxc's calls block (a start waits for the container's init, a destroy removes its storage, a
//! `wait` for its timeout), so none of them may run on a worker thread of the runtime.
//! [`AsyncContainer::call`] runs any method of [`Container`] on `spawn_blocking`: it is the one
//! mechanism, and the named methods (`start`, `stop`, `create`, …) are that call and nothing
//! else. [`AsyncContainer::spawn`] runs a [`Command`](crate::Command)'s `spawn` there, and gives
//! back an [`AsyncChild`], whose exit is awaited through its pidfd (`AsyncFd`, no thread waits)
//! and whose pipes are tokio's `AsyncRead`/`AsyncWrite`.

mod child;

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lxc_core::{Error, ErrorKind, Result};

use crate::{Child, CloneOptions, Container, CreateOptions, State};

pub use self::child::AsyncChild;

/// A [`Container`] for async code: each call runs on tokio's blocking threads
/// (`spawn_blocking`), never on a worker of the runtime.
///
/// An `AsyncContainer` is `Send`, `Sync` and cheap to clone: clones share the one container, and
/// their calls run one at a time, in the order the blocking threads take them (as with
/// [`Container::try_clone`]). Open one per container for calls that should overlap.
///
/// Dropping the future of a call does not stop the call: liblxc cannot be interrupted, so it runs
/// to its end on its blocking thread (bound it with the method's own timeout, where it has one).
///
/// ```no_run
/// # use liblxc_decls as liblxc; // users reach it through the `liblxc` crate
/// # async fn run() -> lxc_core::Result<()> {
/// use std::time::Duration;
/// use liblxc::{AsyncContainer, State};
///
/// let c = AsyncContainer::open("web", "/var/lib/lxc").await?;
/// c.start().await?;
/// c.wait(State::Running, Duration::from_secs(5)).await?;
/// // Any other method, through `call`:
/// let pid = c.call(|c| c.init_pid()).await?;
/// println!("init runs as {pid}");
/// c.shutdown(Duration::from_secs(30)).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AsyncContainer {
    inner: Arc<Mutex<Container>>,
    name: Arc<str>,
}

impl std::fmt::Debug for AsyncContainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncContainer")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl From<Container> for AsyncContainer {
    fn from(c: Container) -> AsyncContainer {
        AsyncContainer::new(c)
    }
}

/// Runs `f` on tokio's blocking threads.
async fn blocking<T: Send + 'static>(
    op: &'static str,
    container: Option<&str>,
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        // A panic of the call is the caller's: it goes on unwinding in the caller's task.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => {
            let e = Error::new(
                ErrorKind::Failed,
                op,
                format!("the runtime shut down before the call ran ({e})"),
            );
            Err(match container {
                Some(name) => e.with_container(name),
                None => e,
            })
        }
    }
}

impl AsyncContainer {
    /// Takes over `container`; its calls run on tokio's blocking threads from now on.
    pub fn new(container: Container) -> AsyncContainer {
        AsyncContainer {
            name: container.name().into(),
            inner: Arc::new(Mutex::new(container)),
        }
    }

    /// Opens the container `name` in `lxcpath` ([`Container::new_in`]) on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::new_in`].
    pub async fn open(name: &str, lxcpath: impl AsRef<Path>) -> Result<AsyncContainer> {
        let (name, lxcpath) = (name.to_owned(), lxcpath.as_ref().to_owned());
        blocking("lxc_container_new", None, move || {
            Container::new_in(&name, lxcpath)
        })
        .await
        .map(AsyncContainer::new)
    }

    /// The container's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The [`Container`] back, when no clone of this `AsyncContainer` and no call is left.
    ///
    /// # Errors
    ///
    /// `self`, when another clone or a call still holds the container.
    pub fn into_container(self) -> std::result::Result<Container, AsyncContainer> {
        match Arc::try_unwrap(self.inner) {
            Ok(m) => Ok(m.into_inner().unwrap_or_else(PoisonError::into_inner)),
            Err(inner) => Err(AsyncContainer {
                inner,
                name: self.name,
            }),
        }
    }

    /// Runs `f` with the container on tokio's blocking threads (`spawn_blocking`), after the
    /// calls of this container that came first. Every method of [`Container`] is reachable this
    /// way: `c.call(|c| c.config_item("lxc.uts.name")).await`.
    ///
    /// A panic in `f` resumes in the caller's task.
    ///
    /// # Errors
    ///
    /// What `f` returns; `Failed` when the runtime shut down before `f` ran.
    pub async fn call<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Container) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let inner = self.inner.clone();
        blocking("spawn_blocking", Some(&self.name), move || {
            let c = inner.lock().unwrap_or_else(PoisonError::into_inner);
            f(&c)
        })
        .await
    }

    /// Starts a program in the container: `f` builds and spawns a [`Command`](crate::Command) on
    /// a blocking thread (liblxc's `attach` forks and waits for the program to start), and the
    /// [`Child`] it returns comes back as an [`AsyncChild`].
    ///
    /// ```no_run
    /// # use liblxc_decls as liblxc;
    /// # async fn run(c: liblxc::AsyncContainer) -> lxc_core::Result<()> {
    /// use liblxc::Stdio;
    /// use tokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// let mut child = c
    ///     .spawn(|c| c.command("dmesg").stdout(Stdio::piped()).spawn())
    ///     .await?;
    /// let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    /// while let Ok(Some(line)) = lines.next_line().await {
    ///     println!("{line}");
    /// }
    /// let status = child.wait().await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// What `f` returns ([`Command::spawn`](crate::Command::spawn)); `Failed` when the child's
    /// pipes or pidfd cannot be registered with the runtime (the child is then killed).
    pub async fn spawn<F>(&self, f: F) -> Result<AsyncChild>
    where
        F: FnOnce(&Container) -> Result<Child> + Send + 'static,
    {
        AsyncChild::from_child(self.call(f).await?)
    }

    /// [`Container::create`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::create`].
    pub async fn create(&self, template: &str) -> Result<()> {
        let template = template.to_owned();
        self.call(move |c| c.create(&template)).await
    }

    /// [`Container::create_with_options`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::create_with_options`].
    pub async fn create_with_options(&self, opts: &CreateOptions) -> Result<()> {
        let opts = opts.clone();
        self.call(move |c| c.create_with_options(&opts)).await
    }

    /// [`Container::start`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::start`].
    pub async fn start(&self) -> Result<()> {
        self.call(Container::start).await
    }

    /// [`Container::start_with`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::start_with`].
    pub async fn start_with(
        &self,
        mode: crate::StartMode,
        argv: &[impl AsRef<std::ffi::OsStr>],
    ) -> Result<()> {
        let argv: Vec<std::ffi::OsString> = argv.iter().map(|a| a.as_ref().to_owned()).collect();
        self.call(move |c| c.start_with(mode, &argv)).await
    }

    /// [`Container::stop`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::stop`].
    pub async fn stop(&self) -> Result<()> {
        self.call(Container::stop).await
    }

    /// [`Container::shutdown`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::shutdown`].
    pub async fn shutdown(&self, timeout: Duration) -> Result<()> {
        self.call(move |c| c.shutdown(timeout)).await
    }

    /// [`Container::reboot`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::reboot`].
    pub async fn reboot(&self) -> Result<()> {
        self.call(Container::reboot).await
    }

    /// [`Container::wait`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::wait`].
    pub async fn wait(&self, state: State, timeout: Duration) -> Result<()> {
        self.call(move |c| c.wait(state, timeout)).await
    }

    /// [`Container::state`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::state`].
    pub async fn state(&self) -> Result<State> {
        self.call(Container::state).await
    }

    /// [`Container::freeze`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::freeze`].
    pub async fn freeze(&self) -> Result<()> {
        self.call(Container::freeze).await
    }

    /// [`Container::unfreeze`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::unfreeze`].
    pub async fn unfreeze(&self) -> Result<()> {
        self.call(Container::unfreeze).await
    }

    /// [`Container::destroy`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::destroy`].
    pub async fn destroy(&self) -> Result<()> {
        self.call(Container::destroy).await
    }

    /// [`Container::destroy_with_snapshots`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::destroy_with_snapshots`].
    pub async fn destroy_with_snapshots(&self) -> Result<()> {
        self.call(Container::destroy_with_snapshots).await
    }

    /// [`Container::snapshot`] (without a comment), on a blocking thread; the number of the new
    /// snapshot.
    ///
    /// # Errors
    ///
    /// As [`Container::snapshot`].
    pub async fn snapshot(&self) -> Result<u32> {
        self.call(|c| c.snapshot(None)).await
    }

    /// [`Container::snapshot_restore`], on a blocking thread.
    ///
    /// # Errors
    ///
    /// As [`Container::snapshot_restore`].
    pub async fn snapshot_restore(&self, name: &str, new_name: Option<&str>) -> Result<()> {
        let (name, new_name) = (name.to_owned(), new_name.map(str::to_owned));
        self.call(move |c| c.snapshot_restore(&name, new_name.as_deref()))
            .await
    }

    /// [`Container::clone_as`], on a blocking thread: the copy, opened.
    ///
    /// # Errors
    ///
    /// As [`Container::clone_as`].
    pub async fn clone_as(&self, new_name: &str) -> Result<AsyncContainer> {
        let new_name = new_name.to_owned();
        self.call(move |c| c.clone_as(&new_name))
            .await
            .map(AsyncContainer::new)
    }

    /// [`Container::clone_with_options`], on a blocking thread: the copy, opened.
    ///
    /// # Errors
    ///
    /// As [`Container::clone_with_options`].
    pub async fn clone_with_options(&self, opts: &CloneOptions) -> Result<AsyncContainer> {
        let opts = opts.clone();
        self.call(move |c| c.clone_with_options(&opts))
            .await
            .map(AsyncContainer::new)
    }
}
