/**
 * The object stores and price sources the configuration names. Kept apart from `adapters.ts`
 * because they load no native module: the Lambda composition (`aws/aws-adapters.ts`) uses them
 * too, and `adapters.ts` re-exports them.
 */
import { localStorePath, type Config, type StoreConfig } from './config.js';
import { homeLayout } from './home-layout.js';
import { LocalFsObjectStore } from '../core/object-store/local-fs/local-fs-object-store.js';
import type { ObjectStore } from '../core/object-store/object-store.js';
import { S3ObjectStore } from '../core/object-store/s3/s3-object-store.js';
import { HttpPriceSource } from '../fx/prices/http/http-price-source.js';
import type { PriceSource } from '../fx/prices/price-source.js';
import { CsvReplayPriceSource } from '../fx/prices/replay/csv-replay-price-source.js';
import { SimulatedPriceSource } from '../fx/prices/simulated/simulated-price-source.js';

/** Builds the ObjectStore a store configuration names. The one place adapters are chosen. */
export function createObjectStore(config: Config, store: StoreConfig): ObjectStore {
  switch (store.type) {
    case 'local':
      return new LocalFsObjectStore({ root: localStorePath(config, store) });
    case 's3':
      return new S3ObjectStore({
        bucket: store.bucket,
        prefix: store.prefix,
        region: store.region,
        forcePathStyle: store.forcePathStyle,
        multipartThresholdBytes: store.multipartThresholdBytes,
        ...(store.endpoint ? { endpoint: store.endpoint } : {}),
      });
  }
}

export interface Stores {
  source: ObjectStore;
  datalake: ObjectStore;
}

export function createStores(config: Config): Stores {
  return {
    source: createObjectStore(config, config.stores.source),
    datalake: createObjectStore(config, config.stores.datalake),
  };
}

/**
 * The PriceSource `fx.prices` configures (`source: simulated | replay | http`).
 * @throws Error naming the missing key (`fx.prices.replayFile`, `fx.prices.http.url`).
 */
export async function createPriceSource(config: Config): Promise<PriceSource> {
  const prices = config.fx.prices;
  switch (prices.source) {
    case 'simulated':
      return new SimulatedPriceSource({ seed: prices.seed });
    case 'replay':
      if (!prices.replayFile) {
        throw new Error('fx.prices.replayFile is required when fx.prices.source is replay');
      }
      return CsvReplayPriceSource.fromFile(homeLayout(config.home).resolve(prices.replayFile));
    case 'http':
      if (!prices.http) throw new Error('fx.prices.http is required when fx.prices.source is http');
      return new HttpPriceSource({
        url: prices.http.url,
        bidField: prices.http.bidField,
        askField: prices.http.askField,
        ...(prices.http.timeField ? { timeField: prices.http.timeField } : {}),
        timeoutMs: prices.http.timeoutMs,
        retries: prices.http.retries,
      });
  }
}
