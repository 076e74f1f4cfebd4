//! Boot analysis on small images modelled on real firmware layouts.

use touchstone_fwchecks::boot::{Certainty, Via, analyse, split_words};
use touchstone_fwchecks::files::MemFiles;

/// Modelled on the TRENDnet TEW-733GR: rcS loops over init.d, a second rcS
/// loops over init0.d with `start`, and the telnetd script reads a credential
/// from a file.
fn trendnet_like() -> MemFiles {
    MemFiles::new()
        .with("/etc/inittab", "::sysinit:/etc/init.d/rcS\n")
        .with(
            "/etc/init.d/rcS",
            "#!/bin/sh\nfor i in /etc/init.d/S??* ;do\n\t[ ! -f \"$i\" ] && continue\n\techo \"[$i]\"\n\t$i\ndone\n/etc/init0.d/rcS\n",
        )
        .with("/etc/init.d/S10init.sh", "#!/bin/sh\nmount -t proc none /proc\n")
        .with(
            "/etc/init0.d/rcS",
            "#!/bin/sh\nfor i in /etc/init0.d/S??* ; do\n\t[ ! -f \"$i\" ] && continue\n\t$i start\ndone\n",
        )
        .with(
            "/etc/init0.d/S80telnetd.sh",
            "#!/bin/sh\necho [$0]: $1 ... > /dev/console\nif [ \"$1\" = \"start\" ]; then\n\tif [ -f \"/usr/sbin/login\" ]; then\n\t\timage_sign=`cat /etc/config/image_sign`\n\t\ttelnetd -l /usr/sbin/login -u Alphanetworks:$image_sign -i br0 &\n\telse\n\t\ttelnetd &\n\tfi\nelse\n\tkillall telnetd\nfi\n",
        )
        .with("/etc/init0.d/S65logd.sh", "#!/bin/sh\n[ \"$1\" = \"start\" ] && logd -f /var/log.conf\n")
        .with("/etc/config/image_sign", "wrgn80_trendnet_tew733gr\n")
        .with("/usr/sbin/login", "\x7fELF")
}

#[test]
fn follows_rc_loops_and_expands_credentials_read_from_files() {
    let boot = analyse(&trendnet_like());
    assert_eq!(
        boot.scripts,
        [
            "/etc/init.d/rcS",
            "/etc/init.d/S10init.sh",
            "/etc/init0.d/rcS",
            "/etc/init0.d/S65logd.sh",
            "/etc/init0.d/S80telnetd.sh"
        ]
    );
    let telnet: Vec<_> = boot
        .started
        .iter()
        .filter(|s| s.program == "telnetd")
        .collect();
    assert_eq!(telnet.len(), 2, "{telnet:#?}");
    assert_eq!(
        telnet[0].command(),
        "telnetd -l /usr/sbin/login -u Alphanetworks:wrgn80_trendnet_tew733gr -i br0"
    );
    assert_eq!(
        telnet[0].flag_value("-u"),
        Some("Alphanetworks:wrgn80_trendnet_tew733gr")
    );
    assert_eq!(telnet[0].certainty, Certainty::Conditional);
    assert_eq!(telnet[0].origin.file, "/etc/init0.d/S80telnetd.sh");
    assert_eq!(telnet[0].origin.line, 6);
    let logd = boot
        .started
        .iter()
        .find(|s| s.program == "logd")
        .expect("logd");
    assert_eq!(logd.certainty, Certainty::Conditional);
    assert!(
        !boot
            .started
            .iter()
            .any(|s| s.program == "killall" || s.program == "mount")
    );
}

