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
    /// The device's end of the veth pair (inside the namespace).
    pub dev_if: String,
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
            dev_if: dev_if.clone(),
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

impl Device {
    /// A file in the namespace's `/etc` overlay (`/etc/netns/NAME/REL`,
    /// bind-mounted over `/etc/REL` for commands started in the namespace).
    pub fn etc_file(&self, rel: &str, text: &str) -> PathBuf {
        let p = Path::new("/etc/netns").join(&self.name).join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        p
    }

    /// Add an account to the namespace's passwd, shadow and group overlay
    /// (started from the host's files the first time), without touching the
    /// host's accounts.
    pub fn add_account_with_home(
        &self,
        user: &str,
        uid: u32,
        password: &str,
        home: &Path,
        shell: &str,
    ) {
        let etc = Path::new("/etc/netns").join(&self.name);
        std::fs::create_dir_all(&etc).unwrap_or_else(|e| panic!("{e}"));
        let out = Command::new("openssl")
            .args(["passwd", "-6", password])
            .output()
            .unwrap_or_else(|e| panic!("openssl passwd: {e}"));
        let hash = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        for (file, line) in [
            (
                "passwd",
                format!("{user}:x:{uid}:{uid}::{}:{shell}\n", home.display()),
            ),
            ("shadow", format!("{user}:{hash}:19000:0:99999:7:::\n")),
            ("group", format!("{user}:x:{uid}:\n")),
        ] {
            let p = etc.join(file);
            let mut text = std::fs::read_to_string(&p)
                .or_else(|_| std::fs::read_to_string(Path::new("/etc").join(file)))
                .unwrap_or_else(|e| panic!("/etc/{file}: {e}"));
            text.push_str(&line);
            std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }

    /// Wait until the mDNS responder answers a unicast query for
    /// `service` (for instance `_http._tcp.local`) with at least one record;
    /// bounded (10 s).
    pub fn wait_mdns(&self, service: &str) {
        let mut query = vec![0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        for label in service.split('.') {
            query.push(u8::try_from(label.len()).unwrap_or(0));
            query.extend_from_slice(label.as_bytes());
        }
        query.extend_from_slice(&[0, 0, 12, 0, 1]);
        let socket = std::net::UdpSocket::bind("0.0.0.0:0").unwrap_or_else(|e| panic!("{e}"));
        let _ = socket.set_read_timeout(Some(Duration::from_millis(200)));
        let mut buf = [0u8; 2048];
        for _ in 0..50 {
            let _ = socket.send_to(&query, SocketAddr::new(self.addr, 5353));
            if let Ok(n) = socket.recv(&mut buf)
                && n >= 12
                && buf.get(6..8).is_some_and(|c| c != [0, 0])
            {
                return;
            }
        }
        panic!("mDNS on the simulated device never answered for {service}");
    }
}

/// Add to a simulated device: vsftpd on 21 (anonymous login off, one local
/// account `camftp` whose password is on no default list), miniupnpd (SSDP
/// on UDP 1900, description over HTTP on 5000, with a serial number),
/// avahi-daemon without D-Bus (mDNS on UDP 5353 announcing `_http._tcp`
/// with model, firmware and serial TXT records) and libcoap's coap-server
/// (CoAP on UDP and TCP 5683).
pub fn add_discovery_and_ftp(d: &mut Device) {
    let addr = d.target();
    // FTP. PAM through a service file of the namespace's own (no 2 s
    // pam_unix delay); vsftpd keeps its own 1 s delay after a failed login.
    let home = d.path("ftp-home");
    std::fs::create_dir_all(&home).unwrap_or_else(|e| panic!("{e}"));
    d.add_account_with_home("camftp", 1502, "Cam-ftp-2026!", &home, "/usr/sbin/nologin");
    let host_pam = std::fs::read_dir("/etc/pam.d").unwrap_or_else(|e| panic!("/etc/pam.d: {e}"));
    for entry in host_pam.flatten() {
        if let Ok(text) = std::fs::read_to_string(entry.path()) {
            d.etc_file(
                &format!("pam.d/{}", entry.file_name().to_string_lossy()),
                &text,
            );
        }
    }
    d.etc_file(
        "pam.d/touchstone-ftp",
        "auth required pam_unix.so nodelay\naccount required pam_unix.so\nsession required pam_permit.so\n",
    );
    let empty = d.path("vsftpd-empty");
    std::fs::create_dir_all(&empty).unwrap_or_else(|e| panic!("{e}"));
    let vsftpd = d.write(
        "vsftpd.conf",
        &format!(
            "listen=YES\nlisten_address={addr}\nbackground=NO\nanonymous_enable=NO\n\
             local_enable=YES\npam_service_name=touchstone-ftp\nseccomp_sandbox=NO\n\
             secure_chroot_dir={}\n",
            empty.display()
        ),
    );
    d.spawn("vsftpd", &[vsftpd.to_str().unwrap_or_default()]);

    // UPnP IGD: a private "external" address only makes miniupnpd warn that
    // forwarding is impossible; SSDP and the description are served. Its
    // nftables rules live in the namespace and vanish with it.
    let upnp = d.write(
        "miniupnpd.conf",
        &format!(
            "ext_ifname={dev}\nlistening_ip={dev}\nport=5000\nenable_upnp=yes\nenable_natpmp=no\n\
             uuid=3f1b6a2c-7e11-4d2a-9c3b-5a6d7e8f9012\nfriendly_name=Garden Cam\n\
             serial=GC0417A\nmodel_number=GC-200\nsecure_mode=yes\n\
             allow 1024-65535 10.0.0.0/8 1024-65535\ndeny 0-65535 0.0.0.0/0 0-65535\n",
            dev = d.dev_if
        ),
    );
    let pid = d.path("miniupnpd.pid");
    d.spawn(
        "miniupnpd",
        &[
            "-d",
            "-f",
            upnp.to_str().unwrap_or_default(),
            "-P",
            pid.to_str().unwrap_or_default(),
        ],
    );

    // mDNS: the services directory is /etc/avahi/services, so it comes
    // from the overlay; no D-Bus, no privilege drop, no chroot.
    d.etc_file(
        "avahi/services/cam.service",
        "<?xml version=\"1.0\" standalone='no'?>\n\
         <!DOCTYPE service-group SYSTEM \"avahi-service.dtd\">\n\
         <service-group>\n  <name>Garden Cam</name>\n  <service>\n    <type>_http._tcp</type>\n\
         <port>80</port>\n    <txt-record>model=GC-200</txt-record>\n\
         <txt-record>fw=1.4.2</txt-record>\n    <txt-record>serial=GC0417A</txt-record>\n\
         </service>\n</service-group>\n",
    );
    let avahi = d.write(
        "avahi-daemon.conf",
        &format!(
            "[server]\nhost-name=gardencam\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces={}\n\
             enable-dbus=no\n[wide-area]\nenable-wide-area=no\n\
             [publish]\npublish-workstation=no\npublish-hinfo=no\n",
            d.dev_if
        ),
    );
    // avahi keeps its pid file and socket in /run/avahi-daemon: give it a
    // private tmpfs there (in the mount namespace `ip netns exec` creates),
    // so the host's directory is never touched.
    d.spawn(
        "sh",
        &[
            "-c",
            &format!(
                "mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon && \
                 exec avahi-daemon -f {} --no-drop-root --no-chroot --no-rlimits",
                avahi.display()
            ),
        ],
    );

    // CoAP: libcoap's example server (UDP and TCP 5683).
    d.spawn("coap-server-notls", &["-A", &addr, "-p", "5683"]);

    for port in [21, 5000, 5683] {
        d.wait_tcp(port);
    }
    d.wait_mdns("_http._tcp.local");
}

/// A weak camera: Dropbear with a 1024-bit RSA key, BusyBox telnetd,
/// lighttpd, an anonymous mosquitto, a TLS 1.0-only OpenSSL server with a
/// 1024-bit SHA-1 self-signed certificate, a modern OpenSSL server, and the
/// daemons of [`add_discovery_and_ftp`].
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
    add_discovery_and_ftp(&mut d);
    d
}

/// Probe one port of `ip` (no UDP requests) with the default options.
pub fn probe_port(ip: std::net::IpAddr, port: u16) -> touchstone_probe::ProbeReport {
    let options = touchstone_probe::Options {
        ports: touchstone_probe::Ports::List(vec![port]),
        udp: Vec::new(),
        ..touchstone_probe::Options::default()
    };
    touchstone_probe::probe_blocking(&ip.to_string(), &options).unwrap_or_else(|e| panic!("{e}"))
}

/// Findings of the credential checks, as `check supports: message`.
pub fn credential_findings(r: &touchstone_probe::ProbeReport) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| {
            matches!(
                f.check.as_str(),
                "net-default-credential" | "net-no-authentication"
            )
        })
        .map(|f| format!("{} {}: {}", f.check, f.supports.as_str(), f.message))
        .collect()
}
