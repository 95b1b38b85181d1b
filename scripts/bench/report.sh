#!/usr/bin/env bash
# The table and the chart of a benchmark run (scripts/bench/README.md: the
# RESULT and NOTE lines of results.tsv).
#
#   scripts/bench/report.sh RESULTS.tsv [CHART.png]
#
# One row per scenario, variant and metric: the absolute figures of axnet,
# lwIP and Linux, then axnet against each peer as a factor where above 1
# means axnet is better (value / peer for "higher is better", peer / value
# for "lower is better"). The chart (gnuplot, when installed) draws those
# factors on a log scale, one pair of bars per row.
set -euo pipefail
results=$1
chart=${2:-}
rows=$(mktemp)
trap 'rm -f "$rows" "$rows.dat"' EXIT

sed -n '1s/^# //p' "$results" | grep -E '^machine' || true
# rows: scenario|variant|metric|unit|better|axnet|lwip|linux|vs_lwip|vs_linux
awk -F'\t' '
  $1 == "RESULT" {
    key = $2 SUBSEP $4 SUBSEP $5
    if (!(key in seen)) { seen[key] = 1; order[n++] = key; unit[key] = $7; better[key] = $8 }
    v[key, $3] = $6
  }
  function fmt(x) { return x == "" ? "" : (x + 0 == int(x + 0) && x + 0 >= 100 ? sprintf("%d", x) : sprintf("%.4g", x)) }
  function factor(a, p, b) {
    if (a == "" || p == "" || a + 0 == 0 || p + 0 == 0) return ""
    return sprintf("%.2f", b == "lower" ? p / a : a / p)
  }
  END {
    for (i = 0; i < n; i++) {
      k = order[i]; split(k, f, SUBSEP)
      a = v[k, "axnet"]; l = v[k, "lwip"]; x = v[k, "linux"]
      printf "%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n", f[1], f[2], f[3], unit[k], better[k], \
        fmt(a), fmt(l), fmt(x), factor(a, l, better[k]), factor(a, x, better[k])
    }
  }' "$results" >"$rows"

echo "| scenario | variant | figure | axnet | lwIP 2.1.3 | Linux | axnet vs lwIP | axnet vs Linux |"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"
while IFS='|' read -r scn var metric unit better a l x fl fx; do
  arrow=$([ "$better" = lower ] && echo "lower is better" || echo "higher is better")
  echo "| $scn | $var | $metric ($unit, $arrow) | $a | $l | $x | ${fl:+${fl}x} | ${fx:+${fx}x} |"
done <"$rows"
echo
echo "axnet vs a peer: above 1 means axnet is better by that factor."
if grep -q $'^NOTE\t' "$results"; then
  echo
  echo "Notes:"
  awk -F'\t' '$1 == "NOTE" { printf "- %s, %s: %s\n", $2, $3, $4 }' "$results"
fi

[ -n "$chart" ] || exit 0
if ! command -v gnuplot >/dev/null; then
  echo "report.sh: gnuplot missing (scripts/deps.sh bench): no chart" >&2
  exit 0
fi
# label|vs_lwip|vs_linux, "-" where there is no figure (gnuplot skips it).
awk -F'|' '($9 != "" || $10 != "") {
  label = $1 " " ($2 == "-" ? "" : $2 " ") $3
  gsub(/_/, "-", label)
  printf "\"%s\" %s %s\n", label, ($9 == "" ? "-" : $9), ($10 == "" ? "-" : $10)
}' "$rows" >"$rows.dat"
if [ ! -s "$rows.dat" ]; then
  echo "report.sh: no figure has a peer: no chart" >&2
  exit 0
fi
count=$(wc -l <"$rows.dat")
width=$((400 + count * 24))
gnuplot <<GP
set terminal pngcairo size $width,900 font "sans,9"
set output "$chart"
set title "axnet against lwIP 2.1.3 and the Linux kernel (above 1: axnet better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set datafile missing "-"
set logscale y 2
set yrange [0.01:100]
set grid ytics
set xtics rotate by 90 right
set bmargin 24
set rmargin 4
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 dt 2
plot "$rows.dat" using 2:xtic(1) title "vs lwIP", "" using 3 title "vs Linux"
GP
echo "chart: $chart"
