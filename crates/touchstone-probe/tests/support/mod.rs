//! Simulated devices for the probe's tests: a network namespace per device,
//! a veth pair to it, and real daemons from Debian packages inside it.
//!
//! Every namespace, interface, overlay directory and process is created by
//! the test that uses it and removed in `Drop`, also when the test fails.
//! Addresses are in 10.0.0.0/8 on a veth pair: they exist only inside this
//! machine.

#![allow(dead_code, unreachable_pub)]

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A simulated device.
pub struct Device {
    pub name: String,
    host_if: String,
    pub addr: IpAddr,
    pub host_addr: IpAddr,
    pub dir: PathBuf,
    children: Vec<Child>,
}

fn run(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl Device {
    /// Create the namespace and the link. Panics (failing the test) when
    /// the machine cannot create namespaces.
    pub fn new() -> Device {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let name = format!("tsprobe-{pid}-{n}");
        let host_if = format!("tsp{}h{n}", pid % 100_000);
        let dev_if = format!("tsp{}d{n}", pid % 100_000);
        let second = 16 + (pid % 200);
        let third = 100 + n;
        let addr: IpAddr = format!("10.{second}.{third}.2")
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let host_addr: IpAddr = format!("10.{second}.{third}.1")
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let dir = std::env::temp_dir().join(&name);
        let device = Device {
            name: name.clone(),
            host_if: host_if.clone(),
            addr,
            host_addr,
            dir: dir.clone(),
            children: Vec::new(),
        };
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let steps: Vec<(&str, Vec<String>)> = vec![
            ("ip", vec!["netns".into(), "add".into(), name.clone()]),
            (
                "ip",
                [
                    "link", "add", &host_if, "type", "veth", "peer", "name", &dev_if,
                ]
                .map(str::to_owned)
                .to_vec(),
            ),
            (
                "ip",
                ["link", "set", &dev_if, "netns", &name]
                    .map(str::to_owned)
                    .to_vec(),
            ),
            (
                "ip",
                ["addr", "add", &format!("{host_addr}/24"), "dev", &host_if]
                    .map(str::to_owned)
                    .to_vec(),
            ),
            (
                "ip",
                ["link", "set", &host_if, "up"].map(str::to_owned).to_vec(),
            ),
            (
                "ip",
                [
                    "netns",
                    "exec",
                    &name,
                    "ip",
                    "addr",
                    "add",
                    &format!("{addr}/24"),
                    "dev",
                    &dev_if,
                ]
                .map(str::to_owned)
                .to_vec(),
            ),
            (
                "ip",
                ["netns", "exec", &name, "ip", "link", "set", &dev_if, "up"]
                    .map(str::to_owned)
                    .to_vec(),
            ),
            (
                "ip",
                ["netns", "exec", &name, "ip", "link", "set", "lo", "up"]
                    .map(str::to_owned)
                    .to_vec(),
            ),
        ];
        for (cmd, args) in steps {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            if let Err(e) = run(cmd, &args) {
                drop(device);
                panic!("cannot build the simulated device (tests need root and iproute2): {e}");
            }
        }
        device.wait_link();
        device
    }

    /// Wait until the device address answers (a refused connection proves the
    /// link is up); bounded.
    fn wait_link(&self) {
        for _ in 0..300 {
            match TcpStream::connect_timeout(
                &SocketAddr::new(self.addr, 9),
                Duration::from_millis(100),
            ) {
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return,
                Ok(_) => return,
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        panic!("link to {} did not come up", self.addr);
    }

    /// A file in the device's scratch directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        p
    }

    /// Run a command to completion inside the namespace's scratch dir (for
    /// key generation).
    pub fn setup(&self, cmd: &str, args: &[&str]) {
        let out = Command::new(cmd)
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{cmd}: {e}"));
        assert!(
            out.status.success(),
            "{cmd} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Start a daemon inside the namespace, bounded by `timeout 300`.
    pub fn spawn(&mut self, cmd: &str, args: &[&str]) {
        let child = Command::new("ip")
            .args(["netns", "exec", &self.name, "timeout", "300", cmd])
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{cmd}: {e}"));
        self.children.push(child);
    }

    /// Wait until `port` accepts TCP connections; bounded (10 s).
    pub fn wait_tcp(&self, port: u16) {
        for _ in 0..500 {
            if TcpStream::connect_timeout(
                &SocketAddr::new(self.addr, port),
                Duration::from_millis(100),
            )
            .is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("port {port} of the simulated device never opened");
    }

    /// Add a login account to the device: `ip netns exec` bind-mounts the
    /// files of `/etc/netns/NAME/` over `/etc/`, so daemons started after
    /// this see the account and the host's own files stay untouched.
    pub fn add_account(&self, user: &str, password: &str, uid: u32) {
        let dir = Path::new("/etc/netns").join(&self.name);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        for file in ["passwd", "shadow", "group"] {
            let target = dir.join(file);
            if !target.exists() {
                std::fs::copy(Path::new("/etc").join(file), &target)
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
            }
        }
        let out = Command::new("openssl")
            .args(["passwd", "-6", "-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                if let Some(mut stdin) = child.stdin.take() {
                    stdin.write_all(password.as_bytes())?;
                }
                child.wait_with_output()
            })
            .unwrap_or_else(|e| panic!("openssl passwd: {e}"));
        let hash = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert!(hash.starts_with("$6$"), "openssl passwd gave {hash:?}");
        let append = |file: &str, line: String| {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(dir.join(file))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            writeln!(f, "{line}").unwrap_or_else(|e| panic!("{file}: {e}"));
        };
        if user == "root" {
            // Replace root's password in the overlay's shadow.
            let path = dir.join("shadow");
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            let replaced: Vec<String> = text
                .lines()
                .map(|l| match l.strip_prefix("root:") {
                    Some(rest) => {
                        let tail = rest.split_once(':').map_or("", |(_, t)| t);
                        format!("root:{hash}:{tail}")
                    }
                    None => l.to_owned(),
                })
                .collect();
            std::fs::write(&path, replaced.join("\n") + "\n").unwrap_or_else(|e| panic!("{e}"));
            return;
        }
        append("passwd", format!("{user}:x:{uid}:{uid}::/:/bin/sh"));
        append("shadow", format!("{user}:{hash}:19000:0:99999:7:::"));
        append("group", format!("{user}:x:{uid}:"));
    }

    pub fn target(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        // `ip netns exec` runs the daemon as its child; deleting the
        // namespace does not kill them, so kill what is left inside it.
        if let Ok(out) = Command::new("ip")
            .args(["netns", "pids", &self.name])
            .output()
        {
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = Command::new("kill").args(["-9", pid]).status();
            }
        }
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_if])
            .stderr(Stdio::null())
            .status();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_dir_all(Path::new("/etc/netns").join(&self.name));
    }
}

/// A weak camera: Dropbear with a 1024-bit RSA key, BusyBox telnetd,
/// lighttpd, an anonymous mosquitto, a TLS 1.0-only OpenSSL server with a
/// 1024-bit SHA-1 self-signed certificate, and a modern OpenSSL server.
pub fn weak_camera() -> Device {
    let mut d = Device::new();
    let addr = d.target();
    d.setup(
        "dropbearkey",
        &["-t", "rsa", "-s", "1024", "-f", "dropbear_rsa"],
    );
    d.setup(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:1024",
            "-sha1",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=weak-cam",
            "-keyout",
            "weak.key",
            "-out",
            "weak.pem",
        ],
    );
    d.setup(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-sha256",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=good-cam",
            "-keyout",
            "good.key",
            "-out",
            "good.pem",
        ],
    );
    // Telnet on 23: a real shell behind root/xc3511 (the Mirai pair).
    let login = d.write(
        "login.sh",
        "#!/bin/sh\nprintf 'cam login: '\nread user\nprintf 'Password: '\nread pass\n\
         if [ \"$user\" = root ] && [ \"$pass\" = xc3511 ]; then exec /bin/sh -i; fi\n\
         echo 'Login incorrect'\nexit 1\n",
    );
    // Telnet on 2323: a fake console that shows a root prompt for any login
    // and executes nothing: no credential may be reported for it.
    let fake = d.write(
        "fake.sh",
        "#!/bin/sh\nprintf 'login: '\nread user\nprintf 'Password: '\nread pass\nprintf '# '\n\
         while read line; do printf '# '; done\n",
    );
    for script in [&login, &fake] {
        d.setup("chmod", &["755", script.to_str().unwrap_or_default()]);
    }
    let docroot = d.path("www");
    std::fs::create_dir_all(&docroot).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(docroot.join("index.html"), "<h1>cam</h1>\n").unwrap_or_else(|e| panic!("{e}"));
    let users = d.write("http-users", "admin:admin\n");
    let lighttpd = d.write(
        "lighttpd.conf",
        &format!(
            "server.modules = (\"mod_auth\", \"mod_authn_file\")\n\
             server.document-root = \"{}\"\nserver.bind = \"{addr}\"\nserver.port = 80\n\
             index-file.names = (\"index.html\")\n\
             auth.backend = \"plain\"\nauth.backend.plain.userfile = \"{}\"\n\
             auth.require = (\"/\" => (\"method\" => \"basic\", \"realm\" => \"cam\", \"require\" => \"valid-user\"))\n",
            docroot.display(),
            users.display()
        ),
    );
    // HTTP Digest on 8080: admin/12345 (htdigest line user:realm:md5(user:realm:password)).
    d.setup(
        "sh",
        &["-c", "printf 'admin:cam:%s\\n' \"$(printf 'admin:cam:12345' | md5sum | cut -d' ' -f1)\" > http-digest"],
    );
    let digest = d.write(
        "lighttpd-digest.conf",
        &format!(
            "server.modules = (\"mod_auth\", \"mod_authn_file\")\n\
             server.document-root = \"{}\"\nserver.bind = \"{addr}\"\nserver.port = 8080\n\
             index-file.names = (\"index.html\")\n\
             auth.backend = \"htdigest\"\nauth.backend.htdigest.userfile = \"{}\"\n\
             auth.require = (\"/\" => (\"method\" => \"digest\", \"realm\" => \"cam\", \"require\" => \"valid-user\"))\n",
            docroot.display(),
            d.path("http-digest").display()
        ),
    );
    let passwords = d.path("mqtt-passwords");
    d.setup(
        "mosquitto_passwd",
        &[
            "-b",
            "-c",
            passwords.to_str().unwrap_or_default(),
            "admin",
            "password",
        ],
    );
    let mosquitto = d.write(
        "mosquitto.conf",
        &format!(
            "user root\nper_listener_settings true\npersistence false\n\
             listener 1883 {addr}\nallow_anonymous true\n\
             listener 1884 {addr}\nallow_anonymous false\npassword_file {}\n",
            passwords.display()
        ),
    );
    // SSH accounts: `support` keeps its factory password (in the bundled
    // list); `root` and `admin` have unique ones that no list pair matches.
    d.add_account("root", "Kx7-unique-root-4418", 0);
    d.add_account("admin", "Mq2-unique-admin-9051", 1500);
    d.add_account("support", "support", 1501);
    let key = d.path("dropbear_rsa");
    d.spawn(
        "dropbear",
        &[
            "-F",
            "-E",
            "-p",
            &format!("{addr}:22"),
            "-r",
            key.to_str().unwrap_or_default(),
        ],
    );
    d.spawn(
        "busybox",
        &[
            "telnetd",
            "-F",
            "-p",
            "23",
            "-b",
            &addr,
            "-l",
            login.to_str().unwrap_or_default(),
        ],
    );
    d.spawn(
        "busybox",
        &[
            "telnetd",
            "-F",
            "-p",
            "2323",
            "-b",
            &addr,
            "-l",
            fake.to_str().unwrap_or_default(),
        ],
    );
    d.spawn(
        "lighttpd",
        &["-D", "-f", lighttpd.to_str().unwrap_or_default()],
    );
    d.spawn(
        "lighttpd",
        &["-D", "-f", digest.to_str().unwrap_or_default()],
    );
    d.spawn("mosquitto", &["-c", mosquitto.to_str().unwrap_or_default()]);
    d.spawn(
        "openssl",
        &[
            "s_server",
            "-www",
            "-accept",
            &format!("{addr}:4433"),
            "-cert",
            "weak.pem",
            "-key",
            "weak.key",
            "-tls1",
            "-cipher",
            "DEFAULT:@SECLEVEL=0",
        ],
    );
    d.spawn(
        "openssl",
        &[
            "s_server",
            "-www",
            "-accept",
            &format!("{addr}:8443"),
            "-cert",
            "good.pem",
            "-key",
            "good.key",
        ],
    );
    for port in [22, 23, 80, 1883, 1884, 2323, 4433, 8080, 8443] {
        d.wait_tcp(port);
    }
    d
}
