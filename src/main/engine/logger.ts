/** Where the engine writes what is for developers (stacks), never for users' eyes. */
export interface Logger {
  info(message: string): void;
  error(message: string, err?: unknown): void;
}
