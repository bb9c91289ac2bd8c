// !!! Do not relax the import rules below: they are what lets the engine, server and CLI run (and be
// tested) without Electron, and the renderer run in a plain browser. Folder-to-folder rules live in
// tools/check-boundaries.mjs, which `npm run lint` also runs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const nativeModules = ['better-sqlite3', 'onnxruntime-node', 'sharp', 'ws'];
const noOnly = {
  selector: "CallExpression[callee.object.name=/^(it|describe|test)$/][callee.property.name='only']",
  message: 'No .only in committed tests.',
};
/**
 * A regex (esquery syntax: no '/' inside) matching these module names and their subpaths
 * ('electron', 'electron/main'), not longer names ('electron-vite').
 */
const modulesRe = (names) =>
  `/^(?:${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('/', '.')).join('|')})(?:[^\\w-].*)?$/`;
/**
 * Loads of these modules that no-restricted-imports does not see: import('x'), require('x'),
 * createRequire(import.meta.url)('x'). `anyCall` names modules banned as the first argument of any
 * call at all (a createRequire result under another name, require.resolve).
 */
const dynamicLoads = (names, message, anyCall = []) => {
  const literal = (path, re) => [
    `[${path}.value=${re}]`,
    `[${path}.type='TemplateLiteral'][${path}.expressions.length=0][${path}.quasis.0.value.cooked=${re}]`,
  ];
  const selectors = [];
  const named = names.filter((n) => !anyCall.includes(n));
  if (named.length > 0) {
    const re = modulesRe(named);
    selectors.push(
      ...literal('source', re).map((a) => `ImportExpression${a}`),
      ...literal('arguments.0', re).map((a) => `CallExpression[callee.name='require']${a}`),
      ...literal('arguments.0', re).map((a) => `CallExpression[callee.type='CallExpression'][callee.callee.name='createRequire']${a}`),
    );
  }
  if (anyCall.length > 0) {
    const re = modulesRe(anyCall);
    selectors.push(
      ...literal('source', re).map((a) => `ImportExpression${a}`),
      ...literal('arguments.0', re).map((a) => `CallExpression${a}`),
    );
  }
  return selectors.map((selector) => ({ selector, message }));
};
/** Bans `paths` in static imports, exports and dynamic loads. */
const ban = (paths, message, anyCall = []) => ({
  'no-restricted-imports': ['error', { paths: paths.map((name) => ({ name, message })), patterns: subpathPatterns(paths, message) }],
  'no-restricted-syntax': ['error', noOnly, ...dynamicLoads(paths, message, anyCall)],
});
/** 'electron/main' as well as 'electron' (no-restricted-imports' paths match whole names only). */
const subpathPatterns = (paths, message) => [{ group: paths.filter((p) => !p.startsWith('node:')).map((p) => `${p}/*`), message }];
const rendererBans = [...nodeBuiltins, ...nativeModules, 'electron'];
const rendererMessage = 'The renderer is DOM only: talk to the engine through TesseraClient.';

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'test-results/**', '.tessera/**', 'bench/results/**', 'tools/export/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', noOnly],
    },
  },
  {
    files: ['src/shared/**'],
    rules: ban(
      [...nodeBuiltins, ...nativeModules, 'electron', 'react', 'react-dom', 'konva', 'react-konva', '@tanstack/react-query'],
      'src/shared is pure TypeScript + zod.',
      ['electron'],
    ),
  },
  {
    // Runtime-neutral code both the engine and the renderer import: no packages at all, not even zod.
    files: ['src/shared/pure/**'],
    rules: ban(
      [...nodeBuiltins, ...nativeModules, 'electron', 'react', 'react-dom', 'konva', 'react-konva', '@tanstack/react-query', 'zod'],
      'src/shared/pure is dependency-free TypeScript (no packages, no Node, no DOM).',
      ['electron'],
    ),
  },
  {
    files: ['src/main/engine/**', 'src/main/server/**', 'src/main/cli/**'],
    rules: ban(
      ['electron', 'react', 'react-dom', 'konva', 'react-konva'],
      'The engine, server and CLI run under plain Node without Electron.',
      ['electron'],
    ),
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: ban(rendererBans, rendererMessage),
  },
  {
    // The canvas draws what it is given: data comes from features/ (queries), never fetched here.
    files: ['src/renderer/canvas/**'],
    rules: ban(
      [...rendererBans, '@tanstack/react-query'],
      'src/renderer/canvas draws what it is given: no Node, no fetching (TanStack Query belongs in features/).',
    ),
  },
  {
    files: ['src/preload/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            // Its own sibling files are bundled into the one preload file (tools/build.mjs).
            {
              regex: '^(?!electron$|\\./[^./])',
              allowTypeImports: true,
              message: 'Sandboxed preload: runtime imports from electron only.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        noOnly,
        {
          selector: "CallExpression[callee.name='require']:not([arguments.0.value='electron']), ImportExpression",
          message: 'Sandboxed preload: require("electron") only.',
        },
      ],
    },
  },
  {
    // Typed rules: type information from the tsconfig that owns each file (TypeScript's project service).
    files: ['**/*.{ts,tsx}'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
);
