import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { SsrfGuard } from './ssrf-guard.js';

/** The outcome of one outbound POST. */
export interface PostResult {
  status: number;
  /** At most `maxResponseBytes` of the response body. */
  body: string;
}

/** A network-level failure (timeout, refused connection); the message says which. */
export class DeliveryNetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryNetworkError';
  }
}

export interface GuardedPostOptions {
  guard: SsrfGuard;
  url: string;
  headers: Record<string, string | number>;
  body: Buffer | string;
  timeoutMs: number;
  maxResponseBytes: number;
}

/**
 * POSTs to a user-controlled URL safely: the URL is checked and its host resolved by the
 * guard, the socket connects to exactly that address (a pinned `lookup`, so no DNS-rebinding
 * window), TLS still verifies the host name, redirects are not followed (a 3xx is just a
 * status), the whole exchange has a timeout, and at most `maxResponseBytes` are read.
 * @throws UnsafeTargetError when the target is refused, DeliveryNetworkError on network failure.
 */
export async function guardedPost(options: GuardedPostOptions): Promise<PostResult> {
  const target = await options.guard.resolve(options.url);
  const pinned: LookupFunction = (_host, opts, cb) => {
    if ((opts as { all?: boolean }).all) {
      (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    } else cb(null, target.address, target.family);
  };
  const lib = target.url.protocol === 'https:' ? https : http;
  return new Promise<PostResult>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, result?: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(result!);
    };
    const req = lib.request(
      target.url,
      { method: 'POST', headers: options.headers, lookup: pinned, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < options.maxResponseBytes) {
            chunks.push(chunk.subarray(0, options.maxResponseBytes - size));
          }
          size += chunk.length;
          // Enough read: stop the transfer instead of draining a large or endless body.
          if (size >= options.maxResponseBytes) {
            res.destroy();
            done();
          }
        });
        const done = () =>
          finish(undefined, {
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish(new DeliveryNetworkError(`no response within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish(new DeliveryNetworkError(`${err.code ?? 'error'}: ${err.message}`)),
    );
    req.end(options.body);
  });
}
