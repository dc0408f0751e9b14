import { useMemo, useState } from 'preact/hooks';
import { Chart, Scroll } from './chart.js';
import { fmt, useLang, useT, type Dict } from './i18n.js';

export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  truncated: boolean;
  elapsedMs: number;
}

const NUMERIC = /INT|DECIMAL|DOUBLE|FLOAT|REAL|NUMERIC|BIGINT/i;
export const isNumeric = (type: string) => NUMERIC.test(type);

const cell = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** RFC 4180 CSV of a result. */
export function toCsv(r: QueryResult): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = [r.columns.map((c) => q(c.name)).join(',')];
  for (const row of r.rows) lines.push(r.columns.map((c) => q(cell(row[c.name]))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

const PAGE = 25;

/** A results grid with paging, and a bar/line chart of any numeric column. */
export function ResultView(props: { result: QueryResult; t: Dict; id: string; name: string }) {
  const t = useT(props.t);
  const lang = useLang();
  const r = props.result;
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(r.rows.length / PAGE));
  const numeric = r.columns.filter((c) => isNumeric(c.type));
  const [kind, setKind] = useState<'bar' | 'line'>('bar');
  const [xCol, setX] = useState(
    r.columns.find((c) => !isNumeric(c.type))?.name ?? r.columns[0]?.name ?? '',
  );
  const [yCol, setY] = useState(numeric[0]?.name ?? '');
  const chart = useMemo(() => {
    if (!yCol) return undefined;
    const rows = r.rows.slice(0, 500);
    return {
      x: rows.map((_, i) => i),
      xLabels: rows.map((row) => cell(row[xCol])),
      series: [{ label: yCol, values: rows.map((row) => Number(row[yCol])) }],
    };
  }, [r, xCol, yCol]);
  const download = () => {
    const url = URL.createObjectURL(new Blob([toCsv(r)], { type: 'text/csv;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${props.name || 'consulta'}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <div id={props.id}>
      <div class="row" style={{ justifyContent: 'space-between' }}>
        <p class="muted" role="status">
          {t('resultInfo', {
            rows: fmt(lang, r.rows.length),
            ms: fmt(lang, r.elapsedMs),
            truncated: r.truncated ? t('truncated') : '',
          })}
        </p>
        <button onClick={download}>{t('csv')}</button>
      </div>
      <div style={{ overflowX: 'auto' }}>
        <Scroll>
          <table class="grid">
            <thead>
              <tr>
                {r.columns.map((c) => (
                  <th scope="col" class={isNumeric(c.type) ? 'num' : ''}>
                    {c.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {r.rows.slice(page * PAGE, page * PAGE + PAGE).map((row) => (
                <tr>
                  {r.columns.map((c) => (
                    <td class={isNumeric(c.type) ? 'num' : ''}>{cell(row[c.name])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      </div>
      <div class="row">
        <button disabled={page === 0} onClick={() => setPage(page - 1)}>
          {t('prev')}
        </button>
        <span>{t('page', { n: page + 1, of: pages })}</span>
        <button disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
          {t('next')}
        </button>
      </div>
      <h3>{t('chart')}</h3>
      {numeric.length === 0 ? (
        <p class="muted">{t('noNumeric')}</p>
      ) : (
        <>
          <div class="row">
            <label>
              {t('chartKind')}
              <select
                value={kind}
                onChange={(e) => setKind((e.target as HTMLSelectElement).value as 'bar' | 'line')}
              >
                <option value="bar">{t('bar')}</option>
                <option value="line">{t('line')}</option>
              </select>
            </label>
            <label>
              {t('xColumn')}
              <select value={xCol} onChange={(e) => setX((e.target as HTMLSelectElement).value)}>
                {r.columns.map((c) => (
                  <option value={c.name}>{c.name}</option>
                ))}
              </select>
            </label>
            <label>
              {t('yColumn')}
              <select value={yCol} onChange={(e) => setY((e.target as HTMLSelectElement).value)}>
                {numeric.map((c) => (
                  <option value={c.name}>{c.name}</option>
                ))}
              </select>
            </label>
          </div>
          {chart && (
            <Chart
              label={`${t('chart')}: ${yCol} / ${xCol}`}
              x={chart.x}
              xLabels={chart.xLabels}
              series={chart.series}
              kind={kind}
            />
          )}
        </>
      )}
    </div>
  );
}
