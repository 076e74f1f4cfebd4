//! What starts at boot: inittab, rc scripts and init.d, BusyBox init,
//! inetd and xinetd, systemd units and OpenWrt procd scripts.
//!
//! The analysis follows the boot the way the device would: from `inittab`
//! (or BusyBox's built-in default) into `rcS`, through `for` loops over
//! `/etc/init.d/S??*`, into every script called, expanding simple variables
//! (`x=value`, ``x=`cat /etc/file` ``) so that a command line such as
//! `telnetd -u Alphanetworks:$image_sign` is reported with its real value.
//! It is a static reading, not an emulation: commands inside `if`/`case`
//! are reported as conditional, and super-server configurations whose
//! launcher is never started are reported as configured only.

use std::collections::{BTreeMap, BTreeSet};

use crate::files::{Files, normalize};

/// How sure the analysis is that a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Certainty {
    /// Reached unconditionally from the boot entry point.
    Boot,
    /// Reached, but inside a condition (`if`, `case`, `&&`).
    Conditional,
    /// Configured (inetd.conf, a unit file), but nothing found starts its launcher.
    ConfigOnly,
}

/// How a command is started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A line of `/etc/inittab`.
    Inittab,
    /// A shell script run during boot.
    Script,
    /// `inetd.conf`.
    Inetd,
    /// `xinetd` configuration.
    Xinetd,
    /// A systemd unit.
    Systemd,
    /// An OpenWrt procd init script.
    Procd,
}

/// Where a command was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// File inside the image.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The line as written.
    pub text: String,
}

/// A program started at boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// Program name (basename), for instance `telnetd`.
    pub program: String,
    /// Arguments after the program, variables expanded.
    pub args: Vec<String>,
    /// The user it runs as, when the launcher says (`root` for inetd `root`, systemd without `User=`).
    pub user: Option<String>,
    /// How it is started.
    pub via: Via,
    /// How sure the analysis is.
    pub certainty: Certainty,
    /// Where.
    pub origin: Origin,
    /// Every chain of calls that reaches this command, outermost first
    /// (`/etc/inittab:3 > /etc/init.d/rcS:12`); one entry per distinct chain.
    /// The same command at the same line reached several ways is one
    /// [`Started`] with several paths, never several.
    pub paths: Vec<String>,
}

impl Started {
    /// The command line as the device would run it.
    pub fn command(&self) -> String {
        let mut c = self.program.clone();
        for a in &self.args {
            c.push(' ');
            c.push_str(a);
        }
        c
    }

    /// Evidence for a finding about this command: `first` (the line or the
    /// command line) and, when it was reached through other scripts or
    /// several ways, every call chain that reaches it.
    pub fn evidence(&self, first: &str) -> String {
        let mut out = first.trim().to_owned();
        if self.paths.len() > 1 || self.paths.iter().any(|p| p.contains(" > ")) {
            out.push_str("\nreached by: ");
            out.push_str(&self.paths.join("; "));
        }
        out
    }

    /// The value following a flag, as in `-u user:pass` or `-uuser:pass`.
    pub fn flag_value(&self, flag: &str) -> Option<&str> {
        let mut it = self.args.iter();
        while let Some(a) = it.next() {
            if a == flag {
                return it.next().map(String::as_str);
            }
            if flag.len() == 2
                && let Some(v) = a.strip_prefix(flag)
                && !v.is_empty()
                && !a.starts_with("--")
            {
                return Some(v);
            }
        }
        None
    }

    /// Whether a flag is present (alone or with an attached value).
    pub fn has_flag(&self, flag: &str) -> bool {
        self.args
            .iter()
            .any(|a| a == flag || (flag.len() == 2 && a.starts_with(flag) && !a.starts_with("--")))
    }
}

/// An interactive console defined by `inittab`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Console {
    /// The terminal (`ttyS0`, `console` when the id field is empty).
    pub tty: String,
    /// The inittab action (`respawn`, `askfirst`, ...).
    pub action: String,
    /// The program (a shell, getty or login).
    pub program: String,
    /// Whether a password is asked before the shell (getty/login), or not (a bare shell).
    pub login: bool,
    /// Where.
    pub origin: Origin,
}

