import { PassThrough } from 'node:stream';
import pino from 'pino';
import pretty from 'pino-pretty';
import { describe, expect, it } from 'vitest';
import { clockTime } from '../../../src/core/log/logger.js';

describe('one clock for up', () => {
  it('status lines print the time exactly as pretty log lines do', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const at = new Date('2026-03-09T23:04:05.678Z');
    const stream = pretty({
      destination: out,
      colorize: false,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,name',
    });
    const log = pino({ timestamp: () => `,"time":${at.getTime()}` }, stream);
    log.info('hola');
    await new Promise((r) => setTimeout(r, 50));
    expect(text).toContain(`[${clockTime(at)}]`);
    expect(clockTime(at)).toMatch(/^\d{2}:\d{2}:\d{2}$/);
  });
});
