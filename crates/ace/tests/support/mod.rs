//! What the command-line tests share: running a command for its exit code and output, and
//! an `ace serve` child process that is always stopped, even when an assertion fails first
//! (an orphaned server would hold the test run open).
#![allow(dead_code)] // each test file uses a part

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;

/// Runs an `ace` command: its exit code (-1 when a signal ended it), stdout and stderr.
pub fn run(c: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = c.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// A running `ace serve`, killed on drop unless [`Served::terminate`] stopped it.
pub struct Served {
    child: Child,
    /// `host:port` from the server's ready line.
    pub addr: String,
    /// The rest of standard error, read on a thread so the server never blocks on a full pipe.
    stderr: Option<JoinHandle<String>>,
    stopped: bool,
}

impl Served {
    /// Starts `serve` (a command running `ace … serve --listen 127.0.0.1:0 …`) and waits for
    /// the ready line naming its address.
    pub fn start(mut serve: Command) -> Served {
        let mut child = serve.stderr(Stdio::piped()).spawn().expect("serve starts");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut addr = None;
        let mut before = String::new();
        // The server may warn first (an old list snapshot); the ready line names the address.
        for _ in 0..20 {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            if let Some(rest) = line.split("http://").nth(1) {
                addr = rest.split_whitespace().next().map(str::to_string);
                break;
            }
            before.push_str(&line);
        }
        let reader = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stderr.read_to_string(&mut rest);
            rest
        });
        let mut served = Served {
            child,
            addr: String::new(),
            stderr: Some(reader),
            stopped: false,
        };
        match addr {
            Some(addr) => served.addr = addr,
            // Dropping `served` stops the child before the failure is reported.
            None => panic!("no ready line with the server's address; it wrote: {before}"),
        }
        served
    }

    /// SIGTERM (a graceful shutdown), then its exit status and the rest of its standard error.
    pub fn terminate(mut self) -> (ExitStatus, String) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM sent");
        self.finish()
    }

    /// SIGKILL, as a crash would: the exit status and what it wrote before.
    pub fn kill(mut self) -> (ExitStatus, String) {
        let _ = self.child.kill();
        self.finish()
    }

    fn finish(&mut self) -> (ExitStatus, String) {
        let status = self.child.wait().expect("the server exits");
        self.stopped = true;
        let log = self
            .stderr
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default();
        (status, log)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if !self.stopped {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