/// Everything found about the boot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Boot {
    /// Programs started.
    pub started: Vec<Started>,
    /// Consoles.
    pub consoles: Vec<Console>,
    /// Scripts read, in order.
    pub scripts: Vec<String>,
    /// What could not be followed (missing scripts, limits).
    pub notes: Vec<String>,
    /// Set when the work budget ran out: what follows it was not analysed.
    pub incomplete: Option<String>,
}

/// Daemons that listen on the network, by program name.
pub const NETWORK_DAEMONS: &[&str] = &[
    "telnetd",
    "utelnetd",
    "in.telnetd",
    "dropbear",
    "sshd",
    "httpd",
    "lighttpd",
    "uhttpd",
    "boa",
    "goahead",
    "mini_httpd",
    "thttpd",
    "nginx",
    "webs",
    "ftpd",
    "vsftpd",
    "bftpd",
    "proftpd",
    "pure-ftpd",
    "tftpd",
    "in.tftpd",
    "miniupnpd",
    "upnpd",
    "dnsmasq",
    "snmpd",
    "mosquitto",
    "tddp",
    "smbd",
    "nmbd",
    "lld2d",
    "avahi-daemon",
    "mdnsd",
    "mDNSResponderPosix",
    "adbd",
    "gdbserver",
    "rtspd",
    "onvifd",
    "inetd",
    "xinetd",
    "udhcpd",
    "radvd",
    "pppd",
];

const MAX_DEPTH: usize = 12;
/// One budget for the whole boot analysis: every line read, loop iteration,
/// glob match, assignment and script include costs at least one step.
pub const WORK_BUDGET: u64 = 200_000;
/// Longest value a variable may hold (`x=$x$x` doubles at each line).
const MAX_VALUE: usize = 4096;
/// Call chains kept per started command.
const MAX_PATHS: usize = 16;

/// Identity of a started command: same program, arguments, user and origin.
type StartedKey = (String, Vec<String>, Option<String>, String, usize);

struct Walker<'a> {
    files: &'a dyn Files,
    boot: Boot,
    visiting: BTreeSet<String>,
    work: u64,
    budget: u64,
    /// Call sites from the boot entry point to the current script.
    chain: Vec<String>,
    index: BTreeMap<StartedKey, usize>,
}

