import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { HttpPriceSource } from '../../../src/fx/prices/http/http-price-source.js';
import { CsvReplayPriceSource } from '../../../src/fx/prices/replay/csv-replay-price-source.js';
import { SimulatedPriceSource } from '../../../src/fx/prices/simulated/simulated-price-source.js';
import { tempDir } from '../../util/tmp.js';
import { priceSourceContract } from './price-source-contract.js';

/** COP with a decimal comma, as Colombian exports write it: 401025 → `4010,25`. */
const cop = (cents: number): string =>
  `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, '0')}`;

priceSourceContract(
  'SimulatedPriceSource',
  async () => ({ source: new SimulatedPriceSource({ seed: 11 }), cleanup: async () => {} }),
  { followsHistory: false, ends: false },
);

priceSourceContract(
  'CsvReplayPriceSource (a CSV file)',
  async (history) => {
    const t = tempDir('corriente-prices-');
    const file = path.join(t.dir, 'precios.csv');
    await writeFile(
      file,
      [
        'observed_at;bid;ask',
        ...history.map((r) => `${r.observedAt};${cop(r.bidCopCents)};${cop(r.askCopCents)}`),
      ].join('\n') + '\n',
    );
    return { source: await CsvReplayPriceSource.fromFile(file), cleanup: async () => t.cleanup() };
  },
  { followsHistory: true, ends: true },
);

priceSourceContract(
  'HttpPriceSource (a loopback HTTP server)',
  async (history) => {
    // The endpoint answers the market's next quote to each request, then keeps the last one.
    let served = 0;
    const server = createServer((_req, res) => {
      const row = history[Math.min(served++, history.length - 1)]!;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          cotizacion: { compra: (row.bidCopCents / 100).toFixed(2), venta: row.askCopCents / 100 },
          hora: row.observedAt,
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const source = new HttpPriceSource({
      url: `http://127.0.0.1:${port}/usdcop`,
      bidField: 'cotizacion.compra',
      askField: 'cotizacion.venta',
      timeField: 'hora',
      retries: 0,
    });
    return {
      source,
      cleanup: () => new Promise<void>((r) => server.close(() => r())),
    };
  },
  { followsHistory: true, ends: false },
);
