import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { CheckpointStore } from './checkpoint-store.js';
import {
  type ConsumerCheckpoint,
  type Position,
  validateConsumerName,
  validateStreamName,
} from './event-log.js';

interface StoredCheckpoint {
  position: Position;
  updatedAt: string;
}

const SUFFIX = '.json';

/**
 * Checkpoints as small JSON files, `<root>/<stream>/checkpoints/<consumer>.json`, each replaced
 * atomically (write a temp file, fsync, rename, fsync the folder). The disk log's default.
 *
 * @example const store = new FileCheckpointStore({ root: path.join(home, 'eventlog') });
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly root: string;

  /** @param options.root the folder of the checkpoint files */
  constructor(options: { root: string }) {
    this.root = options.root;
  }

  private dir(stream: string): string {
    validateStreamName(stream);
    return path.join(this.root, stream, 'checkpoints');
  }

  private file(stream: string, consumer: string): string {
    validateConsumerName(consumer);
    return path.join(this.dir(stream), consumer + SUFFIX);
  }

  async get(stream: string, consumer: string): Promise<Position | undefined> {
    return (await this.readFile(this.file(stream, consumer)))?.position;
  }

  async set(stream: string, consumer: string, position: Position): Promise<void> {
    const file = this.file(stream, consumer);
    const dir = path.dirname(file);
    await fs.mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
    const body: StoredCheckpoint = { position, updatedAt: new Date().toISOString() };
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(body));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await syncDir(dir);
  }

  async list(stream: string): Promise<ConsumerCheckpoint[]> {
    const dir = this.dir(stream);
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: ConsumerCheckpoint[] = [];
    for (const name of names.sort()) {
      if (!name.endsWith(SUFFIX) || name.startsWith('.')) continue;
      const stored = await this.readFile(path.join(dir, name));
      if (stored) {
        out.push({
          consumer: name.slice(0, -SUFFIX.length),
          position: stored.position,
          updatedAt: new Date(stored.updatedAt),
        });
      }
    }
    return out;
  }

  async delete(stream: string, consumer: string): Promise<void> {
    const file = this.file(stream, consumer);
    await fs.rm(file, { force: true });
    await syncDir(path.dirname(file)).catch(() => {});
  }

  async close(): Promise<void> {}

  private async readFile(file: string): Promise<StoredCheckpoint | undefined> {
    try {
      return JSON.parse(await fs.readFile(file, 'utf8')) as StoredCheckpoint;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
}

/** fsync a folder so a rename or a new file in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
