# bench/lib.sh - shared by the benchmark scripts (sourced; needs $DIR).

# median wall seconds and max RSS (KiB) of n runs of a command:
#   read -r secs kib < <(measure 3 cmd args...)
measure() {
  local n=$1; shift
  local t=() r=() i
  for ((i = 0; i < n; i++)); do
    /usr/bin/time -f '%e %M' -o "$DIR/time.txt" "$@" > /dev/null 2>"$DIR/err.txt" || { cat "$DIR/err.txt" >&2; return 1; }
    read -r s k < "$DIR/time.txt"; t+=("$s"); r+=("$k")
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n "$(( (n + 1) / 2 ))p" | tr '\n' ' '
  printf '%s\n' "${r[@]}" | sort -n | tail -1
}
