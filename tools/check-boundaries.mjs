#!/usr/bin/env node
// Folder-to-folder import rules (the part ESLint's no-restricted-imports cannot see through relative paths).
// Resolves every relative import in src/ and fails when a layer reaches one it must not know.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const rules = [
  { from: /^src\/shared\//, to: /^src\/(main|renderer|preload)\//, why: 'src/shared imports nothing of ours' },
  { from: /^src\/shared\/pure\//, to: /^(?!src\/shared\/pure\/)/, why: 'src/shared/pure imports nothing outside itself' },
  { from: /^src\/main\/engine\//, to: /^src\/(main\/(electron|server|cli)|renderer|preload)\//, why: 'the engine knows no host' },
  { from: /^src\/main\/(server|cli)\//, to: /^src\/(main\/electron|renderer|preload)\//, why: 'server and CLI never load Electron code' },
  { from: /^src\/renderer\//, to: /^src\/(main|preload)\//, why: 'the renderer reaches the engine only through the contract' },
  { from: /^src\/renderer\/canvas\//, to: /^src\/renderer\/(api|features)\//, why: 'the canvas does not fetch' },
  { from: /^src\/preload\//, to: /^src\/(main|renderer)\//, why: 'the preload exposes the client only' },
];

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name)) yield full;
  }
}

/**
 * Renderer features use each other only through their index.ts: src/renderer/features/<a>/... may import
 * '../<b>' (or '../<b>/index'), never '../<b>/SomeFile'. Today's exceptions, to be moved behind an
 * index.ts or into components/; an entry that no longer occurs fails the check, so the list only shrinks.
 */
const featureRe = /^src\/renderer\/features\/([^/]+)\/(.*)$/;
const featureDeepImportsAllowed = new Set([
  'src/renderer/features/annotate/AnnotatePage.tsx -> src/renderer/features/gallery/galleryView',
  'src/renderer/features/annotate/AnnotatePage.tsx -> src/renderer/features/viewer/ImageNav',
  'src/renderer/features/annotate/predictionLayer.ts -> src/renderer/features/viewer/blobData',
  'src/renderer/features/gallery/TileMask.tsx -> src/renderer/features/viewer/blobData',
  'src/renderer/features/models/ModelsPage.tsx -> src/renderer/features/datasets/ConfirmDelete',
  'src/renderer/features/models/ModelsPage.tsx -> src/renderer/features/datasets/RenameInline',
  'src/renderer/features/runs/RunsManagePanel.tsx -> src/renderer/features/datasets/ConfirmDelete',
  'src/renderer/features/runs/RunsManagePanel.tsx -> src/renderer/features/datasets/RenameInline',
  'src/renderer/features/viewer/ImageNav.tsx -> src/renderer/features/gallery/galleryView',
  'src/renderer/features/viewer/ViewerPage.tsx -> src/renderer/features/gallery/galleryView',
]);
const featureDeepImportsSeen = new Set();

function featureProblem(rel, spec, target) {
  const from = featureRe.exec(rel);
  const to = featureRe.exec(target);
  if (from === null || to === null || from[1] === to[1]) return null;
  if (/^(index(\.tsx?)?)?$/.test(to[2])) return null;
  const edge = `${rel} -> ${target.replace(/\.tsx?$/, '')}`;
  if (featureDeepImportsAllowed.has(edge)) {
    featureDeepImportsSeen.add(edge);
    return null;
  }
  return `${rel}: imports ${spec} (features use each other through their index.ts: import '../${to[1]}')`;
}

/**
 * SQL lives in src/main/engine/store/ (repositories, migrations, the read worker): anywhere else a
 * statement (`.prepare(`, `.pragma(`, `db.exec(` or `.exec(` of a SQL string) is a violation.
 * Justified exceptions would be listed here as paths; there are none.
 */
const sqlAllowed = /^src\/main\/engine\/store\//;
const sqlExceptions = new Set([]);
const sqlRe = /\.prepare\(|\.pragma\(|\bdb\.exec\(|\.exec\(\s*['"`]/g;

/** The engine's internals (repositories, database) are for tests and benches; in src/ only the demo's engineStore uses them. */
const internalsRe = /\bengineInternals\b/g;
const internalsAllowed = new Set(['src/main/engine/internals.ts']);

function lineOf(text, index) {
  return text.slice(0, index).split('\n').length;
}

const importRe = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;
const problems = [];
for (const file of walk(join(root, 'src'))) {
  const rel = relative(root, file).replaceAll('\\', '/');
  const text = readFileSync(file, 'utf8');
  if (!sqlAllowed.test(rel) && !sqlExceptions.has(rel)) {
    for (const m of text.matchAll(sqlRe))
      problems.push(`${rel}:${lineOf(text, m.index)}: SQL outside src/main/engine/store/ (${m[0]}): move it into a store repository`);
  }
  if (!internalsAllowed.has(rel)) {
    for (const m of text.matchAll(internalsRe))
      problems.push(`${rel}:${lineOf(text, m.index)}: engineInternals is for tests; hosts use dispatch (the demo generator: engineStore)`);
  }
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec) continue;
    if (!spec.startsWith('.')) {
      if (/^src\/shared\/pure\//.test(rel))
        problems.push(`${rel}: imports ${spec} (src/shared/pure is dependency-free: no packages, no Node)`);
      continue;
    }
    const target = relative(root, resolve(dirname(file), spec)).replaceAll('\\', '/');
    for (const rule of rules) {
      if (rule.from.test(rel) && rule.to.test(target + '/')) problems.push(`${rel}: imports ${spec} (${rule.why})`);
    }
    const deep = featureProblem(rel, spec, target);
    if (deep !== null) problems.push(deep);
  }
}
for (const edge of featureDeepImportsAllowed) {
  if (!featureDeepImportsSeen.has(edge))
    problems.push(`tools/check-boundaries.mjs: "${edge}" no longer occurs: remove it from featureDeepImportsAllowed`);
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`\n${problems.length} boundary violation(s).`);
  process.exit(1);
}
console.log('import, SQL and engine-internals boundaries ok');