fn text_of(files: &dyn Files, path: &str) -> Option<String> {
    files
        .read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

const SHELLS: &[&str] = &["sh", "ash", "bash", "hush", "msh", "dash", "ksh", "zsh"];
const LOGINS: &[&str] = &[
    "getty",
    "agetty",
    "mingetty",
    "login",
    "tinylogin",
    "mgetty",
];

/// Analyse the boot of an image.
pub fn analyse(files: &dyn Files) -> Boot {
    analyse_with_budget(files, WORK_BUDGET)
}

/// Analyse the boot of an image within `budget` steps of work; when it runs
/// out, [`Boot::incomplete`] says so and what was found so far is kept.
pub fn analyse_with_budget(files: &dyn Files, budget: u64) -> Boot {
    let mut w = Walker {
        files,
        boot: Boot::default(),
        visiting: BTreeSet::new(),
        work: 0,
        budget,
        chain: Vec::new(),
        index: BTreeMap::new(),
    };
    match text_of(files, "/etc/inittab") {
        Some(text) => w.inittab(&text),
        None => {
            // BusyBox init without inittab: runs /etc/init.d/rcS and askfirst shells.
            if files.read("/etc/init.d/rcS").is_some() {
                w.script("/etc/init.d/rcS", &[], Certainty::Boot, 0);
            }
        }
    }
    w.systemd();
    w.procd();
    let inetd_started = w.boot.started.iter().any(|s| s.program == "inetd");
    let xinetd_started = w.boot.started.iter().any(|s| s.program == "xinetd");
    w.inetd(inetd_started);
    w.xinetd(xinetd_started);
    w.boot
}

impl Walker<'_> {
    /// Charge `n` steps; false once the budget is spent (noted once).
    fn charge(&mut self, n: u64) -> bool {
        self.work = self.work.saturating_add(n);
        if self.work <= self.budget {
            return true;
        }
        if self.boot.incomplete.is_none() {
            let msg = format!(
                "boot-script analysis stopped after its work budget of {} steps (loops, globs, assignments and includes); commands after that point were not analysed",
                self.budget
            );
            self.boot.notes.push(msg.clone());
            self.boot.incomplete = Some(msg);
        }
        false
    }

    fn exhausted(&self) -> bool {
        self.work > self.budget
    }

    /// Record a started command once, adding the call chain that reached it.
    fn start(&mut self, started: Started) {
        let key = (
            started.program.clone(),
            started.args.clone(),
            started.user.clone(),
            started.origin.file.clone(),
            started.origin.line,
        );
        let here = if self.chain.is_empty() {
            format!("{}:{}", started.origin.file, started.origin.line)
        } else {
            format!(
                "{} > {}:{}",
                self.chain.join(" > "),
                started.origin.file,
                started.origin.line
            )
        };
        if let Some(&i) = self.index.get(&key) {
            if let Some(existing) = self.boot.started.get_mut(i) {
                existing.certainty = existing.certainty.min(started.certainty);
                if existing.paths.len() < MAX_PATHS && !existing.paths.contains(&here) {
                    existing.paths.push(here);
                }
            }
            return;
        }
        self.index.insert(key, self.boot.started.len());
        self.boot.started.push(Started {
            paths: vec![here],
            ..started
        });
    }

    fn inittab(&mut self, text: &str) {
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.splitn(4, ':').collect();
            let [id, _runlevels, action, process] = f.as_slice() else {
                continue;
            };
            let origin = Origin {
                file: "/etc/inittab".into(),
                line: i + 1,
                text: raw.to_owned(),
            };
            let words = split_words(process.trim());
            let Some(first) = words.first() else { continue };
            let program = basename(first.trim_start_matches('-')).to_owned();
            let interactive = matches!(*action, "respawn" | "askfirst" | "once" | "wait");
            if interactive
                && (SHELLS.contains(&program.as_str()) || LOGINS.contains(&program.as_str()))
            {
                let tty = if id.is_empty() {
                    // BusyBox: an empty id is the console; getty names its tty in the arguments.
                    words
                        .iter()
                        .skip(1)
                        .find(|w| w.starts_with("tty") || w.starts_with("console"))
                        .map_or_else(|| "console".to_owned(), |w| w.clone())
                } else {
                    (*id).to_owned()
                };
                self.boot.consoles.push(Console {
                    tty,
                    action: (*action).to_owned(),
                    program: program.clone(),
                    login: LOGINS.contains(&program.as_str()),
                    origin: origin.clone(),
                });
                continue;
            }
            if matches!(
                *action,
                "sysinit" | "wait" | "once" | "respawn" | "askfirst" | "boot" | "bootwait"
            ) || action.chars().all(|c| c.is_ascii_digit())
            {
                self.command(
                    &words,
                    &BTreeMap::new(),
                    Via::Inittab,
                    Certainty::Boot,
                    &origin,
                    0,
                );
            }
        }
    }

    /// Handle one command (already split into words and expanded).
    fn command(
        &mut self,
        words: &[String],
        vars: &BTreeMap<String, String>,
        via: Via,
        certainty: Certainty,
        origin: &Origin,
        depth: usize,
    ) {
        if !self.charge(1) {
            return;
        }
        let words = strip_wrappers(words);
        let Some(first) = words.first() else { return };
        let name = basename(first);
        // Shell built-ins and plumbing that start nothing.
        if matches!(
            name,
            "echo"
                | "["
                | "test"
                | "cd"
                | "export"
                | "mkdir"
                | "mount"
                | "umount"
                | "rm"
                | "cp"
                | "mv"
                | "ln"
                | "chmod"
                | "chown"
                | "cat"
                | "sleep"
                | "true"
                | "false"
                | "exit"
                | "return"
                | "insmod"
                | "modprobe"
                | "ifconfig"
                | "route"
                | "ip"
                | "iptables"
                | "sysctl"
                | "touch"
                | "grep"
                | "sed"
                | "awk"
                | "printf"
                | "read"
                | "local"
                | "shift"
                | "set"
                | "trap"
                | "wait"
                | "kill"
                | "killall"
                | "rmmod"
                | "brctl"
                | "vconfig"
                | "hostname"
                | "date"
                | "mknod"
                | "xmldbc"
                | "service"
                | "logger"
        ) {
            return;
        }
        // `sh script`, `. script`, `source script`, or a script path run directly.
        let runs_script = (SHELLS.contains(&name)
            && !words.get(1).is_some_and(|w| w.starts_with('-')))
            || matches!(name, "." | "source");
        let (script, args) = if runs_script && words.len() > 1 {
            (Some(words[1].clone()), &words[2..])
        } else if first.starts_with('/') && self.is_script(first) {
            (Some(first.clone()), &words[1..])
        } else {
            (None, &words[1..])
        };
        if let Some(script) = script {
            let _ = vars;
            self.chain.push(format!("{}:{}", origin.file, origin.line));
            self.script(&script, args, certainty, depth + 1);
            self.chain.pop();
            return;
        }
        self.start(Started {
            program: name.to_owned(),
            args: words[1..].to_vec(),
            user: None,
            via,
            certainty,
            origin: origin.clone(),
            paths: Vec::new(),
        });
    }

    fn is_script(&self, path: &str) -> bool {
        self.files.read(path).is_some_and(|b| b.starts_with(b"#!"))
    }

    /// Run a shell script statically.
    fn script(&mut self, path: &str, args: &[String], certainty: Certainty, depth: usize) {
        let path = normalize(path);
        if depth > MAX_DEPTH {
            self.boot
                .notes
                .push(format!("{path}: not followed (call depth {MAX_DEPTH})"));
            return;
        }
        if !self.visiting.insert(path.clone()) {
            return;
        }
        if !self.charge(1) {
            self.visiting.remove(&path);
            return;
        }
        let Some(text) = text_of(self.files, &path) else {
            self.boot
                .notes
                .push(format!("{path}: called during boot but not in the image"));
            self.visiting.remove(&path);
            return;
        };
        if !self.boot.scripts.contains(&path) {
            self.boot.scripts.push(path.clone());
        }
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        vars.insert("0".into(), path.clone());
        for (i, a) in args.iter().enumerate() {
            vars.insert((i + 1).to_string(), a.clone());
        }
        let lines = logical_lines(&text);
        if !self.charge(lines.len() as u64 / 16) {
            self.visiting.remove(&path);
            return;
        }
        self.block(&path, &lines, 0, lines.len(), &mut vars, certainty, depth);
        self.visiting.remove(&path);
    }

    #[allow(clippy::too_many_arguments)]
    fn block(
        &mut self,
        path: &str,
        lines: &[(usize, String)],
        from: usize,
        to: usize,
        vars: &mut BTreeMap<String, String>,
        certainty: Certainty,
        depth: usize,
    ) {
        let mut nesting = 0usize; // if/case depth inside this block
        let mut i = from;
        while i < to {
            if !self.charge(1) {
                return;
            }
            let (lineno, line) = &lines[i];
            i += 1;
            let origin = Origin {
                file: path.to_owned(),
                line: *lineno,
                text: line.clone(),
            };
            let words = split_words(line);
            let Some(first) = words.first() else { continue };
            // Loops over globs: run the body once per match.
            if first == "for" && words.len() >= 4 && words[2] == "in" {
                let var = words[1].clone();
                let end = find_done(lines, i, to);
                if !self.charge((end.saturating_sub(i) as u64) / 8) {
                    return;
                }
                let mut values = Vec::new();
                for w in words[3..].iter().take_while(|w| *w != ";" && *w != "do") {
                    let w = expand(w, vars);
                    values.extend(self.glob(&w));
                }
                if !self.charge(values.len() as u64) {
                    return;
                }
                for v in values {
                    if self.exhausted() || !self.charge(1) {
                        return;
                    }
                    vars.insert(var.clone(), v);
                    let c = if nesting > 0 {
                        Certainty::Conditional
                    } else {
                        certainty
                    };
                    self.block(path, lines, i, end, vars, c, depth);
                }
                i = (end + 1).min(to);
                continue;
            }
            // Functions are read as their bodies run in place: skip the definition line.
            if line.ends_with("() {") || line.ends_with("(){") {
                continue;
            }
            for segment in split_commands(&words) {
                let Some(head) = segment.first() else {
                    continue;
                };
                match head.as_str() {
                    "if" | "case" | "while" | "until" => nesting += 1,
                    "fi" | "esac" | "done" => nesting = nesting.saturating_sub(1),
                    _ => {}
                }
                let body: Vec<String> = segment
                    .iter()
                    .skip_while(|w| {
                        matches!(
                            w.as_str(),
                            "if" | "then"
                                | "else"
                                | "elif"
                                | "do"
                                | "while"
                                | "until"
                                | "!"
                                | "{"
                                | "}"
                        )
                    })
                    .cloned()
                    .collect();
                if body.is_empty() || matches!(body[0].as_str(), "fi" | "esac" | "done" | ";;") {
                    continue;
                }
                // Assignments: x=value, x=`cat /file`, x=$(cat /file).
                if body.len() == 1
                    && let Some((name, value)) = body[0].split_once('=')
                    && !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    if !self.charge(1) {
                        return;
                    }
                    let mut value = self.evaluate(value, vars);
                    if value.len() > MAX_VALUE {
                        let cut = (0..=MAX_VALUE)
                            .rev()
                            .find(|i| value.is_char_boundary(*i))
                            .unwrap_or(0);
                        value.truncate(cut);
                    }
                    vars.insert(name.to_owned(), value);
                    continue;
                }
                let expanded: Vec<String> = body
                    .iter()
                    .map(|w| {
                        let mut e = expand(w, vars);
                        if e.len() > MAX_VALUE {
                            let cut = (0..=MAX_VALUE)
                                .rev()
                                .find(|i| e.is_char_boundary(*i))
                                .unwrap_or(0);
                            e.truncate(cut);
                        }
                        e
                    })
                    .collect();
                let c = if nesting > 0
                    || segment.iter().any(|w| w == "&&" || w == "||")
                    || line.contains("&& ")
                    || line.contains("|| ")
                {
                    Certainty::Conditional
                } else {
                    certainty
                };
                self.command(&expanded, vars, Via::Script, c, &origin, depth);
            }
        }
    }

    /// The value of an assignment's right-hand side.
    fn evaluate(&self, value: &str, vars: &BTreeMap<String, String>) -> String {
        let inner = value
            .strip_prefix('`')
            .and_then(|v| v.strip_suffix('`'))
            .or_else(|| value.strip_prefix("$(").and_then(|v| v.strip_suffix(')')));
        if let Some(cmd) = inner {
            let words = split_words(cmd);
            if words.len() == 2 && words[0] == "cat" {
                let path = expand(&words[1], vars);
                if let Some(t) = text_of(self.files, &path) {
                    return t.trim().to_owned();
                }
            }
            return format!("`{cmd}`");
        }
        expand(value, vars)
    }

    /// Expand a glob against the image (`*` and `?` in the last component).
    fn glob(&self, pattern: &str) -> Vec<String> {
        if !pattern.contains(['*', '?']) {
            return vec![pattern.to_owned()];
        }
        let (dir, pat) = pattern.rsplit_once('/').unwrap_or(("", pattern));
        let dir = if dir.is_empty() { "/" } else { dir };
        self.files
            .list(dir)
            .into_iter()
            .filter(|name| glob_match(pat.as_bytes(), name.as_bytes()))
            .map(|name| format!("{}/{name}", dir.trim_end_matches('/')))
            .collect()
    }

    fn inetd(&mut self, launched: bool) {
        let path = "/etc/inetd.conf";
        let Some(text) = text_of(self.files, path) else {
            return;
        };
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 6 {
                continue;
            }
            let user = f[4].split(['.', ':']).next().unwrap_or(f[4]).to_owned();
            let (program, args) = if f[5] == "internal" {
                (format!("inetd-internal-{}", f[0]), Vec::new())
            } else {
                // server path, then argv[0], then arguments
                let args = f
                    .get(7..)
                    .map(|a| a.iter().map(|s| (*s).to_owned()).collect())
                    .unwrap_or_default();
                (basename(f[5]).to_owned(), args)
            };
            self.start(Started {
                program,
                args,
                user: Some(user),
                via: Via::Inetd,
                certainty: if launched {
                    Certainty::Boot
                } else {
                    Certainty::ConfigOnly
                },
                origin: Origin {
                    file: path.into(),
                    line: i + 1,
                    text: raw.to_owned(),
                },
                paths: Vec::new(),
            });
        }
    }

    fn xinetd(&mut self, launched: bool) {
        let mut paths = vec!["/etc/xinetd.conf".to_owned()];
        paths.extend(
            self.files
                .list("/etc/xinetd.d")
                .into_iter()
                .map(|n| format!("/etc/xinetd.d/{n}")),
        );
        for path in paths {
            let Some(text) = text_of(self.files, &path) else {
                continue;
            };
            let mut current: Option<(usize, String, BTreeMap<String, String>)> = None;
            for (i, raw) in text.lines().enumerate() {
                let line = raw.trim();
                if let Some(name) = line.strip_prefix("service ") {
                    current = Some((i + 1, name.trim().to_owned(), BTreeMap::new()));
                } else if line == "}" {
                    if let Some((lineno, name, attrs)) = current.take() {
                        if attrs.get("disable").is_some_and(|v| v == "yes") {
                            continue;
                        }
                        let server = attrs.get("server").cloned().unwrap_or_else(|| name.clone());
                        self.start(Started {
                            program: basename(&server).to_owned(),
                            args: attrs
                                .get("server_args")
                                .map(|a| split_words(a))
                                .unwrap_or_default(),
                            user: attrs.get("user").cloned(),
                            via: Via::Xinetd,
                            certainty: if launched {
                                Certainty::Boot
                            } else {
                                Certainty::ConfigOnly
                            },
                            origin: Origin {
                                file: path.clone(),
                                line: lineno,
                                text: format!("service {name}"),
                            },
                            paths: Vec::new(),
                        });
                    }
                } else if let Some((_, _, attrs)) = current.as_mut()
                    && let Some((k, v)) = line.split_once('=')
                {
                    attrs.insert(k.trim().to_owned(), v.trim().to_owned());
                }
            }
        }
    }

    fn systemd(&mut self) {
        let mut enabled: BTreeSet<String> = BTreeSet::new();
        for base in [
            "/etc/systemd/system",
            "/lib/systemd/system",
            "/usr/lib/systemd/system",
        ] {
            for entry in self.files.list(base) {
                if entry.ends_with(".wants") {
                    for unit in self.files.list(&format!("{base}/{entry}")) {
                        enabled.insert(unit);
                    }
                }
            }
        }
        for unit in enabled {
            let Some((path, text)) = [
                "/etc/systemd/system",
                "/lib/systemd/system",
                "/usr/lib/systemd/system",
            ]
            .iter()
            .map(|b| format!("{b}/{unit}"))
            .find_map(|p| text_of(self.files, &p).map(|t| (p, t))) else {
                continue;
            };
            let mut user = None;
            let mut exec = None;
            for (i, raw) in text.lines().enumerate() {
                let line = raw.trim();
                if let Some(u) = line.strip_prefix("User=") {
                    user = Some(u.trim().to_owned());
                } else if let Some(cmd) = line.strip_prefix("ExecStart=") {
                    exec = Some((
                        i + 1,
                        raw.to_owned(),
                        cmd.trim_start_matches(['-', '@', '+', '!']).to_owned(),
                    ));
                }
            }
            if let Some((line, raw, cmd)) = exec {
                let words = split_words(&cmd);
                if let Some(first) = words.first() {
                    self.start(Started {
                        program: basename(first).to_owned(),
                        args: words[1..].to_vec(),
                        user: Some(user.unwrap_or_else(|| "root".to_owned())),
                        via: Via::Systemd,
                        certainty: Certainty::Boot,
                        origin: Origin {
                            file: path,
                            line,
                            text: raw,
                        },
                        paths: Vec::new(),
                    });
                }
            }
        }
    }

    fn procd(&mut self) {
        // OpenWrt: /etc/rc.d/S* link to enabled /etc/init.d scripts.
        for name in self.files.list("/etc/rc.d") {
            let Some(service) = name.strip_prefix('S') else {
                continue;
            };
            let service = service.trim_start_matches(|c: char| c.is_ascii_digit());
            let path = format!("/etc/init.d/{service}");
            let Some(text) = text_of(self.files, &path) else {
                continue;
            };
            for (i, raw) in text.lines().enumerate() {
                let words = split_words(raw.trim());
                let cmd = match words.as_slice() {
                    [p, k, rest @ ..] if p == "procd_set_param" && k == "command" => rest,
                    [s, rest @ ..] if s == "service_start" => rest,
                    _ => continue,
                };
                if let Some(first) = cmd.first() {
                    self.start(Started {
                        program: basename(first).to_owned(),
                        args: cmd[1..].to_vec(),
                        user: None,
                        via: Via::Procd,
                        certainty: Certainty::Boot,
                        origin: Origin {
                            file: path.clone(),
                            line: i + 1,
                            text: raw.to_owned(),
                        },
                        paths: Vec::new(),
                    });
                }
            }
        }
    }
}

