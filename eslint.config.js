// !!! Do not relax the import rules below: they are what lets the engine, server and CLI run (and be
// tested) without Electron, and the renderer run in a plain browser. Folder-to-folder rules live in
// tools/check-boundaries.mjs, which `npm run lint` also runs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const nativeModules = ['better-sqlite3', 'onnxruntime-node', 'sharp', 'ws'];
const ban = (paths, message) => ({
  'no-restricted-imports': ['error', { paths: paths.map((name) => ({ name, message })) }],
});

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
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name=/^(it|describe|test)$/][callee.property.name='only']",
          message: 'No .only in committed tests.',
        },
      ],
    },
  },
  {
    files: ['src/shared/**'],
    rules: ban(
      [...nodeBuiltins, ...nativeModules, 'electron', 'react', 'react-dom', 'konva', 'react-konva', '@tanstack/react-query'],
      'src/shared is pure TypeScript + zod.',
    ),
  },
  {
    files: ['src/main/engine/**', 'src/main/server/**', 'src/main/cli/**'],
    rules: ban(
      ['electron', 'react', 'react-dom', 'konva', 'react-konva'],
      'The engine, server and CLI run under plain Node without Electron.',
    ),
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: ban([...nodeBuiltins, ...nativeModules, 'electron'], 'The renderer is DOM only: talk to the engine through TesseraClient.'),
  },
  {
    files: ['src/preload/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['*', '!electron'], allowTypeImports: true, message: 'Sandboxed preload: runtime imports from electron only.' },
          ],
        },
      ],
    },
  },
);
