import * as path from 'node:path';
import type { Config } from './config.js';
import { HttpPriceSource } from '../fx/prices/http/http-price-source.js';
import type { PriceSource } from '../fx/prices/price-source.js';
import { CsvReplayPriceSource } from '../fx/prices/replay/csv-replay-price-source.js';
import { SimulatedPriceSource } from '../fx/prices/simulated/simulated-price-source.js';

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
      return CsvReplayPriceSource.fromFile(path.resolve(config.home, prices.replayFile));
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