/// Drop wrappers that start another program: `exec`, `nohup`, `start-stop-daemon ... -x PROG -- ARGS`, `busybox APPLET`.
fn strip_wrappers(words: &[String]) -> Vec<String> {
    let mut w: Vec<String> = words.iter().filter(|x| *x != "&").cloned().collect();
    loop {
        let Some(first) = w.first() else { return w };
        let name = basename(first).to_owned();
        match name.as_str() {
            "exec" | "nohup" | "nice" | "setsid" | "chroot" if w.len() > 1 => {
                w.remove(0);
                if name == "chroot" && !w.is_empty() {
                    w.remove(0);
                }
            }
            "busybox" if w.len() > 1 => {
                w.remove(0);
            }
            "start-stop-daemon" => {
                let exec = w
                    .iter()
                    .position(|a| a == "-x" || a == "--exec" || a == "-a" || a == "--startas")
                    .and_then(|i| w.get(i + 1).cloned());
                let rest: Vec<String> = w
                    .iter()
                    .position(|a| a == "--")
                    .map(|i| w[i + 1..].to_vec())
                    .unwrap_or_default();
                return match exec {
                    Some(e) => std::iter::once(e).chain(rest).collect(),
                    None => Vec::new(),
                };
            }
            _ => return w,
        }
    }
}

