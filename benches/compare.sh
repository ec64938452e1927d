#!/usr/bin/env bash
# benches/compare.sh - rvmmu side by side with qemu-system-riscv64 (and
# Spike when it is installed) on the same bare-metal ELFs.
#
#   benches/compare.sh [-n N] [-w "int mem chase rvc"] [-m "bare sv39-1g sv39-4k"]
#                      [-o FILE] [--no-build]
#
#   -n N        runs per emulator and ELF (default 3); the median counts
#   -w LIST     workloads (guest/bench: int mem chase rvc)
#   -m LIST     modes (bare = M-mode; sv39-1g, sv39-4k = S-mode under Sv39
#               with 1 GiB pages / with 4 KiB pages over the whole image)
#   -o FILE     also write the report (Markdown) to FILE
#   --no-build  use target/release/rvmmu and guest/build/bench/*.elf as
#               they are
#
# Builds rvmmu (cargo build --release) and the workloads (make -C guest,
# only the bench ELFs; with the committed ELFs up to date no cross compiler
# is needed), then, N times over, runs every workload x mode on each
# emulator one after the other (the emulator that goes first alternates
# from one round to the next), timing each run's wall clock (start-up
# included).  Instructions are rvmmu's exact count (instret from
# --stats-json; the counters are always on).  MIPS = instructions / median
# wall time; the ratio is rvmmu's MIPS over QEMU's (above 1: rvmmu faster).
# Every run must exit 0 and print the same checksum as every other run of
# the same workload, in every mode and on every emulator; otherwise the
# script stops with an error and no table.
#
# Needs bash >= 5 (EPOCHREALTIME), awk, sort, grep; /usr/bin/time for the
# peak RSS column (optional).
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=3
WORKLOADS="int mem chase rvc"
MODES="bare sv39-1g sv39-4k"
OUT=""
BUILD=1
TIMEOUT=600
QEMU=${QEMU:-qemu-system-riscv64}
SPIKE=${SPIKE:-spike}
RVMMU="$ROOT/target/release/rvmmu"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
    case "$1" in
        -n) N=$2; shift 2 ;;
        -w) WORKLOADS=$2; shift 2 ;;
        -m) MODES=$2; shift 2 ;;
        -o) OUT=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) usage 0 ;;
        *) echo "compare.sh: unknown argument $1" >&2; usage 2 >&2 ;;
    esac
done
case "$N" in ''|*[!0-9]*|0) echo "compare.sh: -n wants a positive integer" >&2; exit 2 ;; esac

die() { echo "compare.sh: $*" >&2; exit 1; }
log() { echo "$*" >&2; }

command -v "$QEMU" >/dev/null || die "$QEMU not found (apt-get install qemu-system-misc)"
EMUS="rvmmu qemu"
if command -v "$SPIKE" >/dev/null; then EMUS="$EMUS spike"; fi
TIME_BIN=""
if [ -x /usr/bin/time ]; then TIME_BIN=/usr/bin/time; fi

if [ "$BUILD" = 1 ]; then
    log "== cargo build --release"
    (cd "$ROOT" && cargo build --release --quiet) || die "cargo build failed"
    targets=()
    for w in $WORKLOADS; do for m in $MODES; do targets+=("build/bench/$w-$m.elf"); done; done
    log "== make -C guest ${targets[*]}"
    make -s -C "$ROOT/guest" "${targets[@]}" >&2 || die "make -C guest failed"
fi
[ -x "$RVMMU" ] || die "$RVMMU missing (cargo build --release)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rvmmu-compare.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
RESULTS="$TMP/results.tsv"        # workload mode emu round seconds rss_kib
: >"$RESULTS"

now() { if [ -n "${EPOCHREALTIME:-}" ]; then echo "$EPOCHREALTIME"; else date +%s.%N; fi; }

# run EMU ELF -> sets SECS, CHECKSUM, RSS (KiB or "-"); STATS_JSON for rvmmu.
run_one() {
    local emu=$1 elf=$2 out="$TMP/out" err="$TMP/err" rssf="$TMP/rss"
    local -a cmd
    case "$emu" in
        rvmmu) cmd=("$RVMMU" run "$elf" --stats-json "$TMP/stats.json") ;;
        qemu)  cmd=("$QEMU" -machine spike -bios none -nographic -kernel "$elf") ;;
        spike) cmd=("$SPIKE" "$elf") ;;
    esac
    if [ -n "$TIME_BIN" ]; then cmd=("$TIME_BIN" -f %M -o "$rssf" "${cmd[@]}"); fi
    local t0 t1 rc=0
    t0=$(now)
    timeout "$TIMEOUT" "${cmd[@]}" <"/dev/null" >"$out" 2>"$err" || rc=$?
    t1=$(now)
    [ "$rc" = 0 ] || die "$emu on $elf: exit status $rc; output: $(tr '\n' ' ' <"$out" | head -c 300) $(tr '\n' ' ' <"$err" | head -c 300)"
    SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
    CHECKSUM=$(grep -o 'checksum 0x[0-9a-f]*' "$out" | head -1 | cut -d' ' -f2 || true)
    [ -n "$CHECKSUM" ] || die "$emu on $elf printed no checksum: $(tr '\n' ' ' <"$out" | head -c 300)"
    RSS=-
    if [ -n "$TIME_BIN" ]; then RSS=$(tail -1 "$rssf"); fi
}

