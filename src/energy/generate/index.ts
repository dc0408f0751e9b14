export {
  exportKey,
  fileProfile,
  generateCsvChunks,
  generateCsvStream,
  generateExports,
  populationOf,
  type CsvStats,
  type GeneratedFile,
} from './generator.js';
export {
  GENERATE_LIMITS,
  GenerateArgsError,
  generateOptionsSchema,
  parseGenerateArgs,
  resolveGenerateOptions,
  type GenerateArgs,
  type GenerateOptions,
  type ResolvedGenerateOptions,
} from './options.js';
export { DIRT_RATES, type FileEncoding, type FileProfile, type LineEnding } from './dirt.js';
export { ENERGY_PROFILES, type EnergyProfile } from './market.js';
export { formatNit, type Population } from './population.js';
export { Prng, deriveSeed } from '../../core/util/prng.js';
