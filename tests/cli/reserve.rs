//! Team-wide id reservation (`git spec new --reserve`, `[id] reserve`,
//! `git spec fetch`), through the built binary and the real `git`, with a
//! local bare repository as the shared remote.

use std::collections::BTreeSet;
use std::process::Stdio;

use crate::common::*;

// ===========================================================================
// Helpers
// ===========================================================================

/// Every ref of a clone under `refs/specs`, by name.
fn local_spec_refs(repo: &TestRepo) -> Vec<String> {
    repo.git_out(&["for-each-ref", "--format=%(refname)", "refs/specs"])
        .lines()
        .map(str::to_string)
        .collect()
}

/// The `spec-id` of every file in a clone's `specs/` folder.
fn spec_ids(repo: &TestRepo) -> Vec<String> {
    repo.list_dir("specs")
        .iter()
        .map(|name| fm_str(&repo.read(format!("specs/{name}")), "spec-id"))
        .collect()
}

/// `SPEC-0042` -> 42.
fn number_of(spec_id: &str) -> u64 {
    spec_id
        .strip_prefix("SPEC-")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a spec id: {spec_id}"))
}

/// `git spec new --no-branch EXTRA... -- TITLE`, asserting success; the
/// spec id of the created file.
fn new_id(repo: &TestRepo, extra: &[&str], title: &str) -> String {
    let mut args = vec!["--no-branch"];
    args.extend_from_slice(extra);
    args.extend(["--", title]);
    let (_, content) = repo.new_spec(&args);
    fm_str(&content, "spec-id")
}

/// Writes `.specrc` with `[id] reserve = "<remote>"`.
fn configure_reserve(repo: &TestRepo, remote: &str) {
    repo.write(".specrc", &format!("[id]\nreserve = \"{remote}\"\n"));
}

// ===========================================================================
// Concurrency
// ===========================================================================

#[test]
fn twenty_concurrent_reservations_across_three_clones_get_twenty_distinct_ids() {
    let (sandbox, origin, clones) = team(3);
    // Spawn everything first, then wait: the runs overlap as much as the
    // machine lets them. Within one clone they also queue on its lock.
    let mut children = Vec::new();
    for i in 0..20 {
        let clone = &clones[i % 3];
        let title = format!("T{i}");
        let child = clone
            .spec_cmd(&["new", "--reserve", "--no-branch", &title])
            .env("GIT_SPEC_LOCK_TIMEOUT_MS", "60000")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start git-spec");
        children.push((i % 3, title, child));
    }
    let mut ids_by_run = Vec::new();
    for (clone_index, title, child) in children {
        let out = child.wait_with_output().unwrap();
        assert_success_ctx(&out, &format!("git spec new --reserve {title}"));
        let path = stdout(&out).trim_end().to_string();
        let content = clones[clone_index].read(&path);
        assert_eq!(fm_str(&content, "title"), title);
        ids_by_run.push(fm_str(&content, "spec-id"));
    }

    // Every created file across the clones, read back from the disk.
    let mut all_ids = Vec::new();
    for (index, clone) in clones.iter().enumerate() {
        let ids = spec_ids(clone);
        assert_eq!(ids.len(), if index < 2 { 7 } else { 6 }, "{ids:?}");
        all_ids.extend(ids);
    }
    assert_eq!(all_ids.len(), 20);
    let distinct: BTreeSet<u64> = all_ids.iter().map(|id| number_of(id)).collect();
    assert_eq!(distinct.len(), 20, "ids handed out twice: {all_ids:?}");
    let from_runs: BTreeSet<u64> = ids_by_run.iter().map(|id| number_of(id)).collect();
    assert_eq!(from_runs, distinct);

    // Exactly twenty reservation refs on the remote, one per id.
    let refs = remote_spec_refs(&sandbox, &origin);
    assert_eq!(refs.len(), 20, "{refs:#?}");
    assert_eq!(remote_reserved(&sandbox, &origin), distinct);

    // Each clone remembers at least its own reservations.
    let mut fetched = 0;
    for clone in &clones {
        let own: BTreeSet<u64> = spec_ids(clone).iter().map(|id| number_of(id)).collect();
        let known = mirrored(clone, "origin");
        assert!(own.is_subset(&known), "own {own:?}, mirrored {known:?}");
        assert!(known.is_subset(&distinct), "{known:?}");
        if !known.is_subset(&own) {
            fetched += 1;
        }
    }
    // Every clone's first run tried SPEC-0001 and only one could have it:
    // the other two were refused and fetched the others' reservations.
    assert!(fetched >= 2, "the refusal-and-retry path was not taken");
}