declare -A SUM INSNS
check_sum() { # workload mode emu checksum
    local w=$1 key=$1
    # int and rvc are the same source: one checksum for both.
    [ "$w" = rvc ] || [ "$w" = int ] && key=int+rvc
    if [ -z "${SUM[$key]:-}" ]; then
        SUM[$key]=$4
    elif [ "${SUM[$key]}" != "$4" ]; then
        die "checksum mismatch: $w $2 on $3 printed $4, earlier runs printed ${SUM[$key]}"
    fi
}

log "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
emus_rev=$(echo "$EMUS" | awk '{ for (i = NF; i > 0; i--) printf "%s%s", $i, (i > 1 ? " " : "") }')
for round in $(seq 1 "$N"); do
    order=$EMUS
    [ $((round % 2)) = 0 ] && order=$emus_rev
    for w in $WORKLOADS; do
        for m in $MODES; do
            elf="$ROOT/guest/build/bench/$w-$m.elf"
            [ -f "$elf" ] || die "$elf missing (make -C guest)"
            for emu in $order; do
                run_one "$emu" "$elf"
                check_sum "$w" "$m" "$emu" "$CHECKSUM"
                if [ "$emu" = rvmmu ]; then
                    i=$(grep -o '"instret":[0-9]*' "$TMP/stats.json" | cut -d: -f2)
                    if [ -z "${INSNS[$w-$m]:-}" ]; then INSNS[$w-$m]=$i
                    elif [ "${INSNS[$w-$m]}" != "$i" ]; then
                        die "$w-$m: instret $i, an earlier run counted ${INSNS[$w-$m]}"
                    fi
                fi
                printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$m" "$emu" "$round" "$SECS" "$RSS" >>"$RESULTS"
                log "round $round/$N  $w-$m  $emu  ${SECS}s  $CHECKSUM"
            done
        done
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# Medians: one line "workload mode emu median_seconds max_rss_kib".
MEDIANS="$TMP/medians.tsv"
sort -t$'\t' -k1,1 -k2,2 -k3,3 -k5,5g "$RESULTS" | awk -F'\t' '
    function flush() {
        if (n == 0) return
        med = (n % 2) ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
        printf "%s\t%s\t%s\t%.6f\t%s\n", kw, km, ke, med, rss
        n = 0; rss = "-"
    }
    { k = $1 FS $2 FS $3
      if (k != key) { flush(); key = k; kw = $1; km = $2; ke = $3; rss = "-" }
      t[++n] = $5
      if ($6 != "-" && (rss == "-" || $6 + 0 > rss + 0)) rss = $6 }
    END { flush() }' >"$MEDIANS"

INSNS_TSV="$TMP/insns.tsv"
: >"$INSNS_TSV"
for k in "${!INSNS[@]}"; do printf '%s\t%s\n' "$k" "${INSNS[$k]}" >>"$INSNS_TSV"; done

has_spike=0
case " $EMUS " in *" spike "*) has_spike=1 ;; esac

