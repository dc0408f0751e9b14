import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/util/config-error.js';
import { addPrincipalToken } from '../../../src/deploy/config-file.js';
import { loadConfig } from '../../../src/deploy/config.js';
import { tempDir } from '../../util/tmp.js';

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);
let t: { dir: string; cleanup: () => void };
beforeEach(() => (t = tempDir('corriente-config-file-')));
afterEach(() => t.cleanup());

describe('addPrincipalToken (lake token --write-config)', () => {
  it('JSON: adds the section and the principal, keeps the other keys and the indentation', () => {
    const file = path.join(t.dir, 'corriente.config.json');
    writeFileSync(file, '{\n    "timezone": "America/Bogota",\n    "http": { "port": 9090 }\n}\n');
    expect(addPrincipalToken(file, 'ana', H1)).toEqual({ addedPrincipal: true });
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\{\n {4}"timezone"/);
    const c = loadConfig({ file, env: {}, cwd: t.dir });
    expect(c.http.port).toBe(9090);
    expect(c.governance?.principals).toEqual([
      expect.objectContaining({ name: 'ana', tokenSha256: H1 }),
    ]);
    // A second token for the same principal: both hashes (rotation).
    expect(addPrincipalToken(file, 'ana', H2)).toEqual({ addedPrincipal: false });
    const again = loadConfig({ file, env: {}, cwd: t.dir });
    expect(again.governance?.principals[0]?.tokenSha256).toEqual([H1, H2]);
  });

  it('YAML: keeps comments and the principal’s roles; appends the hash', () => {
    const file = path.join(t.dir, 'corriente.config.yaml');
    writeFileSync(
      file,
      `# mi configuración\ngovernance:\n  principals:\n    - name: ana # analista\n      roles: [analyst]\n      tokenSha256: ${H1}\n`,
    );
    addPrincipalToken(file, 'ana', H2);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# mi configuración');
    expect(text).toContain('# analista');
    const c = loadConfig({ file, env: {}, cwd: t.dir });
    expect(c.governance?.principals[0]).toMatchObject({
      roles: ['analyst'],
      tokenSha256: [H1, H2],
    });
  });

  it('refuses to write a file that would be invalid, and leaves it as it was', () => {
    const file = path.join(t.dir, 'corriente.config.yaml');
    const before = 'governance:\n  principals: []\n';
    writeFileSync(file, before);
    expect(() => addPrincipalToken(file, 'no vale', H1)).toThrow(ConfigError);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
