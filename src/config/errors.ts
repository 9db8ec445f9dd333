/** A configuration problem, worded for the person who wrote the config (file, key, what is wrong). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