report() {
    echo "rvmmu $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$( (cd "$ROOT" && git status --porcelain --untracked-files=no 2>/dev/null | grep -q .) && echo ' (with uncommitted changes)'), $("$QEMU" --version | head -1)$([ $has_spike = 1 ] && echo ", Spike: $(command -v "$SPIKE")")"
    echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); load average $LOAD_BEFORE before, $LOAD_AFTER after"
    echo "median of $N runs each, wall time including start-up; MIPS = rvmmu's instret / median time"
    echo
    awk -F'\t' -v workloads="$WORKLOADS" -v modes="$MODES" -v spike=$has_spike \
        -v insfile="$INSNS_TSV" '
    BEGIN {
        while ((getline l < insfile) > 0) { split(l, f, "\t"); ins[f[1]] = f[2] }
    }
    { t[$1, $2, $3] = $4; rss[$1, $2, $3] = $5 }
    function mips(w, m, e) { return ins[w "-" m] / t[w, m, e] / 1e6 }
    function pct(x) { return sprintf("%+.0f%%", (x - 1) * 100) }
    END {
        nw = split(workloads, W, " "); nm = split(modes, M, " ")
        printf "| workload | mode | instructions | rvmmu s | QEMU s |%s rvmmu MIPS | QEMU MIPS |%s rvmmu/QEMU |%s rvmmu RSS MiB |\n", \
            spike ? " Spike s |" : "", spike ? " Spike MIPS |" : "", spike ? " rvmmu/Spike |" : ""
        printf "|---|---|--:|--:|--:|%s--:|--:|%s--:|%s--:|\n", spike ? "--:|" : "", spike ? "--:|" : "", spike ? "--:|" : ""
        for (i = 1; i <= nw; i++) for (j = 1; j <= nm; j++) {
            w = W[i]; m = M[j]
            r = rss[w, m, "rvmmu"]
            printf "| %s | %s | %d | %.2f | %.2f |%s %.0f | %.0f |%s %.2fx |%s %s |\n", w, m, ins[w "-" m],
                t[w, m, "rvmmu"], t[w, m, "qemu"], spike ? sprintf(" %.2f |", t[w, m, "spike"]) : "",
                mips(w, m, "rvmmu"), mips(w, m, "qemu"), spike ? sprintf(" %.0f |", mips(w, m, "spike")) : "",
                mips(w, m, "rvmmu") / mips(w, m, "qemu"),
                spike ? sprintf(" %.2fx |", mips(w, m, "rvmmu") / mips(w, m, "spike")) : "",
                r == "-" ? "-" : sprintf("%.0f", r / 1024)
        }

        # Translation cost: time per instruction in a Sv39 mode over the
        # same in M-mode (bare), per emulator.
        hb = hg = hk = 0
        for (j = 1; j <= nm; j++) { hb += (M[j] == "bare"); hg += (M[j] == "sv39-1g"); hk += (M[j] == "sv39-4k") }
        if (hb && (hg || hk)) {
            printf "\nCost of translation (time per instruction against the same workload in M-mode):\n\n"
            printf "| workload | rvmmu sv39-1g | rvmmu sv39-4k | QEMU sv39-1g | QEMU sv39-4k |%s\n", spike ? " Spike sv39-1g | Spike sv39-4k |" : ""
            printf "|---|--:|--:|--:|--:|%s\n", spike ? "--:|--:|" : ""
            ne = split(spike ? "rvmmu qemu spike" : "rvmmu qemu", E, " ")
            for (i = 1; i <= nw; i++) {
                w = W[i]; printf "| %s |", w
                for (e = 1; e <= ne; e++) for (k = 0; k < 2; k++) {
                    m = k ? "sv39-4k" : "sv39-1g"
                    if (!(k ? hk : hg)) { printf " - |"; continue }
                    printf " %s |", pct(mips(w, "bare", E[e]) / mips(w, m, E[e]))
                }
                printf "\n"
            }
        }

        # The targets of issue 8.
        printf "\nTargets:\n\n"
        for (i = 1; i <= nw; i++) {
            w = W[i]
            if (w == "mem" || w == "chase") { bar = 1.0; kind = "memory-heavy" }
            else if (w == "int" || w == "rvc") { bar = 0.6; kind = "integer-heavy" }
            else continue
            for (j = 1; j <= nm; j++) {
                m = M[j]; x = mips(w, m, "rvmmu") / mips(w, m, "qemu")
                printf "- %s %s-%s: rvmmu/QEMU %.2fx, target >= %.1fx: %s\n", kind, w, m, x, bar, (x >= bar ? "met" : "NOT met")
                if (spike && bar == 0.6) {
                    y = mips(w, m, "rvmmu") / mips(w, m, "spike")
                    printf "- %s %s-%s: rvmmu/Spike %.2fx, target >= 2.5x: %s\n", kind, w, m, y, (y >= 2.5 ? "met" : "NOT met")
                }
            }
        }
        if (hb && hk) for (i = 1; i <= nw; i++) {
            w = W[i]; c = mips(w, "bare", "rvmmu") / mips(w, "sv39-4k", "rvmmu")
            printf "- Sv39 4 KiB cost, %s: rvmmu %s against M-mode, target <= +20%%: %s\n", w, pct(c), (c <= 1.2 ? "met" : "NOT met")
        }
    }' "$MEDIANS"
    echo
    echo "checksums: $(for k in "${!SUM[@]}"; do printf '%s %s; ' "$k" "${SUM[$k]}"; done | sed 's/; $//') (identical in every mode, on every emulator, every run)"
}

if [ -n "$OUT" ]; then report | tee "$OUT"; else report; fi
