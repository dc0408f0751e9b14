import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** An s3rver emulator running in a child process. */
export interface S3rverProcess {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  /** s3rver's default credentials; it checks signatures against them. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

// Runs in the child. `port: 0` lets the OS pick a free port; the child prints it when listening.
const SERVER_SCRIPT = `
const S3rver = require(process.argv[1]);
const directory = process.argv[2];
const buckets = JSON.parse(process.argv[3]);
new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
})
  .run()
  .then(
    (address) => process.stdout.write(JSON.stringify({ port: address.port }) + '\\n'),
    (err) => { console.error(err); process.exit(1); },
  );
`;

/**
 * Starts s3rver on a free port of 127.0.0.1 with a fresh temp folder and the given buckets.
 *
 * It runs in a child process started with `--openssl-legacy-provider`: s3rver encrypts its
 * ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node 17+) offers only in
 * the legacy provider; without it every truncated listing fails with InternalError.
 */
export async function startS3rver(buckets: string[]): Promise<S3rverProcess> {
  const directory = await fs.mkdtemp(path.join(tmpdir(), 'corriente-s3rver-'));
  const entry = createRequire(import.meta.url).resolve('s3rver');
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', SERVER_SCRIPT, entry, directory, JSON.stringify(buckets)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await fs.rm(directory, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        const line = stdout.split('\n')[0];
        if (stdout.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`s3rver exited (code ${code}): ${stderr}`)));
    });
    return {
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
