# lib-compare.sh: sourced by the whole-process benchmarks (bench-render.sh, bench-export.sh).
# Times two commands as a user runs them: whole processes (start-up included), in alternating
# pairs (A B, B A, A B, ...: neither side always runs second on warm caches), and reports the
# median wall time, the median CPU time (user + system) and the median peak memory (largest
# resident set of any process of the command) of each side, all from bench_time (built beside
# the benchmarks: microseconds where time(1) prints CPU in 10 ms steps; BM_TIMER overrides).
# Must never time anything but the two commands: set-up runs before, clean-up after.

# cmp_one OUT CMD: runs CMD (a bash string) once under bench_time, appends "wall cpu kb".
cmp_one() {
    local out=$1 cmd=$2 t timer=${BM_TIMER:-$build/bench_time}
    [ -x "$timer" ] || { echo "bench: missing $timer (build the benchmarks)" >&2; return 1; }
    t=$(mktemp)
    if ! "$timer" -o "$t" bash -c "$cmd" >/dev/null 2>"$t.err"; then
        echo "bench: failed: $cmd" >&2
        sed 's/^/  /' "$t.err" >&2
        rm -f "$t" "$t.err"
        return 1
    fi
    awk '{printf "%.4f %.4f %d\n", $1, $2 + $3, $4}' "$t" >>"$out"
    rm -f "$t" "$t.err"
}

# cmp_median FILE COLUMN: the median of one column (1 wall, 2 cpu, 3 KB).
cmp_median() {
    sort -g -k"$2","$2" "$1" | awk -v c="$2" '{v[NR] = $c} END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# cmp_pairs PAIRS PREP_A CMD_A PREP_B CMD_B: alternating pairs; PREP_* (may be ":") run before
# every timed run, untimed (e.g. emptying a cache for a cold run, removing the output). Sets
# A_WALL A_CPU A_MB B_WALL B_CPU B_MB (medians).
cmp_pairs() {
    local pairs=$1 prep_a=$2 cmd_a=$3 prep_b=$4 cmd_b=$5 fa fb k
    fa=$(mktemp) fb=$(mktemp)
    for ((k = 0; k < pairs; k++)); do
        if ((k % 2 == 0)); then
            bash -c "$prep_a" && cmp_one "$fa" "$cmd_a" || { rm -f "$fa" "$fb"; return 1; }
            bash -c "$prep_b" && cmp_one "$fb" "$cmd_b" || { rm -f "$fa" "$fb"; return 1; }
        else
            bash -c "$prep_b" && cmp_one "$fb" "$cmd_b" || { rm -f "$fa" "$fb"; return 1; }
            bash -c "$prep_a" && cmp_one "$fa" "$cmd_a" || { rm -f "$fa" "$fb"; return 1; }
        fi
    done
    A_WALL=$(cmp_median "$fa" 1) A_CPU=$(cmp_median "$fa" 2)
    A_MB=$(awk -v k="$(cmp_median "$fa" 3)" 'BEGIN {printf "%.0f", k / 1024}')
    B_WALL=$(cmp_median "$fb" 1) B_CPU=$(cmp_median "$fb" 2)
    B_MB=$(awk -v k="$(cmp_median "$fb" 3)" 'BEGIN {printf "%.0f", k / 1024}')
    rm -f "$fa" "$fb"
}

# cmp_row WHAT BORDERMAP PEER RATIO TARGET: one row of the table run-all.sh prints.
cmp_row() {
    printf '| %s | %s | %s | %s | %s |\n' "$@"
}

# cmp_fmt WALL CPU MB [N]: "0.412 s (cpu 0.398 s, 95 MB)", with the time per item when N given.
cmp_fmt() {
    if [ -n "${4:-}" ]; then
        awk -v w="$1" -v c="$2" -v m="$3" -v n="$4" \
            'BEGIN {printf "%.3f s (cpu %.3f s, %s MB; %.2f µs/item)", w, c, m, w / n * 1e6}'
    else
        awk -v w="$1" -v c="$2" -v m="$3" 'BEGIN {printf "%.3f s (cpu %.3f s, %s MB)", w, c, m}'
    fi
}

# cmp_ratio X Y: X / Y with two decimals.
cmp_ratio() {
    awk -v x="$1" -v y="$2" 'BEGIN {if (y > 0) printf "%.2f", x / y; else print "nan"}'
}

# cmp_load: the load note printed above every table.
cmp_load() {
    echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores ($(date -u +%FT%TZ))"
}
