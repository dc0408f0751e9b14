import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../src/core/catalog/sqlite/sqlite-catalog.js';
import { AthenaQueryEngine, convert } from '../../../src/core/query/athena/athena-query-engine.js';

const athena = mockClient(AthenaClient);

function engine(sleeps: number[] = []) {
  return new AthenaQueryEngine({
    client: new AthenaClient({ region: 'us-east-1' }),
    workGroup: 'corriente',
    outputLocation: 's3://results/athena/',
    catalog: new SqliteCatalog({ path: ':memory:' }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

const col = (Name: string, Type: string) => ({ Name, Label: Name, Type });
const row = (...values: (string | undefined)[]) => ({
  Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })),
});

describe('AthenaQueryEngine (sdk mock: no Athena emulator exists)', () => {
  afterEach(() => athena.reset());

  it('sdk mock: starts with database, work group and result location, polls with backoff, pages results', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML' } });
    const info = [
      col('ciudad', 'varchar'),
      col('n', 'bigint'),
      col('kwh', 'decimal'),
      col('ok', 'boolean'),
      col('dia', 'date'),
      col('ts', 'timestamp'),
      col('big', 'bigint'),
    ];
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: info },
          Rows: [
            row('ciudad', 'n', 'kwh', 'ok', 'dia', 'ts', 'big'),
            row(
              'CALI',
              '12',
              '12345678901234567890123.4567891',
              'true',
              '2026-11-27',
              '2026-11-27 10:11:12.000',
              '9007199254740993',
            ),
          ],
        },
        NextToken: 'page-2',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-2' })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: info },
          Rows: [row('PASTO', '3', undefined, 'false', undefined, undefined, '1')],
        },
      });
    const sleeps: number[] = [];
    const r = await engine(sleeps).query('SELECT ciudad, count(*) AS n FROM clientes GROUP BY 1', {
      database: 'energy_processed_db',
    });
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: 'SELECT ciudad, count(*) AS n FROM clientes GROUP BY 1',
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'energy_processed_db' },
      WorkGroup: 'corriente',
      ResultConfiguration: { OutputLocation: 's3://results/athena/' },
    });
    expect(sleeps).toEqual([100, 200, 400]);
    expect(r.columns).toEqual(info.map((c) => ({ name: c.Name, type: c.Type })));
    expect(r.rows).toEqual([
      {
        ciudad: 'CALI',
        n: 12,
        kwh: '12345678901234567890123.4567891',
        ok: true,
        dia: '2026-11-27',
        ts: '2026-11-27T10:11:12.000',
        big: '9007199254740993',
      },
      { ciudad: 'PASTO', n: 3, kwh: null, ok: false, dia: null, ts: null, big: 1 },
    ]);
    expect(r.truncated).toBe(false);
  });

  it('sdk mock: a FAILED query reports Athena’s reason', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          StateChangeReason:
            "line 1:15: Table 'awsdatacatalog.energy_processed_db.facturas' does not exist",
        },
      },
    });
    await expect(engine().query('SELECT * FROM facturas')).rejects.toMatchObject({
      code: 'unknown-table',
      message: expect.stringMatching(/facturas' does not exist/),
    });
  });

  it('sdk mock: a query past the timeout is stopped with StopQueryExecution', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-3' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    const e = new AthenaQueryEngine({
      client: new AthenaClient({ region: 'us-east-1' }),
      catalog: new SqliteCatalog({ path: ':memory:' }),
      pollMinMs: 5,
      pollMaxMs: 10,
    });
    await expect(e.query('SELECT 1', { timeoutMs: 50 })).rejects.toMatchObject({ code: 'timeout' });
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryExecutionId: 'q-3',
    });
  });

  it('sdk mock: stops paging at the limit and marks the result truncated', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-4' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML' } });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [col('x', 'integer')] },
        Rows: [row('x'), row('1'), row('2'), row('3')],
      },
      NextToken: 'more',
    });
    const r = await engine().query('SELECT x FROM t', { limit: 2 });
    expect(r.rows).toEqual([{ x: 1 }, { x: 2 }]);
    expect(r.truncated).toBe(true);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(1);
  });

  it('sdk mock: a DML result drops its label row even when a real first row equals the labels', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-5' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML' } });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [col('ciudad', 'varchar')] },
        // The label row, then a real row whose value is the label.
        Rows: [row('ciudad'), row('ciudad'), row('CALI')],
      },
    });
    const r = await engine().query('SELECT ciudad FROM t');
    expect(r.rows).toEqual([{ ciudad: 'ciudad' }, { ciudad: 'CALI' }]);
  });

  it('sdk mock: a utility statement (SHOW, DESCRIBE) has no label row: its first row is kept', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-6' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'UTILITY' } });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [col('tab_name', 'string')] },
        Rows: [row('tab_name'), row('clientes')],
      },
    });
    const r = await engine().query('SHOW TABLES');
    expect(r.rows).toEqual([{ tab_name: 'tab_name' }, { tab_name: 'clientes' }]);
  });

  it('sdk mock: decimals keep every digit (text), floating point and integers are numbers', () => {
    expect(convert('99999999999999999999999999999.9999999', 'decimal(38,7)')).toBe(
      '99999999999999999999999999999.9999999',
    );
    expect(convert('0.1000', 'decimal')).toBe('0.1000');
    expect(convert('0.5', 'double')).toBe(0.5);
    expect(convert('7', 'integer')).toBe(7);
  });
});
