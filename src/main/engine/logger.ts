/** Where the engine writes what is for developers (stacks), never for users' eyes. */
export interface Logger {
  info(message: string): void;
  error(message: string, err?: unknown): void;
}

export function consoleLogger(debug: boolean): Logger {
  return {
    info: (message) => {
      if (debug) console.error(`[tessera] ${message}`);
    },
    error: (message, err) => {
      if (debug) console.error(`[tessera] ${message}`, err);
    },
  };
}

export const silentLogger: Logger = { info: () => {}, error: () => {} };
