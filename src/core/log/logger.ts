import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs to stderr: JSON lines, or pretty-printed when stderr is a terminal
 * (`format` forces one; the CLI takes it from `CORRIENTE_LOG_FORMAT=json|pretty`).
 */
export function createLogger(
  level: string = 'info',
  name = 'corriente',
  format: string = process.stderr.isTTY ? 'pretty' : 'json',
): Logger {
  if (format === 'pretty') {
    return pino({
      name,
      level,
      transport: {
        target: 'pino-pretty',
        options: {
          destination: 2,
          colorize: true,
          translateTime: 'SYS:HH:MM:ss',
          ignore: 'pid,hostname,name',
        },
      },
    });
  }
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}

/** A logger that discards everything (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });
