import type { ApiError } from '../../shared';
import { issueLine } from '../../shared/api/issueText';

/**
 * API input fields as the command line names them: the option or argument the value came from
 * ("outDir" is `--out`), or what an element is ("fileNames.0" is "a file name"). Keys are dotted
 * paths with list indices as `*`; a method's own names come before the shared ones. A field not
 * named here keeps its API name. '' leaves a schema's own message without a field after it.
 */
const SHARED: Record<string, string> = {
  outDir: '--out',
  imagesDir: '--images',
  instances: '--instances',
  masksDir: '--masks',
  split: '--split',
  subset: '--subset',
  name: '--name',
  runName: '--run',
  dir: '<dir>',
  root: '<root>',
  refs: '<refs>',
  annotations: '<annotations>',
  manifestPath: '<manifest>',
  from: '<from>',
  to: '<to>',
};

const BY_METHOD: Record<string, Record<string, string>> = {
  'datasets.selectImages': { fileNames: '--images/--image', 'fileNames.*': 'a file name' },
  'classes.add': { classes: '', 'classes.*.name': '' },
  'classes.update': { name: '<name>' },
  'datasets.rename': { name: '<name>' },
  'runs.rename': { name: '<name>' },
  'models.rename': { name: '<name>' },
  'runs.importPredictions': { path: '<path>', run: '--run' },
  'reports.create': { out: '--out' },
  'tags.apply': { tag: '<tag>' },
  'tags.remove': { tag: '<tag>' },
};

function cliField(method: string, path: string): string {
  const key = path.replace(/(^|\.)\d+(?=\.|$)/g, '$1*');
  return BY_METHOD[method]?.[key] ?? SHARED[key] ?? path;
}

interface IssueData {
  path: string;
  message: string;
  plain?: boolean;
}

function isIssueData(v: unknown): v is IssueData {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['path'] === 'string' && typeof o['message'] === 'string';
}

/**
 * An input the contract refused, as the command line says it: without the API method's name (one
 * the command line never showed) and with the field named as the option or argument it came from:
 * "--out must not be empty", not "datasets.export: outDir must not be empty". Other errors as they are.
 */
export function cliErrorMessage(err: ApiError): string {
  const issues = err.details?.['issues'];
  if (err.code !== 'INVALID_INPUT' || !Array.isArray(issues)) return err.message;
  const method = /^([a-z]+\.[A-Za-z]+): /.exec(err.message);
  if (method === null) return err.message;
  const first: unknown = issues[0];
  if (!isIssueData(first)) return err.message.slice(method[0].length);
  const issue = { path: first.path === '' ? [] : first.path.split('.'), message: first.message, plain: first.plain === true };
  // A schema's own message says what is wrong; the field after it is an argument's bare name ("(tag)").
  const name = (p: string): string => {
    const field = cliField(method[1] as string, p);
    return issue.plain ? field : field.replace(/^<(.*)>$/, '$1');
  };
  return issueLine(issue, name);
}
