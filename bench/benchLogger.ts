import { LoggerService } from '@backstage/backend-plugin-api';

/**
 * A logger at info level, as a production backend runs: debug lines are dropped (a 50,000
 * repository scan logs one per repository without the file), info lines are kept for the
 * caller to read, warnings and errors go to stderr at once. With `echo` info goes there too.
 */
export function benchLogger(options: { prefix: string; echo: boolean }): LoggerService & { infoLines: string[] } {
  const infoLines: string[] = [];
  const print = (level: string, message: string) => console.error(`[${options.prefix}] ${level} ${message}`);
  const logger: LoggerService = {
    error: message => print('error', message),
    warn: message => print('warn', message),
    info: message => {
      infoLines.push(message);
      if (options.echo) {
        print('info', message);
      }
    },
    debug: () => undefined,
    child: () => logger,
  };
  return Object.assign(logger, { infoLines });
}
