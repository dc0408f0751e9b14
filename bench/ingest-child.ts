/**
 * Child process of `bench:ingest`: one ingestion run over $CORRIENTE_HOME, then prints
 * `{ report totals, durationMs, cpuMs, maxRssBytes }` as JSON. Kept apart so its peak RSS is its own.
 */
import { createStores, openIngestClaims } from '../src/deploy/adapters.js';
import { loadConfig } from '../src/deploy/config.js';
import { energyContracts, sourcesOf } from '../src/energy/contracts/load-contracts.js';
import { ingestOnce } from '../src/energy/ingest/ingest.js';
import { silentLogger } from '../src/core/log/logger.js';

const config = loadConfig();
// Loaded (YAML read and validated) once per process, as the ingestion loop has them before a
// run: start-up, like module loading, and reported with it (the bench's "whole process").
const entities = sourcesOf(energyContracts(config));
const started = process.hrtime.bigint();
const cpuBefore = process.cpuUsage();
const report = await ingestOnce({
  ...createStores(config),
  claims: openIngestClaims(config),
  log: silentLogger,
  timezone: config.timezone,
  entities,
});
const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
// Every thread of the process (the sha256 worker included), user and kernel time.
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(
  JSON.stringify({
    totals: report.totals,
    durationMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