/// Join continuation lines and drop comments; keep 1-based numbers.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = strip_comment(raw.trim_end_matches('\r'));
        let (start, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        if let Some(cont) = line.strip_suffix('\\') {
            acc.push_str(cont);
            acc.push(' ');
            pending = Some((start, acc));
            continue;
        }
        acc.push_str(&line);
        let t = acc.trim();
        if !t.is_empty() {
            out.push((start, t.to_owned()));
        }
    }
    if let Some((start, acc)) = pending
        && !acc.trim().is_empty()
    {
        out.push((start, acc.trim().to_owned()));
    }
    out
}

fn strip_comment(line: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' || c == '`' => quote = Some(c),
            None if c == '#' && (prev.is_whitespace() || out.is_empty()) => break,
            None => {}
        }
        out.push(c);
        prev = c;
    }
    out
}

/// Split a shell line into words, keeping quoted strings and backquoted
/// commands together and separating `;`, `&`, `&&`, `||` and `|`.
pub fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut paren = 0usize;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let flush = |cur: &mut String, words: &mut Vec<String>| {
        if !cur.is_empty() {
            words.push(std::mem::take(cur));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            if c == q {
                quote = None;
                if q == '`' {
                    cur.push(c);
                }
            } else {
                cur.push(c);
            }
            i += 1;
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '`' => {
                quote = Some('`');
                cur.push(c);
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                paren += 1;
                cur.push_str("$(");
                i += 2;
                continue;
            }
            ')' if paren > 0 => {
                paren -= 1;
                cur.push(c);
            }
            c if c.is_whitespace() && paren == 0 => flush(&mut cur, &mut words),
            ';' | '&' | '|' if paren == 0 => {
                flush(&mut cur, &mut words);
                let mut op = c.to_string();
                if chars.get(i + 1) == Some(&c) {
                    op.push(c);
                    i += 1;
                }
                words.push(op);
            }
            '>' | '<' if paren == 0 => {
                // Drop redirections and their target (and a file descriptor number before them).
                if cur.chars().all(|d| d.is_ascii_digit()) {
                    cur.clear();
                }
                flush(&mut cur, &mut words);
                let mut j = i + 1;
                while j < chars.len() && (chars[j] == '>' || chars[j] == '&') {
                    j += 1;
                }
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                while j < chars.len() && !chars[j].is_whitespace() && chars[j] != ';' {
                    j += 1;
                }
                i = j;
                continue;
            }
            _ => cur.push(c),
        }
        i += 1;
    }
    flush(&mut cur, &mut words);
    words
}

