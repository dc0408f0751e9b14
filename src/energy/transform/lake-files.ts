import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import type { EnergyEntity } from '../entities.js';
import { partitionPath } from '../ingest/manifest.js';
import {
  listAll,
  type ObjectInfo,
  type ObjectStore,
} from '../../core/object-store/object-store.js';

/** A store whose objects are files on this machine (the local-folder adapter), found by shape. */
interface LocalPaths {
  pathOf(key: string): string;
}

function localPaths(store: ObjectStore): LocalPaths | undefined {
  const candidate = store as Partial<LocalPaths>;
  return typeof candidate.pathOf === 'function' ? (store as unknown as LocalPaths) : undefined;
}

/**
 * One processed (or quarantine) partition is a single Parquet file with a fixed name, replaced by
 * one atomic put (a rename locally, a PUT on S3). A reader therefore sees the whole old partition
 * or the whole new one — never both (as with versioned names plus a later delete) nor half a file.
 */
export const PARTITION_FILE = 'data.parquet';

export function processedKey(entity: EnergyEntity, loadDate: string): string {
  return `processed/${entity}/${partitionPath(loadDate)}/${PARTITION_FILE}`;
}

export function quarantineKey(entity: EnergyEntity, loadDate: string): string {
  return `quarantine/rows/${entity}/${partitionPath(loadDate)}/${PARTITION_FILE}`;
}

const RAW_KEY = /^raw\/([^/]+)\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/([^/]+)$/;

/** Raw files of an entity grouped by load date (`YYYY-MM-DD`). */
export async function listRawPartitions(
  store: ObjectStore,
  entity: EnergyEntity,
): Promise<Map<string, ObjectInfo[]>> {
  const partitions = new Map<string, ObjectInfo[]>();
  for await (const info of listAll(store, `raw/${entity}/`)) {
    const m = RAW_KEY.exec(info.key);
    if (!m || m[1] !== entity) continue;
    const loadDate = `${m[2]}-${m[3]}-${m[4]}`;
    const list = partitions.get(loadDate) ?? [];
    list.push(info);
    partitions.set(loadDate, list);
  }
  return partitions;
}

/** The local path of an object: the store's own file, or a download into `workDir`. */
export async function localFile(store: ObjectStore, key: string, workDir: string): Promise<string> {
  const local = localPaths(store);
  if (local) return local.pathOf(key);
  const target = path.join(workDir, 'in', ...key.split('/'));
  await fs.mkdir(path.dirname(target), { recursive: true });
  await pipeline(await store.getStream(key), createWriteStream(target));
  return target;
}

/** Local paths of every Parquet file under `prefix`. */
export async function localParquetFiles(
  store: ObjectStore,
  prefix: string,
  workDir: string,
): Promise<string[]> {
  const files: string[] = [];
  for await (const info of listAll(store, prefix)) {
    if (info.key.endsWith('.parquet')) files.push(await localFile(store, info.key, workDir));
  }
  return files;
}

/**
 * Puts a finished local file at `key` atomically. Locally the file is fsynced and renamed into
 * place (no copy of a large file); elsewhere it is streamed through the store's atomic `put`.
 */
export async function publishFile(store: ObjectStore, key: string, file: string): Promise<void> {
  const local = localPaths(store);
  if (local) {
    const target = local.pathOf(key);
    const dir = path.dirname(target);
    await fs.mkdir(dir, { recursive: true });
    const h = await fs.open(file, 'r+');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
    try {
      await fs.rename(file, target);
      const d = await fs.open(dir, 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    }
  }
  await store.put(key, createReadStream(file), { contentType: 'application/vnd.apache.parquet' });
}

/** Deletes every object in `key`'s folder except `key` itself (left-overs of older layouts). */
export async function deleteSiblings(
  store: ObjectStore,
  key: string,
  keep: boolean,
): Promise<void> {
  const prefix = key.slice(0, key.lastIndexOf('/') + 1);
  const doomed: string[] = [];
  for await (const info of listAll(store, prefix)) {
    if (info.key.slice(prefix.length).includes('/')) continue;
    if (keep && info.key === key) continue;
    doomed.push(info.key);
  }
  for (const k of doomed) await store.delete(k);
}
