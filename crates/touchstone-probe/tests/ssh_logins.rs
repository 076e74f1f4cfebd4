//! SSH logins against small russh servers on loopback (127.0.91.x), for
//! what Dropbear in the simulated device does not cover: keyboard-
//! interactive only servers, servers that accept any password, and fake
//! consoles that accept a login but compute nothing.

mod support;
use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use support::{credential_findings, probe_port};

use russh::keys::PrivateKey;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::server::{Auth, ChannelOpenHandle, Msg, Response, Session};
use russh::{Channel, ChannelId, MethodKind, MethodSet};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// admin/1234 over keyboard-interactive only; a real shell.
    KeyboardInteractive,
    /// Any password is accepted.
    AnyPassword,
    /// admin/1234 over password; the "shell" echoes commands back.
    FakeConsole,
}

#[derive(Clone)]
struct Server {
    mode: Mode,
}

/// What a shell prints for `echo TS$((A+B))X`.
fn shell(command: &str) -> String {
    let sum = command
        .strip_prefix("echo TS$((")
        .and_then(|r| r.strip_suffix("))X"))
        .and_then(|expr| expr.split_once('+'))
        .and_then(|(a, b)| Some(a.parse::<u64>().ok()? + b.parse::<u64>().ok()?));
    match sum {
        Some(s) => format!("TS{s}X\n"),
        None => "sh: syntax error\n".to_owned(),
    }
}

impl russh::server::Handler for Server {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        Ok(match self.mode {
            Mode::AnyPassword => Auth::Accept,
            Mode::FakeConsole if user == "admin" && password == "1234" => Auth::Accept,
            Mode::KeyboardInteractive => Auth::Reject {
                proceed_with_methods: Some(MethodSet::from(&[MethodKind::KeyboardInteractive][..])),
                partial_success: false,
            },
            Mode::FakeConsole => Auth::reject(),
        })
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        if self.mode != Mode::KeyboardInteractive {
            return Ok(Auth::reject());
        }
        let Some(mut response) = response else {
            return Ok(Auth::Partial {
                name: Cow::Borrowed(""),
                instructions: Cow::Borrowed(""),
                prompts: Cow::Owned(vec![(Cow::Borrowed("Password: "), false)]),
            });
        };
        let answer = response.next().map(|b| b.to_vec()).unwrap_or_default();
        Ok(if user == "admin" && answer == b"1234" {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let command = String::from_utf8_lossy(data).into_owned();
        let output = if self.mode == Mode::FakeConsole {
            format!("{command}\n# ")
        } else {
            shell(&command)
        };
        session.channel_success(channel)?;
        session.data(channel, output.into_bytes())?;
        session.exit_status_request(channel, 0)?;
        session.eof(channel)?;
        session.close(channel)?;
        Ok(())
    }
}

/// Serve up to 100 connections on a thread with its own runtime.
fn ssh_server(ip: IpAddr, mode: Mode) -> u16 {
    let listener =
        std::net::TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    listener
        .set_nonblocking(true)
        .unwrap_or_else(|e| panic!("{e}"));
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&[7; 32]));
    let config = Arc::new(russh::server::Config {
        keys: vec![key],
        methods: MethodSet::from(&[MethodKind::Password, MethodKind::KeyboardInteractive][..]),
        auth_rejection_time: Duration::from_millis(5),
        auth_rejection_time_initial: Some(Duration::ZERO),
        inactivity_timeout: Some(Duration::from_secs(10)),
        ..russh::server::Config::default()
    });
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            for _ in 0..100 {
                let Ok(Ok((stream, _))) =
                    tokio::time::timeout(Duration::from_secs(60), listener.accept()).await
                else {
                    return;
                };
                let config = Arc::clone(&config);
                tokio::spawn(async move {
                    if let Ok(session) =
                        russh::server::run_stream(config, stream, Server { mode }).await
                    {
                        let _ = session.await;
                    }
                });
            }
        });
    });
    port
}

#[test]
fn ssh_logins_need_a_failing_control_and_a_computing_session() {
    let cases = [
        (
            20,
            Mode::KeyboardInteractive,
            "net-default-credential fail: default credential admin:1234 logs in to ssh (universal default)",
        ),
        (
            21,
            Mode::AnyPassword,
            "net-no-authentication fail: ssh accepts logins without valid credentials",
        ),
        (
            22,
            Mode::FakeConsole,
            "net-default-credential info: none of 16 default credentials logged in to ssh",
        ),
    ];
    for (last, mode, want) in cases {
        let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 91, last));
        let port = ssh_server(ip, mode);
        let report = probe_port(ip, port);
        let services: Vec<&str> = report.services.iter().map(|s| s.service.as_str()).collect();
        assert_eq!(services, ["ssh"], "127.0.91.{last}");
        assert_eq!(credential_findings(&report), [want], "127.0.91.{last}");
        if let Some((_, proof)) = report
            .credentials
            .first()
            .and_then(|c| c.report.working.first())
        {
            assert!(
                proof.starts_with("keyboard-interactive authentication succeeded; `echo TS$(("),
                "{proof}"
            );
        }
    }
}
