/** Recorded in run provenance and reports; keep in step with package.json (a unit test checks). */
export const TOOL_VERSION = '0.1.0';