/// Modelled on the Broadcom BCM63xx image: console shells in inittab and
/// an inetd.conf whose launcher is commented out of rcS.
fn broadcom_like(start_inetd: bool) -> MemFiles {
    let rcs = if start_inetd {
        "#! /bin/sh\nmount -a\n/sbin/inetd\n"
    } else {
        "#! /bin/sh\nmount -a\n#/sbin/inetd\n"
    };
    MemFiles::new()
        .with("/etc/inittab", "::sysinit:/etc/init.d/rcS\n::respawn:-/bin/sh\ntty2::askfirst:-/bin/sh\n::ctrlaltdel:/bin/umount -a -r\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n")
        .with("/etc/init.d/rcS", rcs)
        .with(
            "/etc/inetd.conf",
            "echo\tstream\ttcp\tnowait\troot\tinternal\nftp\tstream\ttcp\tnowait\troot\t/bin/ftpd ftpd\ntelnet\tstream  tcp \tnowait  root    /bin/telnetd telnetd -L /bin/login\n",
        )
}

#[test]
fn reports_console_shells_and_inetd_services() {
    let boot = analyse(&broadcom_like(false));
    let consoles: Vec<(&str, &str, &str, bool)> = boot
        .consoles
        .iter()
        .map(|c| {
            (
                c.tty.as_str(),
                c.action.as_str(),
                c.program.as_str(),
                c.login,
            )
        })
        .collect();
    assert_eq!(
        consoles,
        [
            ("console", "respawn", "sh", false),
            ("tty2", "askfirst", "sh", false),
            ("ttyS0", "respawn", "getty", true)
        ]
    );
    let telnet = boot
        .started
        .iter()
        .find(|s| s.program == "telnetd")
        .expect("telnetd");
    assert_eq!(
        (telnet.via, telnet.certainty),
        (Via::Inetd, Certainty::ConfigOnly)
    );
    assert_eq!(telnet.user.as_deref(), Some("root"));
    assert_eq!(telnet.args, ["-L", "/bin/login"]);

    let boot = analyse(&broadcom_like(true));
    let telnet = boot
        .started
        .iter()
        .find(|s| s.program == "telnetd")
        .expect("telnetd");
    assert_eq!(telnet.certainty, Certainty::Boot);
    assert!(
        boot.started
            .iter()
            .any(|s| s.program == "inetd" && s.certainty == Certainty::Boot)
    );
}

#[test]
fn systemd_procd_and_xinetd() {
    let files = MemFiles::new()
        .with("/etc/systemd/system/multi-user.target.wants/sshd.service", "")
        .with("/lib/systemd/system/sshd.service", "[Service]\nExecStart=/usr/sbin/sshd -D $SSHD_OPTS\n")
        .with("/lib/systemd/system/web.service", "[Service]\nUser=www\nExecStart=/usr/bin/web\n")
        .with("/etc/rc.d/S50dropbear", "")
        .with(
            "/etc/init.d/dropbear",
            "#!/bin/sh /etc/rc.common\nstart_service() {\n\tprocd_open_instance\n\tprocd_set_param command /usr/sbin/dropbear -F -P /var/run/dropbear.pid -p 22\n}\n",
        )
        .with("/etc/xinetd.d/telnet", "service telnet\n{\n\tdisable = no\n\tserver = /usr/sbin/in.telnetd\n\tuser = root\n}\n")
        .with("/etc/xinetd.d/tftp", "service tftp\n{\n\tdisable = yes\n\tserver = /usr/sbin/in.tftpd\n}\n");
    let boot = analyse(&files);
    let summary: Vec<(String, Option<String>, Via, Certainty)> = boot
        .started
        .iter()
        .map(|s| (s.command(), s.user.clone(), s.via, s.certainty))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "sshd -D $SSHD_OPTS".to_owned(),
                Some("root".to_owned()),
                Via::Systemd,
                Certainty::Boot
            ),
            (
                "dropbear -F -P /var/run/dropbear.pid -p 22".to_owned(),
                None,
                Via::Procd,
                Certainty::Boot
            ),
            (
                "in.telnetd".to_owned(),
                Some("root".to_owned()),
                Via::Xinetd,
                Certainty::ConfigOnly
            ),
        ]
    );
}

