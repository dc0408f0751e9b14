/** Raised for an invalid configuration; the message names each bad key. The CLI exits 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
