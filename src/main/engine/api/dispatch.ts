import { ApiError, type Result } from '../../../shared/api/errors';
import { isMethodName, methods, type MethodName, type Output, type ParsedInput } from '../../../shared/api/contract';
import type { Logger } from '../logger';
import type { PathAccess } from './writablePath';
import { firstLoneSurrogate } from '../../../shared/pure/wellFormed';
import { isPlainIssue, issueLine, issuePath, plainIssue, type ParsedIssue } from '../../../shared/api/issueText';

export interface CallContext {
  signal?: AbortSignal | undefined;
  /**
   * Which door the call came through. Browser clients of `tessera serve` may be on another machine,
   * so calls that write files accept only paths inside the workspace from them, and calls that read
   * files only paths under `pathAccess.readRoots` (see writablePath.ts).
   */
  transport?: 'in-process' | 'ipc' | 'http' | undefined;
  /** Set by `tessera serve` on every web call: the folders its clients may read. */
  pathAccess?: PathAccess | undefined;
}

/** One handler per contract method: a missing one is a type error, not a review comment. */
export type Handlers = { [M in MethodName]: (input: ParsedInput<M>, ctx: CallContext) => Promise<Output<M>> };

/**
 * Each issue's dotted path and message; `plain` marks a message worded as a predicate to follow the
 * field's name ("must not be empty"), so a caller can name the field its own way (the CLI: "--out").
 */
function zodDetails(issues: readonly ParsedIssue[]): Record<string, unknown> {
  return {
    issues: issues.map((i) => ({ path: issuePath(i.path), message: i.message, ...(isPlainIssue(i) ? { plain: true } : {}) })),
  };
}

/**
 * The engine's door: unknown method -> NOT_FOUND, bad input -> INVALID_INPUT with zod's issues,
 * ApiError passes through, anything else is a bug: logged with its stack, returned as INTERNAL.
 */
export function createDispatcher(
  handlers: Handlers,
  logger: Logger,
  /** Machine faults (disk full, read-only, damaged store) as one user-facing line; null for a bug. */
  translate: (err: unknown) => ApiError | null = () => null,
  /** A bug's error as the user sees it (database errors name the file). */
  describe: (err: unknown) => string = () => '',
) {
  return async function dispatch(method: string, rawInput: unknown, ctx: CallContext = {}): Promise<Result<unknown>> {
    try {
      if (!isMethodName(method)) throw new ApiError('NOT_FOUND', `unknown method: ${method}`);
      const parsed = methods[method].input.safeParse(rawInput ?? {}, { error: plainIssue });
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new ApiError(
          'INVALID_INPUT',
          `${method}: ${first === undefined ? 'invalid input' : issueLine(first)}`,
          zodDetails(parsed.error.issues),
        );
      }
      // Text SQLite would store as bytes that read back otherwise (a name, a query, a path): refused here, once for every method.
      const lone = firstLoneSurrogate(parsed.data);
      if (lone !== null)
        throw new ApiError(
          'INVALID_INPUT',
          `${method}: text${lone.path === '' ? '' : ` at ${lone.path}`} holds a lone UTF-16 surrogate (${lone.escape}), which is not valid Unicode and cannot be stored as it is`,
          { path: lone.path },
        );
      const handler = handlers[method] as (input: unknown, ctx: CallContext) => Promise<unknown>;
      return { ok: true, value: await handler(parsed.data, ctx) };
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, error: err.toData() };
      const known = translate(err);
      logger.error(`${method} failed${known === null ? '' : `: ${known.message}`}`, err);
      if (known !== null) return { ok: false, error: known.toData() };
      const what = describe(err);
      return {
        ok: false,
        error: {
          code: 'INTERNAL',
          message: `internal error in ${method}${what === '' ? '' : ` (${what})`}; see tessera.log in the workspace`,
        },
      };
    }
  };
}
export type Dispatch = ReturnType<typeof createDispatcher>;
