/**
 * Every path under `$CORRIENTE_HOME`, named once. Stores configured as `type: local` and the
 * SQLite files whose location the config can change (`fx.portfolioStore.path`,
 * `fx.orchestrator.statePath`, `fx.notifications.databasePath`, `warehouse.duckdbPath`) resolve
 * against the home too.
 *
 * | path | what |
 * |---|---|
 * | `source/`, `datalake/` | the landing and lake stores (`stores.*.path`) |
 * | `catalog.db` | the SQLite catalog (Glue Data Catalog's role) |
 * | `state/transform.db` | transform job runs and bookmarks |
 * | `state/leases.db` | leases of roles run as separate processes (`up --roles`) on this home |
 * | `state/ingest-claims.db` | ingestion claims: landing files and raw keys (`ingest.claims.path`) |
 * | `state/transform.lock`, `state/warehouse.lock` | one transform / warehouse load at a time |
 * | `locks/ingest.lock`, `locks/up.lock` | one ingestion / one `corriente up` per home |
 * | `warehouse/warehouse.duckdb` | the DuckDB warehouse |
 * | `eventlog/` | the FX disk event log (`fx.eventLog.path`) |
 * | `fx/ledger.db` | users, tokens, idempotency and the API's transactions |
 * | `fx/portfolios.db`, `fx/checkpoints.db` | portfolios; Kinesis consumer checkpoints |
 * | `fx/orchestrator.db`, `fx/notifications.db` | orchestrator state; notifications |
 * | `ml/registry.db` | model versions and their audit history (registry type sqlite) |
 * | `secrets/` | VAPID keys and the webhook-secret key when not given by the environment |
 * | `tmp/` | work folders of jobs (transform, warehouse, DuckDB spill, training) |
 */
import * as path from 'node:path';

/** The paths of one home; `home` must be absolute (as `loadConfig` makes it). */
export function homeLayout(home: string) {
  const at = (...parts: string[]): string => path.join(home, ...parts);
  return {
    home,
    catalogDb: at('catalog.db'),
    transformStateDb: at('state', 'transform.db'),
    leasesDb: at('state', 'leases.db'),
    fxLedgerDb: at('fx', 'ledger.db'),
    kinesisCheckpointsDb: at('fx', 'checkpoints.db'),
    modelRegistryDb: at('ml', 'registry.db'),
    ingestLock: at('locks', 'ingest.lock'),
    upLock: at('locks', 'up.lock'),
    secretsDir: at('secrets'),
    /** A work folder under `tmp/` (e.g. `duckdb-query`, `fx-train`). */
    tmp: (name: string): string => at('tmp', name),
    /** A path the config gives relative to the home (absolute paths are kept). */
    resolve: (configured: string): string => path.resolve(home, configured),
  };
}

export type HomeLayout = ReturnType<typeof homeLayout>;
