import type { z } from 'zod';

/** A bad command line: one line without a stack trace, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }

  static fromZod(error: z.ZodError): UsageError {
    return new UsageError(
      error.issues
        .map((i) => {
          const key = i.path.join('.');
          const flag = key
            ? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
            : 'arguments';
          return `${flag}: ${i.message}`;
        })
        .join('; '),
    );
  }
}
