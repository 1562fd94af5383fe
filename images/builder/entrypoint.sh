#!/usr/bin/env bash
# Nixpool builder entrypoint: turns the builder pod contract (docs/builder-contract.md) into a nix.conf and an
# sshd_config, then runs sshd in the foreground. Nix's serve protocol runs over the SSH login, so nothing here may
# print to stdout after sshd starts; diagnostics go to stderr.
#
# Runs in the builder image (as the non-root user "nixpool") and, unchanged, directly on a host as root with the
# NIXPOOL_* variables pointing at a temp dir (a local builder runtime). Hence: no paths other than the ones the
# contract names (all overridable), and nothing written outside NIXPOOL_STATE_DIR except /run/sshd, which sshd itself
# insists on when it runs as root, and the Nix store's own database, which the first login would create anyway.
set -euo pipefail

die() {
  echo "nixpool-builder: $*" >&2
  exit 1
}

ssh_dir=${NIXPOOL_SSH_DIR:-/etc/nixpool/ssh}
port=${NIXPOOL_SSH_PORT:-2222}
listen_address=${NIXPOOL_LISTEN_ADDRESS:-0.0.0.0}
systems=${NIXPOOL_SYSTEMS:-x86_64-linux}
system_features=${NIXPOOL_SYSTEM_FEATURES:-}
max_jobs=${NIXPOOL_MAX_JOBS:-1}
substituters=${NIXPOOL_SUBSTITUTERS:-}
trusted_public_keys=${NIXPOOL_TRUSTED_PUBLIC_KEYS:-}
state_dir=${NIXPOOL_STATE_DIR:-/run/nixpool}
min_free=${NIXPOOL_MIN_FREE:-}
max_free=${NIXPOOL_MAX_FREE:-}
fsync_metadata=${NIXPOOL_FSYNC_METADATA:-true}

# --- check the input: a bad value must fail here, with its name, not later inside sshd or Nix ---------------------
[[ $port =~ ^[0-9]{1,5}$ ]] && ((port >= 1 && port <= 65535)) ||
  die "NIXPOOL_SSH_PORT must be a TCP port (1-65535), got '$port'"
[[ $max_jobs =~ ^[0-9]{1,6}$ ]] && ((max_jobs >= 1)) ||
  die "NIXPOOL_MAX_JOBS must be a positive integer, got '$max_jobs'"
[[ -n $listen_address && $listen_address != *[[:space:]]* ]] ||
  die "NIXPOOL_LISTEN_ADDRESS must be one IP address, got '$listen_address'"
