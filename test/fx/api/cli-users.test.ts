import * as path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerFx } from '../../../src/cli/commands/fx.js';
import { ADMIN_TOKEN, openHarness } from './harness.js';
import { tempDir } from '../../util/tmp.js';

let tmp: ReturnType<typeof tempDir>;
let out: string[];
beforeEach(() => {
  tmp = tempDir('corriente-fxcli-');
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.CORRIENTE_ADMIN_TOKEN;
  tmp.cleanup();
});

async function run(...args: string[]) {
  const program = new Command().option('--home <dir>').option('-c, --config <file>').exitOverride();
  const fx = registerFx(program);
  expect(fx.name()).toBe('fx');
  await program.parseAsync(['node', 'corriente', '--home', tmp.dir, ...args]);
  return out.join('');
}

describe('corriente fx users', () => {
  it('creates users (token once, AccountOpened appended) and lists them', async () => {
    const created = JSON.parse(
      await run(
        'fx',
        'users',
        'create',
        '--name',
        'Ana',
        '--cop',
        '1500000.50',
        '--usd',
        '20',
        '--json',
      ),
    );
    expect(created).toMatchObject({ name: 'Ana', cop: 1500000.5, usd: 20 });
    expect(created.token).toMatch(/^crt_/);
    out.length = 0;
    await run('fx', 'users', 'create', '--name', 'Luis');
    expect(out.join('')).toMatch(/created user u_\w+ \(Luis\) with 0 COP and 0 USD/);
    out.length = 0;
    const list = JSON.parse(await run('fx', 'users', 'list', '--json'));
    expect(list.map((u: { name: string }) => u.name)).toEqual(['Ana', 'Luis']);
    // The log rebuilds the accounts: a harness on the same home sees Ana's balances.
    const h = await openHarness({}, tmp.dir);
    expect(h.ledger.portfolio(created.id)).toMatchObject({ copCents: 150_000_050, usdCents: 2000 });
    await h.app.close();
    await h.ledger.close();
    h.db.close();
    await h.log.close();
  });

  it('refuses bad amounts as usage errors', async () => {
    await expect(run('fx', 'users', 'create', '--name', 'Ana', '--cop', '-3')).rejects.toThrow(
      /--cop/,
    );
    await expect(run('fx', 'users', 'create', '--name', 'Ana', '--usd', '1.001')).rejects.toThrow(
      /--usd must have at most two decimals/,
    );
  });

  it('while the log is held by a server: a clear message, or the admin API with CORRIENTE_ADMIN_TOKEN', async () => {
    const h = await openHarness({}, tmp.dir); // holds the writer lock, as `corriente up` does
    try {
      await expect(run('fx', 'users', 'create', '--name', 'Ana')).rejects.toThrow(
        /set CORRIENTE_ADMIN_TOKEN .* or stop `corriente up`/,
      );
      const address = new URL(await h.app.listen({ port: 0, host: '127.0.0.1' }));
      const config = path.join(tmp.dir, 'c.json');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(
        config,
        JSON.stringify({ http: { port: Number(address.port), host: '127.0.0.1' } }),
      );
      process.env.CORRIENTE_ADMIN_TOKEN = ADMIN_TOKEN;
      const created = JSON.parse(
        await run(
          '--config',
          config,
          'fx',
          'users',
          'create',
          '--name',
          'Remota',
          '--cop',
          '10',
          '--json',
        ),
      );
      expect(created).toMatchObject({ name: 'Remota', cop: 10 });
      expect(h.ledger.portfolio(created.id)).toMatchObject({ copCents: 1000 });
    } finally {
      await h.close();
    }
  });
});
