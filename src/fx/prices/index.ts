export * from './price-source.js';
export * from './price-book.js';
export { PriceCollector, type CollectResult, type PriceCollectorOptions } from './collector.js';
export { startPriceCollector, type StartPriceCollectorOptions } from './schedule.js';
export {
  SimulatedPriceSource,
  type SimulatedPriceSourceOptions,
} from './simulated/simulated-price-source.js';
export {
  CsvReplayPriceSource,
  PriceHistoryError,
  parsePriceHistory,
  type CsvReplayPriceSourceOptions,
} from './replay/csv-replay-price-source.js';
export { HttpPriceSource, type HttpPriceSourceOptions } from './http/http-price-source.js';
