//! `rvmmu sweep`: the same numbers whatever the number of threads, and the
//! same numbers as individual `rvmmu run` invocations of each configuration.

use std::process::Command;

const ELF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/guest/build/tests/vm.elf");

fn rvmmu(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rvmmu")).args(args).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn sweep_is_deterministic_and_matches_single_runs() {
    let csv1 = std::env::temp_dir().join(format!("rvmmu-sweep-{}-1.csv", std::process::id()));
    let csv2 = std::env::temp_dir().join(format!("rvmmu-sweep-{}-2.csv", std::process::id()));
    let sweep = |jobs: &str, csv: &std::path::Path| {
        rvmmu(&[
            "sweep",
            ELF,
            "--dtlb",
            "1x1,2x2,4x4",
            "--tlb-policy",
            "lru,fifo,random",
            "--seed",
            "5",
            "--jobs",
            jobs,
            "--csv",
            csv.to_str().unwrap(),
        ])
    };
    let one = sweep("1", &csv1);
    let two = sweep("2", &csv2);
    assert_eq!(one, two, "table independent of thread count");
    let (c1, c2) = (std::fs::read_to_string(&csv1).unwrap(), std::fs::read_to_string(&csv2).unwrap());
    let _ = (std::fs::remove_file(&csv1), std::fs::remove_file(&csv2));
    assert_eq!(c1, c2);
    let rows: Vec<&str> = c1.lines().skip(1).collect();
    assert_eq!(rows.len(), 9, "3 shapes x 3 policies");

    // Each row equals the counters of a plain run with that configuration.
    let json = std::env::temp_dir().join(format!("rvmmu-sweep-{}.json", std::process::id()));
    for row in rows {
        let f: Vec<&str> = row.split(',').collect();
        let (policy, shape, misses) = (f[0], format!("{}x{}", f[1], f[2]), f[6]);
        rvmmu(&[
            "run",
            ELF,
            "--dtlb",
            &shape,
            "--tlb-policy",
            policy,
            "--seed",
            "5",
            "--stats-json",
            json.to_str().unwrap(),
        ]);
        let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(s["dtlb"]["misses"].as_u64().unwrap().to_string(), misses, "{policy} {shape}");
        assert_eq!(s["walks"].as_u64().unwrap().to_string(), f[9], "{policy} {shape} walks");
    }
    let _ = std::fs::remove_file(&json);
}

#[test]
fn sweep_plots_one_line_per_policy() {
    let svg = std::env::temp_dir().join(format!("rvmmu-sweep-{}.svg", std::process::id()));
    rvmmu(&["sweep", ELF, "--dtlb", "1x1,4x4", "--tlb-policy", "fifo,plru", "--svg", svg.to_str().unwrap()]);
    let text = std::fs::read_to_string(&svg).expect("SVG written");
    let _ = std::fs::remove_file(&svg);
    assert!(text.starts_with("<svg") || text.contains("<svg"), "an SVG document");
    for label in ["fifo", "plru", "D-TLB misses per 1000 instructions", "estimated translation share"] {
        assert!(text.contains(label), "{label}");
    }
    // Two panels x two policies: four polylines (plus the legend samples).
    assert!(text.matches("<polyline").count() >= 4);
}
