export * from './feature-names.js';
export { tradeContext, writeFeatures } from './compute.js';
export { MarketSeries, EMPTY_MARKET, type MarketSnapshot } from './market-series.js';
export { isQuincena, LocalClock, type LocalTime } from './local-time.js';
export { UserTrades, TRADE_RETENTION_MS, type TradeContext } from './user-trades.js';
export {
  LakeHistory,
  LakeDataError,
  type LakeHistoryOptions,
  type TickColumns,
} from './lake-history.js';
export {
  computeBatchFeatures,
  loadMarket,
  type BatchFeatureOptions,
  type BatchFeatureResult,
  type BatchSample,
} from './batch.js';
export {
  OnlineFeatureStore,
  type OnlineFeatureSource,
  type OnlineFeatureStoreOptions,
} from './online-store.js';
