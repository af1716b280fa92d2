# scratch.sh - sourced by the e2e scripts: tmp, a scratch folder removed
# when the script exits.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
