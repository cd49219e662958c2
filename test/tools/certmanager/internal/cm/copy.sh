#!/usr/bin/env bash
# Copies the cert-manager internal packages its webhook server needs
# (internal/webhook and its closure) from the module cache into this folder,
# rewriting their imports: Go forbids importing another module's internal/,
# and cert-manager's webhook constructor lives there. Re-run after bumping
# cert-manager in ../../go.mod; the copy is mechanical, never edited by hand.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tool=$(cd "$here/../.." && pwd)
upstream=github.com/cert-manager/cert-manager
ours="$(cd "$tool" && go list -m)/internal/cm"
mod=$(cd "$tool" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' "$upstream")
version=$(cd "$tool" && GOFLAGS=-mod=mod go list -m -f '{{.Version}}' "$upstream")
pkgs=$(cd "$mod" && GOFLAGS=-mod=mod go list -deps ./internal/webhook | grep "^$upstream/internal/" | sed "s|^$upstream/internal/||")

# A clean slate, so packages dropped upstream do not linger here.
find "$here" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
for p in $pkgs; do
  mkdir -p "$here/$p"
  for f in "$mod/internal/$p"/*.go; do
    case "$f" in *_test.go) continue ;; esac
    sed "s|\"$upstream/internal/|\"$ours/|g" "$f" >"$here/$p/$(basename "$f")"
  done
  # Non-Go files a package embeds would be missed silently: refuse instead.
  if grep -l '//go:embed' "$here/$p"/*.go >/dev/null 2>&1; then
    echo "copy.sh: $p uses go:embed; copy its files too" >&2
    exit 1
  fi
done
chmod -R u+w "$here"
# The new import path sorts elsewhere in its import block.
gofmt -w "$here"
echo "$version" >"$here/VERSION"
echo "copied $(echo "$pkgs" | wc -w) packages of $upstream $version into $here" >&2
