import type { Command } from 'commander';

/** PLACEHOLDER — `corriente generate` is being written by a helper. */
export function registerGenerate(_program: Command): void {}