read -r -a system_list <<<"$systems"
((${#system_list[@]} >= 1)) || die "NIXPOOL_SYSTEMS must name at least one system, e.g. x86_64-linux; it is empty"
for s in "${system_list[@]}"; do
  [[ $s =~ ^([A-Za-z0-9_]+-[A-Za-z0-9_]+|builtin)$ ]] ||
    die "NIXPOOL_SYSTEMS: '$s' is not a Nix system such as x86_64-linux"
done
read -r -a feature_list <<<"$system_features"
for f in "${feature_list[@]}"; do
  [[ $f =~ ^[A-Za-z0-9][A-Za-z0-9_.+-]{0,62}$ ]] ||
    die "NIXPOOL_SYSTEM_FEATURES: '$f' is not a system feature name such as kvm or big-parallel"
done
[[ $state_dir == /* ]] || die "NIXPOOL_STATE_DIR must be an absolute path, got '$state_dir'"
# bytes, as Nix's min-free/max-free take them; 18 digits keep them inside bash's 64-bit arithmetic
for bound in min_free max_free; do
  [[ -z ${!bound} || ${!bound} =~ ^[0-9]{1,18}$ ]] ||
    die "NIXPOOL_${bound^^} must be a number of bytes (digits only), got '${!bound}'"
done
[[ $fsync_metadata == true || $fsync_metadata == false ]] ||
  die "NIXPOOL_FSYNC_METADATA must be true or false, got '$fsync_metadata'"
if [[ -n $min_free && -n $max_free ]] && ((max_free <= min_free)); then
  die "NIXPOOL_MAX_FREE ($max_free) must be larger than NIXPOOL_MIN_FREE ($min_free): Nix collects garbage when free" \
    "space falls below min-free until max-free is free again"
fi

[[ -d $ssh_dir ]] || die "NIXPOOL_SSH_DIR '$ssh_dir' is not a directory (the builder's key Secret is mounted there)"
for key in ssh_host_ed25519_key ssh_host_ed25519_key.pub authorized_keys; do
  [[ -r $ssh_dir/$key ]] || die "missing key file $ssh_dir/$key (expected from the builder's Secret)"
  [[ -s $ssh_dir/$key ]] || die "key file $ssh_dir/$key is empty"
done

sshd_bin=$(command -v sshd || true)
[[ -n $sshd_bin ]] || sshd_bin=/usr/sbin/sshd
[[ -x $sshd_bin ]] || die "sshd not found (looked on PATH and at /usr/sbin/sshd); install openssh-server"

# --- state: private copies of the keys ------------------------------------------------------------------------------
# sshd refuses a host key that others can read when it owns the file, and a Secret volume with fsGroup can hand out
# group-readable files; a 0600 copy owned by whoever runs sshd works for root and non-root alike.
umask 077
mkdir -p "$state_dir"
chmod 0700 "$state_dir"
install -m 0600 "$ssh_dir/ssh_host_ed25519_key" "$state_dir/ssh_host_ed25519_key"
install -m 0600 "$ssh_dir/authorized_keys" "$state_dir/authorized_keys"

# The pinned public key must belong to the private key, or every connection would fail host-key verification.
if command -v ssh-keygen >/dev/null; then
  derived=$(ssh-keygen -y -f "$state_dir/ssh_host_ed25519_key" 2>/dev/null | awk '{print $1, $2}') ||
    die "$ssh_dir/ssh_host_ed25519_key is not an OpenSSH private key"
  pinned=$(awk 'NF {print $1, $2; exit}' "$ssh_dir/ssh_host_ed25519_key.pub")
  [[ $derived == "$pinned" ]] ||
    die "$ssh_dir/ssh_host_ed25519_key.pub does not match $ssh_dir/ssh_host_ed25519_key"
fi

# --- nix.conf: the only Nix configuration the login sees (NIX_CONF_DIR replaces /etc/nix) -------------------------
{
  echo "# written by the nixpool builder entrypoint"
  echo "system = ${system_list[0]}"
  echo "extra-platforms = ${system_list[*]:1}"
  echo "system-features = ${feature_list[*]}"
  echo "max-jobs = $max_jobs"
  echo "substituters = $substituters"
  echo "trusted-public-keys = $trusted_public_keys"
  # no user namespaces in a pod, and Debian's Nix has no sandbox-paths for /bin/sh
  echo "sandbox = false"
  # false for a store that dies with the pod: no SQLite sync on each registered path (a .drv written by an evaluation,
  # a build's outputs); a crash of the node loses that store anyway
  echo "fsync-metadata = $fsync_metadata"
  # automatic garbage collection while building: only when asked for (absent: Nix's defaults, which never collect)
  if [[ -n $min_free ]]; then
    echo "min-free = $min_free"
  fi
  if [[ -n $max_free ]]; then
    echo "max-free = $max_free"
  fi
  # Nix's build users need root; a non-root builder owns a single-user store and builds as itself.
  if ((EUID != 0)); then
    echo "build-users-group ="
  fi
} >"$state_dir/nix.conf"

# --- the store's database, created before any login can open it -----------------------------------------------------
# Nix creates a fresh store's SQLite database and switches it to WAL mode on first open. Two logins opening a fresh
# store at the same moment (the operator's kept serve session and its evaluator start together) can make the second
# fail with "SQLite database ... is busy"; once the database exists in WAL mode, opening it concurrently is safe.
NIX_CONF_DIR=$state_dir nix-store --init >&2 || die "could not initialise the Nix store's database (nix-store --init)"

# --- sshd_config ----------------------------------------------------------------------------------------------------
# MaxSessions counts the channels of one connection, and the operator runs all of a reusable builder's builds on one
# kept connection: per build its serve channel, the next evaluator waiting beside it and a channel whose command is
# still ending (sshd frees a channel's slot only when its process exits), plus the spare session's serve and
# evaluator. sshd's default of 10 refused the sixth build of a maxJobs 6 builder ("administratively prohibited").
max_sessions=$((3 * max_jobs + 4))
# StrictModes checks that users cannot edit their own authorized_keys; ours is the entrypoint's copy in a 0700 dir,
# and on a host the state dir may sit under a world-writable /tmp, which StrictModes would reject.
cat >"$state_dir/sshd_config" <<CONFIG
# written by the nixpool builder entrypoint
Port $port
ListenAddress $listen_address
HostKey $state_dir/ssh_host_ed25519_key
PidFile $state_dir/sshd.pid
AuthorizedKeysFile $state_dir/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
AllowTcpForwarding no
AllowAgentForwarding no
AllowStreamLocalForwarding no
X11Forwarding no
PermitTunnel no
PermitTTY no
PermitUserEnvironment no
PrintMotd no
PrintLastLog no
UseDNS no
ClientAliveInterval 30
MaxSessions $max_sessions
SetEnv NIX_CONF_DIR=$state_dir XDG_CACHE_HOME=$state_dir/cache
CONFIG

if ((EUID == 0)); then
  # sshd's privilege-separation chroot; only needed (and only creatable) as root
  mkdir -p /run/sshd
  chmod 0755 /run/sshd
fi

"$sshd_bin" -t -f "$state_dir/sshd_config" || die "sshd rejected the generated $state_dir/sshd_config"
echo "nixpool-builder: sshd listening on $listen_address:$port for systems '${system_list[*]}'" \
  "features '${feature_list[*]}'" >&2
exec "$sshd_bin" -D -e -f "$state_dir/sshd_config"