/// Split words into commands at `;`, `&`, `&&`, `||` and `|`, keeping the operator
/// as the last word of the command it ends (so `&&` marks a condition).
fn split_commands(words: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for w in words {
        match w.as_str() {
            ";" | "|" => out.push(std::mem::take(&mut cur)),
            "&" => {
                cur.push(w.clone());
                out.push(std::mem::take(&mut cur));
            }
            "&&" | "||" => {
                cur.push(w.clone());
                out.push(std::mem::take(&mut cur));
                cur.push(w.clone());
            }
            _ => cur.push(w.clone()),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out.into_iter()
        .map(|c| c.into_iter().filter(|w| w != "&&" && w != "||").collect())
        .collect()
}

/// Expand `$name`, `${name}`, `$1` from known variables; unknown ones stay as written.
fn expand(word: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' {
            let (name, next) = if chars.get(i + 1) == Some(&'{') {
                let end = chars[i + 2..]
                    .iter()
                    .position(|c| *c == '}')
                    .map(|p| i + 2 + p);
                match end {
                    Some(e) => (chars[i + 2..e].iter().collect::<String>(), e + 1),
                    None => (String::new(), i + 1),
                }
            } else {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                (chars[i + 1..j].iter().collect::<String>(), j)
            };
            if let Some(v) = vars.get(&name).filter(|_| !name.is_empty()) {
                out.push_str(v);
                i = next;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn find_done(lines: &[(usize, String)], from: usize, to: usize) -> usize {
    let mut depth = 1usize;
    for (i, (_, l)) in lines.iter().enumerate().take(to).skip(from) {
        let words = split_words(l);
        for w in &words {
            match w.as_str() {
                "for" | "while" | "until" => depth += 1,
                "done" => {
                    depth -= 1;
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
        }
    }
    to
}

/// Shell-style `*` and `?` matching, iterative (no exponential backtracking on hostile patterns).
pub(crate) fn glob_match(pat: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pat.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(c) if *c == b'?' || Some(c) == name.get(n) => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pat[p.min(pat.len())..].iter().all(|c| *c == b'*')
}