#[test]
fn wrappers_loops_and_hostile_scripts_terminate() {
    let files = MemFiles::new()
        .with("/etc/inittab", "::sysinit:/etc/rc\n")
        .with(
            "/etc/rc",
            "#!/bin/sh\nstart-stop-daemon -S -b -x /usr/sbin/tddp -- -d\nexec busybox telnetd -p 2323\n/etc/rc\nsh /etc/rc\n. /etc/missing\nfor x in /etc/*a*a*a*a*a*a*a*a*a*a*b ; do\n$x\ndone\n",
        )
        .with("/etc/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", "#!/bin/sh\n");
    let boot = analyse(&files);
    let cmds: Vec<String> = boot.started.iter().map(|s| s.command()).collect();
    assert_eq!(cmds, ["tddp -d", "telnetd -p 2323"]);
    assert!(
        boot.notes.iter().any(|n| n.contains("/etc/missing")),
        "{:?}",
        boot.notes
    );
}

#[test]
fn splits_shell_words() {
    assert_eq!(
        split_words("telnetd -l \"/usr/sbin/login\" -u a:`cat /x` 2>/dev/null &"),
        ["telnetd", "-l", "/usr/sbin/login", "-u", "a:`cat /x`", "&"]
    );
    assert_eq!(
        split_words("a=$(cat /etc/x) ; b"),
        ["a=$(cat /etc/x)", ";", "b"]
    );
}

/// Five nested loops over a 40-file folder, then telnetd started once: the
/// evaluator stops on its work budget at once, says so, and telnetd is one
/// command with the call chains that reach it.
fn nested_loops() -> MemFiles {
    let mut files = MemFiles::new()
        .with("/etc/inittab", "::sysinit:/etc/init.d/rcS\n")
        .with(
            "/etc/init.d/rcS",
            "#!/bin/sh\nfor a in /d/*; do\nfor b in /d/*; do\nfor c in /d/*; do\nfor d in /d/*; do\nfor e in /d/*; do\nx=$a$b$c$d$e\ndone\ndone\ndone\ndone\ndone\n/etc/init.d/S01\n",
        )
        .with("/etc/init.d/S01", "#!/bin/sh\ntelnetd -l /bin/sh\n");
    for i in 0..40 {
        files = files.with(&format!("/d/f{i:02}"), "x");
    }
    files
}

#[test]
fn nested_loops_stop_on_the_work_budget() {
    let started = std::time::Instant::now();
    let boot = analyse(&nested_loops());
    // A generous bound against hangs, not a performance assertion: unbounded it runs for minutes.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let why = boot.incomplete.expect("the budget hit is reported");
    assert!(why.contains("work budget"), "{why}");
}

#[test]
fn a_command_reached_several_ways_is_one_command() {
    let files = MemFiles::new()
        .with("/etc/inittab", "::sysinit:/etc/init.d/rcS\n")
        .with(
            "/etc/init.d/rcS",
            "#!/bin/sh\nfor a in 1 2 3; do\nfor b in x y; do\n/etc/init.d/S01\ndone\ndone\n/etc/init.d/S01\n",
        )
        .with("/etc/init.d/S01", "#!/bin/sh\ntelnetd -l /bin/sh\n");
    let boot = analyse(&files);
    assert!(boot.incomplete.is_none());
    let telnet: Vec<_> = boot
        .started
        .iter()
        .filter(|s| s.program == "telnetd")
        .collect();
    assert_eq!(telnet.len(), 1, "{telnet:#?}");
    assert_eq!(
        telnet[0].paths,
        [
            "/etc/inittab:1 > /etc/init.d/rcS:4 > /etc/init.d/S01:2",
            "/etc/inittab:1 > /etc/init.d/rcS:7 > /etc/init.d/S01:2"
        ]
    );
    assert!(telnet[0].evidence("telnetd").contains("reached by: "));
}