// ===========================================================================
// Refusal and retry
// ===========================================================================

#[test]
fn a_refused_reservation_fetches_the_reservations_and_takes_the_next_number() {
    let (sandbox, origin, clones) = team(2);
    let (a, b) = (&clones[0], &clones[1]);

    assert_eq!(new_id(a, &["--reserve"], "First"), "SPEC-0001");
    assert_eq!(remote_reserved(&sandbox, &origin), BTreeSet::from([1]));
    assert_eq!(mirrored(a, "origin"), BTreeSet::from([1]));

    // B never fetched: it tries 1, is refused, fetches and takes 2.
    assert!(mirrored(b, "origin").is_empty());
    let out = b.spec(&["new", "--reserve", "--no-branch", "Second"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0002-second.md\n");
    assert_eq!(
        fm_str(&b.read("specs/0002-second.md"), "spec-id"),
        "SPEC-0002"
    );
    assert_eq!(b.list_dir("specs"), vec!["0002-second.md".to_string()]);

    assert_eq!(remote_reserved(&sandbox, &origin), BTreeSet::from([1, 2]));
    // B's copy of the reservations: 1 from the fetch, 2 its own.
    assert_eq!(mirrored(b, "origin"), BTreeSet::from([1, 2]));
    let remote_one = bare_git(&sandbox, &origin, &["rev-parse", "refs/specs/ids/1"]);
    assert_eq!(
        b.rev_parse("refs/specs/remote/origin/ids/1").unwrap(),
        remote_one.trim()
    );
    let remote_two = bare_git(&sandbox, &origin, &["rev-parse", "refs/specs/ids/2"]);
    assert_eq!(
        b.rev_parse("refs/specs/remote/origin/ids/2").unwrap(),
        remote_two.trim()
    );
}

#[test]
fn reservations_by_the_same_person_in_the_same_second_are_distinct_objects() {
    // Were they identical, B's push of refs/specs/ids/1 would be a no-op
    // success and both clones would "win" SPEC-0001.
    let (sandbox, origin, clones) = team(2);
    let (a, b) = (&clones[0], &clones[1]);
    assert_eq!(new_id(a, &["--reserve"], "First"), "SPEC-0001");
    assert_eq!(new_id(b, &["--reserve"], "Second"), "SPEC-0002");

    // Who reserved it, readable by anyone with the remote.
    let record = bare_git(
        &sandbox,
        &origin,
        &["log", "-1", "--format=%an%n%B", "refs/specs/ids/1"],
    );
    assert!(record.starts_with(&format!("{USER_NAME}\n")), "{record}");
    assert_contains(&record, "SPEC-0001");
    assert_contains(&record, USER_EMAIL);

    // B made its own (losing) object for SPEC-0001: same author, same
    // second as A's, yet a different object.
    let winner = bare_git(&sandbox, &origin, &["rev-parse", "refs/specs/ids/1"]);
    let winner = winner.trim();
    let who = |repo_args: &dyn Fn(&[&str]) -> String, oid: &str| {
        repo_args(&["log", "-1", "--format=%an <%ae> %at %cn <%ce> %ct", oid])
    };
    let on_origin = |args: &[&str]| bare_git(&sandbox, &origin, args);
    let on_b = |args: &[&str]| b.git_out(args);
    let objects = b.git_out(&[
        "cat-file",
        "--batch-all-objects",
        "--batch-check=%(objectname) %(objecttype)",
    ]);
    let losing: Vec<&str> = objects
        .lines()
        .filter_map(|line| line.strip_suffix(" commit"))
        .filter(|oid| {
            on_b(&["log", "-1", "--format=%s", oid]).trim() == "Reserve SPEC-0001" && oid != &winner
        })
        .collect();
    assert_eq!(
        losing.len(),
        1,
        "B's own SPEC-0001 reservation object: {losing:?}"
    );
    assert_eq!(
        who(&on_b, losing[0]).trim(),
        who(&on_origin, winner).trim(),
        "same person, same second"
    );
}

// ===========================================================================
// Turning it on and off
// ===========================================================================

#[test]
fn specrc_reserve_turns_reservation_on_without_the_flag() {
    let (sandbox, origin, clones) = team(2);
    let (a, b) = (&clones[0], &clones[1]);
    // Someone else holds 1 and 2 already.
    assert_eq!(new_id(b, &["--reserve"], "One"), "SPEC-0001");
    assert_eq!(new_id(b, &["--reserve"], "Two"), "SPEC-0002");

    configure_reserve(a, "origin");
    let main = a.head_oid();
    let out = a.spec(&["new", "Add login"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0003-add-login.md\n");
    assert_eq!(
        fm_str(&a.read("specs/0003-add-login.md"), "spec-id"),
        "SPEC-0003"
    );
    assert_eq!(
        a.head_ref().as_deref(),
        Some("refs/heads/spec/0003-add-login")
    );
    assert_eq!(a.head_oid(), main);
    assert_eq!(
        remote_reserved(&sandbox, &origin),
        BTreeSet::from([1, 2, 3])
    );
    assert_eq!(mirrored(a, "origin"), BTreeSet::from([1, 2, 3]));
}

#[test]
fn offline_allocates_locally_with_a_warning_and_pushes_nothing() {
    let (sandbox, origin, clones) = team(2);
    let (a, b) = (&clones[0], &clones[1]);
    assert_eq!(new_id(b, &["--reserve"], "Elsewhere"), "SPEC-0001");
    configure_reserve(a, "origin");
    let remote_before = bare_git(&sandbox, &origin, &["for-each-ref"]);

    let out = a.spec(&["new", "--offline", "--no-branch", "Offline"]);
    assert_success(&out);
    // Local allocation: A knows of nothing, so it takes 1 (a collision
    // that `git spec check` will find), and says so.
    assert_eq!(stdout(&out), "specs/0001-offline.md\n");
    let err = stderr(&out);
    assert_contains(&err, "warning");
    assert_contains(&err, "--offline");
    assert_contains(&err, "origin");

    assert_eq!(
        bare_git(&sandbox, &origin, &["for-each-ref"]),
        remote_before
    );
    assert!(local_spec_refs(a).is_empty(), "{:?}", local_spec_refs(a));
}

#[test]
fn offline_and_reserve_together_are_refused() {
    let (_sandbox, _origin, clones) = team(1);
    let a = &clones[0];
    let before = a.snapshot();
    let out = a.spec(&["new", "--offline", "--reserve", "--no-branch", "X"]);
    let err = assert_failure(&out);
    assert_eq!(out.status.code(), Some(2));
    assert_contains(&err, "--offline");
    a.assert_unchanged(&before);
}

#[test]
fn reserve_with_a_remote_name_uses_that_remote() {
    let (sandbox, origin, clones) = team(1);
    let a = &clones[0];
    let team_remote = sandbox.init_bare("team.git");
    a.git(&["remote", "add", "team", team_remote.to_str().unwrap()]);

    assert_eq!(new_id(a, &["--reserve=team"], "On team"), "SPEC-0001");
    assert_eq!(remote_reserved(&sandbox, &team_remote), BTreeSet::from([1]));
    assert!(remote_spec_refs(&sandbox, &origin).is_empty());
    assert_eq!(mirrored(a, "team"), BTreeSet::from([1]));
    assert!(mirrored(a, "origin").is_empty());

    // `[id] reserve` names the remote for a bare --reserve and for no flag.
    configure_reserve(a, "team");
    assert_eq!(new_id(a, &["--reserve"], "Bare flag"), "SPEC-0002");
    assert_eq!(new_id(a, &[], "No flag"), "SPEC-0003");
    assert_eq!(
        remote_reserved(&sandbox, &team_remote),
        BTreeSet::from([1, 2, 3])
    );
    assert!(remote_spec_refs(&sandbox, &origin).is_empty());

    // An explicit remote wins over the configured one.
    assert_eq!(new_id(a, &["--reserve=origin"], "Explicit"), "SPEC-0004");
    assert_eq!(remote_reserved(&sandbox, &origin), BTreeSet::from([4]));
    assert_eq!(mirrored(a, "origin"), BTreeSet::from([4]));
}

#[test]
fn reserve_flag_followed_by_the_title_reserves_on_origin() {
    let (sandbox, origin, clones) = team(1);
    let a = &clones[0];
    let out = a.spec(&["new", "--reserve", "Add login"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "specs/0001-add-login.md\n");
    assert_eq!(remote_reserved(&sandbox, &origin), BTreeSet::from([1]));
}

#[test]
fn dry_run_with_reserve_reserves_nothing() {
    let (sandbox, origin, clones) = team(1);
    let a = &clones[0];
    let before = a.snapshot();
    let out = a.spec(&["new", "--reserve", "--dry-run", "Maybe"]);
    assert_success(&out);
    assert_contains(&stderr(&out), "would reserve SPEC-0001 on origin");
    a.assert_unchanged(&before);
    assert!(remote_spec_refs(&sandbox, &origin).is_empty());
}

// ===========================================================================
// Failures
// ===========================================================================

#[test]
fn unreachable_remote_fails_clearly_and_creates_nothing() {
    let (_sandbox, _origin, clones) = team(1);
    let a = &clones[0];
    a.git(&["remote", "add", "gone", "/nonexistent/path.git"]);
    let before = a.snapshot();
    let head = a.head_ref();
    let branches = a.branches();

    // With a branch, so that a branch could be left behind.
    let out = a.spec(&["new", "--reserve=gone", "Lost"]);
    let err = assert_failure(&out);
    assert_eq!(stdout(&out), "");
    assert_contains(&err, "gone");
    assert_contains(&err, "Nothing was created");
    assert_contains(&err, "--offline");

    assert!(!a.exists("specs"), "{:?}", a.list_dir("specs"));
    assert_eq!(a.branches(), branches);
    assert_eq!(a.head_ref(), head);
    assert!(local_spec_refs(a).is_empty(), "{:?}", local_spec_refs(a));
    assert_eq!(a.status_porcelain(), "");
    a.assert_unchanged(&before);

    // The same through `[id] reserve`.
    configure_reserve(a, "gone");
    let out = a.spec(&["new", "--no-branch", "Lost again"]);
    let err = assert_failure(&out);
    assert_contains(&err, "gone");
    assert!(!a.exists("specs"));
    assert!(local_spec_refs(a).is_empty());
}

#[test]
fn unknown_remote_name_fails_and_creates_nothing() {
    let (_sandbox, _origin, clones) = team(1);
    let a = &clones[0];
    let err = a.fails_untouched(&["new", "--reserve=nosuchremote", "Lost"]);
    assert_contains(&err, "nosuchremote");
}

#[test]
fn fetch_from_an_unreachable_remote_names_it() {
    let (_sandbox, _origin, clones) = team(1);
    let a = &clones[0];
    a.git(&["remote", "add", "gone", "/nonexistent/path.git"]);
    let out = a.spec(&["fetch", "gone"]);
    let err = assert_failure(&out);
    assert_contains(&err, "gone");
    assert!(local_spec_refs(a).is_empty());
}

// ===========================================================================
// Reserved ids are never reused
// ===========================================================================

#[test]
fn a_reserved_id_whose_spec_was_deleted_is_never_reused() {
    let (sandbox, origin, clones) = team(1);
    let a = &clones[0];
    assert_eq!(new_id(a, &["--reserve"], "Dropped"), "SPEC-0001");
    a.remove("specs/0001-dropped.md");
    assert!(a.list_dir("specs").is_empty());

    // Local allocation still skips it: the mirror ref counts.
    assert_eq!(new_id(a, &[], "Local"), "SPEC-0002");
    // SPEC-0002 was not reserved; the next reservation takes 3.
    assert_eq!(new_id(a, &["--reserve"], "Shared"), "SPEC-0003");
    assert_eq!(remote_reserved(&sandbox, &origin), BTreeSet::from([1, 3]));
    assert_eq!(mirrored(a, "origin"), BTreeSet::from([1, 3]));
}

/// Reserved ids that never got a spec are visible with `list --reserved`.
#[test]
fn list_reserved_shows_every_reservation_and_its_spec() {
    let (_sandbox, _origin, clones) = team(1);
    let a = &clones[0];
    new_id(a, &["--reserve"], "Kept");
    new_id(a, &["--reserve"], "Dropped");
    a.remove("specs/0002-dropped.md");

    let out = a.spec(&["list", "--reserved"]);
    assert_success(&out);
    let table = stdout(&out);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("RESERVED BY"),
        "{table}"
    );
    assert!(
        lines[1].starts_with("SPEC-0001") && lines[1].ends_with("specs/0001-kept.md"),
        "{table}"
    );
    assert!(
        lines[2].starts_with("SPEC-0002") && lines[2].ends_with(" -"),
        "{table}"
    );
    assert!(
        lines[2].contains("origin") && lines[2].contains("Jane Doe"),
        "{table}"
    );

    let out = a.spec(&["list", "--reserved", "--format", "json"]);
    assert_success(&out);
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rows[0]["id"], "SPEC-0001");
    assert_eq!(rows[0]["spec"], "specs/0001-kept.md");
    assert_eq!(rows[1]["number"], 2);
    assert_eq!(rows[1]["remote"], "origin");
    assert_eq!(rows[1]["reserved_by"], "Jane Doe");
    assert!(rows[1]["spec"].is_null());

    let out = a.spec(&["list", "--reserved", "--status", "draft"]);
    assert_failure(&out);
}

#[test]
fn git_spec_fetch_brings_the_reservations_to_a_fresh_clone() {
    let (sandbox, origin, clones) = team(1);
    let a = &clones[0];
    for title in ["One", "Two", "Three"] {
        new_id(a, &["--reserve"], title);
    }
    // Reserved, never given a spec anywhere.
    a.remove("specs/0002-two.md");
    a.remove("specs/0003-three.md");
    assert_eq!(
        remote_reserved(&sandbox, &origin),
        BTreeSet::from([1, 2, 3])
    );

    let fresh = sandbox.clone_repo(&origin, "fresh");
    // A clone does not bring refs/specs by itself.
    assert!(local_spec_refs(&fresh).is_empty());
    let out = fresh.spec(&["fetch"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "3 reserved ids from origin");
    assert_eq!(mirrored(&fresh, "origin"), BTreeSet::from([1, 2, 3]));
    for n in 1..=3 {
        let name = format!("refs/specs/ids/{n}");
        let remote = bare_git(&sandbox, &origin, &["rev-parse", &name]);
        assert_eq!(
            fresh
                .rev_parse(&format!("refs/specs/remote/origin/ids/{n}"))
                .unwrap(),
            remote.trim()
        );
    }
    // `fetch` touches no file and no branch.
    assert_eq!(fresh.status_porcelain(), "");
    assert_eq!(fresh.branches(), vec!["main".to_string()]);

    // Without --reserve: above every reserved number.
    assert_eq!(new_id(&fresh, &[], "After fetch"), "SPEC-0004");
    assert_eq!(
        remote_reserved(&sandbox, &origin),
        BTreeSet::from([1, 2, 3])
    );

    // A second fetch picks up newer reservations too.
    new_id(a, &["--reserve"], "Four");
    new_id(a, &["--reserve"], "Five");
    assert_success(&fresh.spec(&["fetch", "origin"]));
    assert_eq!(mirrored(&fresh, "origin"), BTreeSet::from([1, 2, 3, 4, 5]));
    assert_eq!(new_id(&fresh, &[], "Later"), "SPEC-0006");
}

#[test]
fn git_spec_fetch_uses_the_configured_remote() {
    let (sandbox, _origin, clones) = team(2);
    let (a, b) = (&clones[0], &clones[1]);
    let team_remote = sandbox.init_bare("team.git");
    for clone in [a, b] {
        clone.git(&["remote", "add", "team", team_remote.to_str().unwrap()]);
    }
    assert_eq!(new_id(a, &["--reserve=team"], "One"), "SPEC-0001");
    configure_reserve(b, "team");
    assert_success(&b.spec(&["fetch"]));
    assert_eq!(mirrored(b, "team"), BTreeSet::from([1]));
    assert!(mirrored(b, "origin").is_empty());
}

// ===========================================================================
// Hooks
// ===========================================================================

#[test]
fn the_reservation_push_does_not_run_the_pre_push_hook() {
    let (sandbox, origin, clones) = team(1);
    let a = &clones[0];
    let marker = sandbox.root.join("pre-push-ran");
    let hook = a.git_dir().join("hooks").join("pre-push");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(
        &hook,
        format!("#!/bin/sh\ntouch '{}'\nexit 1\n", marker.display()),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // The hook is live: an ordinary push is stopped by it.
    let out = a.git_try(&["push", "-q", "origin", "HEAD:refs/heads/other"]);
    assert!(!out.status.success(), "the pre-push hook should refuse");
    assert!(marker.exists());
    std::fs::remove_file(&marker).unwrap();

    assert_eq!(new_id(a, &["--reserve"], "Hooked"), "SPEC-0001");
    assert_eq!(remote_reserved(&sandbox, &origin), BTreeSet::from([1]));
    assert!(
        !marker.exists(),
        "the reservation push ran the pre-push hook"
    );
}

/// A server that refuses the reservation itself (no push rights, a fork):
/// retrying cannot win, so the spec gets a provisional id (issue of
/// provisional ids), with the server's reason, and nothing is pushed.
#[test]
fn a_remote_that_refuses_the_push_gives_its_reason_and_a_provisional_id() {
    let (sandbox, origin, clones) = team(1);
    let a = &clones[0];
    let hook = origin.join("hooks").join("pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'refs/specs/* are not allowed here' >&2\nexit 1\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = a.spec_ok(&["new", "--reserve", "--no-branch", "Refused"]);
    let err = stderr(&out);
    assert_contains(&err, "origin refused the reservation");
    assert_contains(&err, "refs/specs/* are not allowed here");
    assert!(!err.contains("others keep taking them"), "{err}");
    assert!(
        stdout(&out).starts_with("specs/DRAFT-"),
        "{}",
        run_text(&out)
    );
    assert!(remote_spec_refs(&sandbox, &origin).is_empty());
}
