import type { PgMigration } from '../../../core/state/postgres/index.js';

/** The model registry's tables on PostgreSQL, in order. Append; never edit an applied one. */
export const ML_REGISTRY_MIGRATIONS: readonly PgMigration[] = [
  {
    // Versions are numbered under a row lock on their group; audit rows take their sequence
    // number from the one row of ml_model_audit_head, locked until commit, so sequence numbers
    // become visible in order and a reader's cursor (`seq > last`) never skips a late commit.
    name: 'ml-registry/0001-groups-versions-audit',
    up: `
      CREATE TABLE ml_model_groups (
        name text COLLATE "C" PRIMARY KEY,
        description text,
        created_at text NOT NULL
      );
      CREATE TABLE ml_model_versions (
        group_name text COLLATE "C" NOT NULL REFERENCES ml_model_groups (name),
        version integer NOT NULL CHECK (version >= 1),
        -- 'reserved' while the artifact is being written; readers see only 'ready' rows.
        state text NOT NULL CHECK (state IN ('reserved', 'ready')),
        status text NOT NULL
          CHECK (status IN ('PendingManualApproval', 'Approved', 'Rejected')),
        status_changed_at text NOT NULL,
        record text NOT NULL,
        PRIMARY KEY (group_name, version)
      );
      CREATE TABLE ml_model_audit (
        seq bigint PRIMARY KEY,
        group_name text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        from_status text,
        to_status text NOT NULL,
        actor text NOT NULL,
        reason text NOT NULL,
        at text NOT NULL,
        FOREIGN KEY (group_name, version) REFERENCES ml_model_versions (group_name, version)
      );
      CREATE INDEX ml_model_audit_by_version ON ml_model_audit (group_name, version, seq);
      CREATE TABLE ml_model_audit_head (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        seq bigint NOT NULL
      );
      INSERT INTO ml_model_audit_head (id, seq) VALUES (true, 0);
    `,
  },
];
