import pino, { type Logger } from 'pino';

export type { Logger };

/** The clock of pretty log lines (pino-pretty's `SYS:` pattern: the machine's time zone). */
const CLOCK_FORMAT = 'HH:MM:ss';

/**
 * A time as pretty log lines show it (`14:05:09`, the machine's time zone), so status lines
 * printed beside the log read the same clock.
 * @example out(`[${clockTime()}] ${status}`)
 */
export function clockTime(at: Date = new Date()): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
}

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
          translateTime: `SYS:${CLOCK_FORMAT}`,
          ignore: 'pid,hostname,name',
        },
      },
    });
  }
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}

/** A logger that discards everything (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });
