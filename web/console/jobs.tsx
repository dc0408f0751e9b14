import { useMemo } from 'preact/hooks';
import { Chart, Scroll } from '../lib/chart.js';
import { fmt, fmtTime, useLang, useT } from '../lib/i18n.js';
import { useApi, type Session } from './session.js';
import { T } from './texts.js';

interface Runs {
  runs: {
    runId: string;
    entity: string;
    status: string;
    startedAt: string;
    durationMs?: number;
    rowsIn: number;
    rowsOut: number;
    rejected: number;
    duplicates: number;
    partitions: { loadDate: string; tests: { name: string; status: string; message?: string }[] }[];
    error?: string;
  }[];
}

export function JobsView(props: { session: Session }) {
  const t = useT(T);
  const lang = useLang();
  const runs = useApi<Runs>(props.session, '/api/lake/v1/jobs?limit=200');
  const chart = useMemo(() => {
    const list = [...(runs.data?.runs ?? [])].filter((r) => r.durationMs !== undefined).reverse();
    const entities = [...new Set(list.map((r) => r.entity))];
    const x = list.map((r) => Date.parse(r.startedAt) / 1000);
    return {
      x,
      series: entities.map((e) => ({
        label: e,
        values: list.map((r) => (r.entity === e ? r.durationMs! / 1000 : null)),
      })),
    };
  }, [runs.data]);
  return (
    <>
      <section class="card" aria-labelledby="duraciones">
        <h2 id="duraciones">{t('durations')}</h2>
        {chart.x.length > 0 && (
          <Chart label={t('durations')} x={chart.x} series={chart.series} time />
        )}
      </section>
      <section class="card" aria-labelledby="ejecuciones">
        <div class="row" style={{ justifyContent: 'space-between' }}>
          <h2 id="ejecuciones">{t('runs')}</h2>
          <button onClick={runs.reload}>{t('refresh')}</button>
        </div>
        {runs.error && <p class="alert">{runs.error}</p>}
        {runs.data && (
          <Scroll>
            <table id="tabla-trabajos">
              <thead>
                <tr>
                  <th scope="col">{t('job')}</th>
                  <th scope="col">{t('status')}</th>
                  <th scope="col" class="num">
                    {t('in')}
                  </th>
                  <th scope="col" class="num">
                    {t('out')}
                  </th>
                  <th scope="col" class="num">
                    {t('rejected')}
                  </th>
                  <th scope="col" class="num">
                    {t('duplicates')}
                  </th>
                  <th scope="col">{t('tests')}</th>
                  <th scope="col" class="num">
                    {t('duration')}
                  </th>
                  <th scope="col">{t('started')}</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.runs.map((r) => {
                  const tests = r.partitions.flatMap((p) => p.tests);
                  const passed = tests.filter((x) => x.status === 'pass').length;
                  return (
                    <tr>
                      <th scope="row">{r.entity}</th>
                      <td>
                        <span
                          class={`badge ${r.status === 'succeeded' ? 'good' : r.status === 'failed' ? 'bad' : 'wait'}`}
                        >
                          {r.status}
                        </span>
                        {r.error && <div class="muted">{r.error}</div>}
                      </td>
                      <td class="num">{fmt(lang, r.rowsIn)}</td>
                      <td class="num">{fmt(lang, r.rowsOut)}</td>
                      <td class="num">{fmt(lang, r.rejected)}</td>
                      <td class="num">{fmt(lang, r.duplicates)}</td>
                      <td>
                        {passed}/{tests.length}
                        {r.partitions.flatMap((p) =>
                          p.tests
                            .filter((x) => x.status !== 'pass')
                            .map((x) => (
                              <div class="muted">
                                <span class={`badge ${x.status === 'fail' ? 'bad' : 'wait'}`}>
                                  {x.status}
                                </span>{' '}
                                {p.loadDate} {x.name}: {x.message}
                              </div>
                            )),
                        )}
                      </td>
                      <td class="num">
                        {r.durationMs !== undefined ? fmt(lang, r.durationMs / 1000, 1) : '—'}
                      </td>
                      <td>{fmtTime(lang, r.startedAt)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </Scroll>
        )}
      </section>
    </>
  );
}
