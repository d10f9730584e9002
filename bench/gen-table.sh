#!/usr/bin/env bash
# Deterministic realistic CSV for the tables benchmark (issue 3):
#   bash bench/gen-table.sh ROWS > table.csv
# 12 columns: ids, quantities, prices with 2 decimals, a 50-value category,
# free text with quoted commas (and a few doubled quotes), ISO dates,
# timestamps, scores, booleans, country codes; about 2% empty fields.
# 10,000,000 rows are about 1 GB. A linear congruential generator with a
# fixed seed: the same bytes on every machine (mawk and gawk alike).
set -euo pipefail
rows=${1:-10000000}
exec awk -v rows="$rows" 'BEGIN {
  srand(1); s = 20261127; M = 2147483648
  split("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega", g, " ")
  split("red,green,blue,fast,slow,new,old,big,small,bright,quiet,loud", adj, ",")
  split("DE FR US GB JP CN IN BR ES IT NL SE PL CA AU", cc, " ")
  for (k = 1; k <= 50; k++) cat[k] = "cat_" g[(k - 1) % 24 + 1] "_" int((k - 1) / 24)
  print "order_id,user_id,quantity,unit_price,category,comment,order_date,shipped_at,score,is_member,country,discount"
  for (i = 1; i <= rows; i++) {
    s = (s * 1103515245 + 12345) % M; a = int(s / 65536)
    s = (s * 1103515245 + 12345) % M; b = int(s / 65536)
    s = (s * 1103515245 + 12345) % M; c = int(s / 65536)
    s = (s * 1103515245 + 12345) % M; d = int(s / 65536)
    uid = (a * 32768 + b) % 1000000
    qty = b % 20 + 1
    price = sprintf("%d.%02d", c % 500, d % 100)
    ct = cat[a % 50 + 1]
    if (c % 7 == 0) cm = "\"" adj[b % 12 + 1] ", " adj[c % 12 + 1] " and " g[d % 24 + 1] "\""
    else if (c % 97 == 1) cm = "\"said \"\"" g[a % 24 + 1] "\"\" twice\""
    else cm = adj[a % 12 + 1] " " g[b % 24 + 1] " item " (d % 1000)
    day = sprintf("2025-%02d-%02d", a % 12 + 1, b % 28 + 1)
    ts = sprintf("2025-%02d-%02dT%02d:%02d:%02d", a % 12 + 1, b % 28 + 1, c % 24, d % 60, (a + d) % 60)
    score = sprintf("%.4f", (c % 100000) / 1000.0 - 50)
    mem = (d % 3 == 0) ? "true" : "false"
    co = cc[d % 15 + 1]
    disc = (a % 5 == 0) ? "0.1" : ((a % 5 == 1) ? "0.25" : "0")
    if (b % 50 == 0) qty = ""
    if (c % 50 == 1) score = ""
    if (d % 50 == 2) co = ""
    if (a % 50 == 3) disc = ""
    if (b % 100 == 4) cm = ""
    print i "," uid "," qty "," price "," ct "," cm "," day "," ts "," score "," mem "," co "," disc
  }
}'
