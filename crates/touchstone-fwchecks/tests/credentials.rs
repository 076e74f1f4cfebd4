//! Password parsing and cracking, against hashes made by an independent
//! implementation (glibc/libxcrypt `crypt(3)`, through Python's `crypt`).

use touchstone_fwchecks::credentials::{
    CrackOutcome, PasswordField, Scheme, crack, credentials, identify, parse_htpasswd,
    parse_passwd, parse_shadow, verify,
};

/// (password, hash) made with libxcrypt.
const VECTORS: &[(&str, &str)] = &[
    ("admin", "abOV.DfJmdnYw"),
    ("xc3511", "absxcfbgXtb3o"),
    ("", "abmF1QH4PEr.E"),
    ("admin", "$1$saltsalt$Y3BMhxQHmg7scgLILa56u1"),
    ("7ujMko0vizxv", "$1$saltsalt$sQ7NCJgm3aUzsK8DlMQi9."),
    (
        "xc3511",
        "$5$saltsalt$sU3nvsBsCq1lLM4.cqT4JkW0awDij63SWO5OhkZ4XIC",
    ),
    (
        "admin",
        "$6$saltsalt$ZxoUf1bJzACFdk9GZkBGmxXd3Rq8nUoGjgon4GVoI91SlW41Ew2djlh60PmWr4flwags.7ULrKVSSmnCEsIOj1",
    ),
    (
        "admin",
        "$2b$04$abcdefghijklmnopqrstuuQe66hACgXZ.ImKMvPGdqru0gQrWJ8Ju",
    ),
    (
        "vizxv",
        "$y$j9T$abcdefghijklmnop$3xR6wk5zWrMuQqmB82rxb6Nc6rgpRrccN/suK/asjN9",
    ),
];

#[test]
fn verifies_every_scheme_against_libxcrypt() {
    for (password, hash) in VECTORS {
        assert_eq!(verify(password, hash), Some(true), "{hash}");
        assert_eq!(verify("wrong-password", hash), Some(false), "{hash}");
    }
}

#[test]
fn identifies_schemes() {
    let schemes: Vec<Scheme> = VECTORS.iter().map(|(_, h)| identify(h)).collect();
    assert_eq!(
        schemes,
        [
            Scheme::Des,
            Scheme::Des,
            Scheme::Des,
            Scheme::Md5,
            Scheme::Md5,
            Scheme::Sha256,
            Scheme::Sha512,
            Scheme::Bcrypt(4),
            Scheme::Yescrypt
        ]
    );
    assert_eq!(identify("plaintext"), Scheme::Unknown);
    assert_eq!(identify("$2b$xx$"), Scheme::Unknown);
}

#[test]
fn cracks_default_passwords_and_reports_misses() {
    let creds = credentials();
    for (password, hash) in VECTORS {
        match crack("root", hash, creds) {
            CrackOutcome::Found {
                password: found, ..
            } => assert_eq!(&found, password, "{hash}"),
            other => panic!("{hash}: {other:?}"),
        }
    }
    // A strong password is not found, after a bounded number of tries.
    let strong = "$6$saltsalt$RnCCg9dxDM5lBjtjZY8K2RkalQRvbZP1WoQvNhXIByyhsapNFVMak8143IKRKPlv/iN9sC9wnUnFlH.n.E1490";
    match crack("root", strong, creds) {
        CrackOutcome::NotFound { tries } => {
            let distinct: std::collections::BTreeSet<&str> = creds
                .lists
                .iter()
                .filter(|l| l.firmware) // probe-only lists are not cracked with
                .flat_map(|l| {
                    l.pairs
                        .iter()
                        .map(|(_, p)| p.as_str())
                        .chain(l.passwords.iter().map(String::as_str))
                })
                .collect();
            assert_eq!(tries, distinct.len(), "every distinct candidate once");
        }
        other => panic!("{other:?}"),
    }
    // Any user gets every password of the lists, not only its own pairs.
    let paired_with_root = "$1$saltsalt$DZ6tYhO9P.qjI3/IiXhg11"; // xc3511
    assert!(matches!(
        crack("nobody", paired_with_root, creds),
        CrackOutcome::Found { .. }
    ));
}

#[test]
fn costly_or_malformed_hashes_are_skipped_not_stalled() {
    let creds = credentials();
    for hash in [
        "$6$rounds=999999999$salt$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq",
        "$2b$31$abcdefghijklmnopqrstuuQe66hACgXZ.ImKMvPGdqru0gQrWJ8Ju",
        "$y$jFT$abcdefghijklmnop$3xR6wk5zWrMuQqmB82rxb6Nc6rgpRrccN/suK/asjN9",
        "$y$$",
        "not a hash",
    ] {
        assert!(
            matches!(crack("root", hash, creds), CrackOutcome::Skipped { .. }),
            "{hash}"
        );
    }
    // Malformed hashes of a known scheme never panic.
    for hash in [
        "$1$",
        "$5$$",
        "$6$rounds=10$",
        "$apr1$x",
        "$2b$04$short",
        "$y$j9T$$",
    ] {
        let _ = crack("root", hash, creds);
    }
}

#[test]
fn bundled_lists_have_their_sources_and_the_mirai_pairs() {
    let creds = credentials();
    let mirai = creds
        .lists
        .iter()
        .find(|l| l.id == "mirai")
        .expect("mirai list");
    assert_eq!(mirai.pairs.len(), 60);
    assert!(
        creds
            .lists
            .iter()
            .all(|l| !l.source.is_empty() && !l.title.is_empty())
    );
    assert_eq!(
        creds.source_of("root", "xc3511").map(|l| l.id.as_str()),
        Some("mirai")
    );
}

#[test]
fn parses_account_files() {
    let passwd = "root:x:0:0:root:/root:/bin/ash\n# comment\nnobody:*:65534:65534:nobody:/var:/bin/false\nadmin::1000:1000::/home/admin:/bin/sh\nbroken-line\n";
    let accounts = parse_passwd(passwd);
    assert_eq!(accounts.len(), 3);
    assert_eq!(accounts[0].password, PasswordField::Shadowed);
    assert!(accounts[0].can_log_in());
    assert!(!accounts[1].can_log_in());
    assert_eq!(accounts[2].password, PasswordField::Empty);
    assert_eq!(accounts[2].line, 4);

    let shadow =
        "root:$1$saltsalt$Y3BMhxQHmg7scgLILa56u1:18000:0:99999:7:::\ndaemon:!:18000::::::\n";
    let accounts = parse_shadow(shadow);
    assert_eq!(accounts.len(), 2);
    assert!(matches!(&accounts[0].password, PasswordField::Hash(h) if h.starts_with("$1$")));
    assert!(matches!(&accounts[1].password, PasswordField::Locked(_)));

    let ht = "admin:$apr1$63JlJ2NH$smE0mnB5h3tDri0zkpWXt1\nbad line\n";
    let accounts = parse_htpasswd(ht);
    assert_eq!(accounts.len(), 1);
    assert_eq!(
        verify("password", "$apr1$63JlJ2NH$smE0mnB5h3tDri0zkpWXt1"),
        Some(true)
    );
}
