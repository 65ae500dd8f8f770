//! Fetching the CSL from trade.gov for `ace lists update`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The official CSL JSON download.
pub const CSL_JSON_URL: &str =
    "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.json";
/// The official CSL CSV download.
pub const CSL_CSV_URL: &str =
    "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(300);

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// No connection (offline, DNS, refused, TLS, timeout).
    #[error("could not reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// The server answered with an error status.
    #[error("download of {url} failed: HTTP {status}")]
    Status { url: String, status: u16 },
    /// The body was empty.
    #[error("download of {url} returned an empty file")]
    Empty { url: String },
    /// Writing the file failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Downloads `url` into the directory `dest` (created if needed), naming the file
/// after the URL's last path segment (`consolidated.json`). The body goes to a
/// `.part` file that is renamed only when complete, so a failed download never
/// leaves a half file under the final name. Times out after 10 s without a
/// connection and 300 s overall. Returns the file's path; import it with
/// [`super::SnapshotStore::import`].
pub fn download_csl(url: &str, dest: &Path) -> Result<PathBuf, DownloadError> {
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(CONNECT_TIMEOUT)
        .timeout(TOTAL_TIMEOUT)
        .build();
    let response = agent.get(url).call().map_err(|e| match e {
        ureq::Error::Status(status, _) => DownloadError::Status {
            url: url.to_owned(),
            status,
        },
        ureq::Error::Transport(t) => DownloadError::Unreachable {
            url: url.to_owned(),
            reason: t.to_string(),
        },
    })?;
    fs::create_dir_all(dest).map_err(|source| DownloadError::Write {
        path: dest.to_path_buf(),
        source,
    })?;
    let target = dest.join(file_name_of(url));
    let part = target.with_extension("part");
    let written = write_body(response.into_reader(), &part);
    let size = match written {
        Ok(size) => size,
        Err(source) => {
            let _ = fs::remove_file(&part);
            return Err(body_error(url, &part, source));
        }
    };
    if size == 0 {
        let _ = fs::remove_file(&part);
        return Err(DownloadError::Empty {
            url: url.to_owned(),
        });
    }
    fs::rename(&part, &target).map_err(|source| DownloadError::Write {
        path: target.clone(),
        source,
    })?;
    Ok(target)
}

fn write_body(mut body: impl io::Read, path: &Path) -> io::Result<u64> {
    let mut file = fs::File::create(path)?;
    let size = io::copy(&mut body, &mut file)?;
    file.sync_all()?;
    Ok(size)
}

/// Network failures while reading the body are "unreachable", not write errors.
fn body_error(url: &str, part: &Path, source: io::Error) -> DownloadError {
    match source.kind() {
        io::ErrorKind::TimedOut
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::UnexpectedEof => DownloadError::Unreachable {
            url: url.to_owned(),
            reason: source.to_string(),
        },
        _ => DownloadError::Write {
            path: part.to_path_buf(),
            source,
        },
    }
}

/// The last path segment of a URL without query, or `consolidated` when it has none.
fn file_name_of(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    let safe = !last.is_empty() && !last.contains(':') && last != "." && last != "..";
    if safe {
        last.to_owned()
    } else {
        "consolidated".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_urls() {
        assert_eq!(file_name_of(CSL_JSON_URL), "consolidated.json");
        assert_eq!(file_name_of("https://x.test/a/list.csv?x=1"), "list.csv");
        assert_eq!(file_name_of("https://x.test/"), "consolidated");
    }

    #[test]
    fn offline_fails_fast_with_a_clear_message() {
        let dir = std::env::temp_dir().join(format!("ace-lists-download-{}", std::process::id()));
        let started = std::time::Instant::now();
        let result = download_csl("http://127.0.0.1:9/consolidated.json", &dir);
        let Err(err) = result else {
            panic!("a refused port must fail")
        };
        let message = err.to_string();
        assert!(
            message.starts_with("could not reach http://127.0.0.1:9/consolidated.json: "),
            "{message}"
        );
        assert!(started.elapsed() < Duration::from_secs(15));
        assert!(!dir.join("consolidated.json").exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
