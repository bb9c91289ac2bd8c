import { main } from './main';
import { errorText, guardOutputStreams, outputWriteFailed } from './output';

guardOutputStreams();

// serve keeps running after main() resolves; every other command exits with main's code.
main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || !process.argv.slice(2).includes('serve')) process.exitCode = code === 0 && outputWriteFailed() ? 1 : code;
  },
  (err: unknown) => {
    process.stderr.write(errorText(err instanceof Error ? err.message : String(err)));
    process.exitCode = 1;
  },
);
