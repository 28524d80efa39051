#!/bin/sh
# Stands in for crictl, which needs a container runtime this test machine does not have: it
# answers `ps -a -o json` and `inspect -o json ID` with output recorded from containerd 1.7.
dir=$(dirname "$0")
case "$1" in
  ps) cat "$dir/crictl-ps.json" ;;
  inspect) id=$(printf %.12s "$4"); cat "$dir/crictl-inspect-$id.json" 2>/dev/null || { echo "container \"$4\" not found" >&2; exit 1; } ;;
  *) echo "unsupported: $*" >&2; exit 1 ;;
esac
