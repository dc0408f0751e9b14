import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configProblems } from '../../src/deploy/adapter-map.js';
import { loadConfig } from '../../src/deploy/config.js';
import { validatedContracts } from '../../src/cli/context.js';
import { synthesize, type Synthesized } from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
}, 300_000);
afterAll(() => rmSync(s.dir, { recursive: true, force: true }));

/**
 * A CloudFormation value with its intrinsics replaced by plausible resolved values (a port where
 * CloudFormation gives one, a resource name elsewhere), as the deployed role would read it.
 */
function resolve(value: unknown, resources: Record<string, { Type: string }>): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => resolve(p, resources)).join(sep);
  }
  // A cluster endpoint attribute, in this stack (Fn::GetAtt) or exported by another (Fn::ImportValue).
  const intrinsic = JSON.stringify(v);
  if (/Endpoint\.?Port/.test(intrinsic)) return '5432';
  if (/Endpoint\.?Address/.test(intrinsic)) return 'cluster.corriente.internal';
  const ref = typeof v.Ref === 'string' ? resources[v.Ref] : undefined;
  if (ref?.Type === 'AWS::SNS::Topic') return 'arn:aws:sns:us-east-1:111122223333:corriente';
  if (typeof v.Ref === 'string' && v.Ref.startsWith('AWS::')) return 'us-east-1';
  return 'corriente-resolved';
}

/** Every `CORRIENTE_CONFIG_JSON` a Lambda function or an ECS container of a stack gets. */
function renderedConfigs(
  template: Record<string, unknown>,
  where: string,
): { where: string; json: string }[] {
  const out: { where: string; json: string }[] = [];
  const resources = template.Resources as Record<string, { Type: string }>;
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}[${i}]`));
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.Name === 'CORRIENTE_CONFIG_JSON' && 'Value' in o)
      out.push({ where: at, json: resolve(o.Value, resources) });
    for (const [k, v] of Object.entries(o)) {
      if (k === 'CORRIENTE_CONFIG_JSON')
        out.push({ where: `${at}.${k}`, json: resolve(v, resources) });
      else walk(v, `${at}.${k}`);
    }
  };
  walk(template, where);
  return out;
}

it('every role’s rendered CORRIENTE_CONFIG_JSON passes corriente’s own config check', () => {
  const configs = [
    ...renderedConfigs(s.templates.lake.toJSON() as Record<string, unknown>, 'lake'),
    ...renderedConfigs(s.templates.fx.toJSON() as Record<string, unknown>, 'fx'),
  ];
  // The ingestion Lambda and the warehouse task (lake), the four FX functions and the ECS roles.
  expect(configs.filter((c) => c.where.startsWith('lake')).length).toBeGreaterThanOrEqual(2);
  expect(configs.filter((c) => c.where.startsWith('fx')).length).toBeGreaterThanOrEqual(4);
  for (const { where, json } of configs) {
    // The same steps as `corriente config check`: parse, contracts, cross-key problems.
    const config = loadConfig({ env: { CORRIENTE_CONFIG_JSON: json } });
    expect(() => validatedContracts(config), where).not.toThrow();
    expect(configProblems(config), where).toEqual([]);
    expect(config.state.type, where).toBe('postgres');
    expect(config.catalog.type, where).toBe('glue');
    if (where.startsWith('fx')) {
      expect(config.fx.model.registry.type, where).toBe('sagemaker');
      expect(config.fx.eventLog.type, where).toBe('kinesis');
    }
  }
}, 300_000);
