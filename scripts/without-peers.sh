#!/usr/bin/env bash
# Runs a command (default: npm run test:portable) as on a machine without Debian's peers, and
# without root or unshare, as on macOS and Windows: in a private mount namespace (unshare -m; root,
# or sudo), /dev/null is bound over each program the peer tests look for (devkit/harness/peers.mjs:
# Debian's path first, then PATH), and over unshare and sudo, so each is still there but no longer
# executable; then the command runs as the user nobody. Nothing changes outside the namespace: the
# programs are back when the command ends.
#
#   scripts/without-peers.sh               # the portable suite: passes without them
#   scripts/without-peers.sh npm test      # the whole suite: the peer tests fail, naming what to install
#
# Linux only (unshare, mount, setpriv). The worktree must be readable by nobody, and dist/ current
# (nobody cannot rebuild it).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then set -- npm run test:portable; fi

if [ -z "${WITHOUT_PEERS_NAMESPACE:-}" ]; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo --preserve-env=PATH); fi
  exec "${as_root[@]}" unshare --mount --propagation private env WITHOUT_PEERS_NAMESPACE=1 "$0" "$@"
fi

# In the namespace, still root: each program at Debian's path and wherever PATH finds it.
names=(docker-registry squid basic_ncsa_auth htpasswd unshare sudo)
places=(/usr/bin/docker-registry /usr/sbin/squid /usr/lib/squid/basic_ncsa_auth /usr/bin/htpasswd)
for name in "${names[@]}"; do
  if found="$(type -P "$name")"; then places+=("$found"); fi
done
for place in $(printf '%s\n' "${places[@]}" | sort -u); do
  if [ -e "$place" ]; then
    mount --bind /dev/null "$place"
    echo "without-peers: $place hidden (/dev/null bound over it)"
  else
    echo "without-peers: $place not installed"
  fi
done
# Looked for as peers.mjs looks: Debian's path, then every folder of PATH.
IFS=: read -r -a folders <<<"$PATH"
for name in "${names[@]}"; do
  for candidate in "${places[@]}" "${folders[@]/%//$name}"; do
    if [ "$(basename "$candidate")" = "$name" ] && [ -f "$candidate" ] && [ -x "$candidate" ]; then
      echo "without-peers: $candidate is still executable; not running $*" >&2
      exit 2
    fi
  done
done

home="$(mktemp -d)"
chown nobody "$home"
echo "without-peers: running $* as nobody"
status=0
setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups env HOME="$home" "$@" || status=$?
rm -rf "$home"
exit "$status"
