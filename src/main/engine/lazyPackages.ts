/**
 * Packages that take tens of milliseconds to load (measured: sharp ~80 ms, as it loads libvips; ws
 * ~40 ms; yaml ~35 ms) are required on first use instead of at start, so a CLI command that never
 * decodes an image, serves or reads a YAML manifest does not pay for them. They are CommonJS, so a
 * synchronous require keeps every call site as it was; types come from the packages as before.
 * playwright-core (PDF reports) is required here too rather than imported: the built CLI runs as a
 * vm.Script (cli/codeCache.ts), which has no loader for a dynamic import().
 */
import { createRequire } from 'node:module';
import type Sharp from 'sharp';
import type * as Yaml from 'yaml';
import type * as Ws from 'ws';
import type * as Playwright from 'playwright-core';

const requirePackage = createRequire(import.meta.url);

let sharpModule: typeof Sharp | undefined;
let yamlModule: typeof Yaml | undefined;
let wsModule: typeof Ws | undefined;
let playwrightModule: typeof Playwright | undefined;

export function loadSharp(): typeof Sharp {
  return (sharpModule ??= requirePackage('sharp') as typeof Sharp);
}

export function loadYaml(): typeof Yaml {
  return (yamlModule ??= requirePackage('yaml') as typeof Yaml);
}

export function loadWs(): typeof Ws {
  return (wsModule ??= requirePackage('ws') as typeof Ws);
}

/** playwright-core drives Chromium for PDF reports only; throws when the package is not installed. */
export function loadPlaywright(): typeof Playwright {
  return (playwrightModule ??= requirePackage('playwright-core') as typeof Playwright);
}
