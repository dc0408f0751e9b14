import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.js';
import { Chart, Scroll } from '../lib/chart.js';
import { fmt, fmtTime, useLang, useT } from '../lib/i18n.js';
import type { QueryResult } from '../lib/results.js';
import { useApi, type Session } from './session.js';
import { T } from './texts.js';

interface Overview {
  now: string;
  latestPrice: { bidCopCents: number; askCopCents: number; observedAt: string } | null;
  processor: { records: number; transactions: number; ticks: number; lastBatchAt?: string };
  servedModel: { group?: string; version?: number } | null;
  orchestrator: {
    recommendations: number;
    notified: number;
    byScorer: { model: number; reglas: number };
  } | null;
  reconcile: { ok: boolean; checkedAt: string; differences: number } | null;
  reconcileError: string | null;
  reconcileSchedule: string;
}
interface ClassMetrics {
  rocAuc?: number;
  prAuc?: number;
  calibration?: {
    bins: { lo: number; hi: number; meanPredicted: number; observedRate: number; count: number }[];
    ece: number;
  };
}
interface Version {
  group: string;
  version: number;
  status: string;
  createdAt: string;
  createdBy: string;
  metrics: {
    compra?: ClassMetrics;
    venta?: ClassMetrics;
    baselines?: Record<string, { compra?: ClassMetrics; venta?: ClassMetrics }>;
  };
}
interface Models {
  groups: { name: string; versions: Version[] }[];
}
interface Audit {
  history: {
    version: number;
    from: string | null;
    to: string;
    actor: string;
    reason: string;
    at: string;
  }[];
}
interface Delivery {
  id: string;
  userId: string;
  channel: string;
  status: string;
  attempts: number;
  lastError?: string;
  updatedAt: string;
}

function usePoll<T>(session: Session, url: string, ms: number): T | undefined {
  const [data, setData] = useState<T>();
  useEffect(() => {
    let live = true;
    const load = () =>
      api<T>(session.token, 'GET', url).then(
        (d) => live && setData(d),
        () => undefined,
      );
    void load();
    const timer = setInterval(load, ms);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [url, session.token]);
  return data;
}

function Live(props: { session: Session }) {
  const t = useT(T);
  const lang = useLang();
  const o = usePoll<Overview>(props.session, '/api/fx/v1/ops/overview', 2000);
  const prev = useRef<{ at: number; records: number }>(undefined);
  const [rate, setRate] = useState<number>();
  useEffect(() => {
    if (!o) return;
    const at = Date.parse(o.now);
    if (prev.current && at > prev.current.at) {
      setRate(((o.processor.records - prev.current.records) * 1000) / (at - prev.current.at));
    }
    prev.current = { at, records: o.processor.records };
  }, [o]);
  const [from] = useState(() => new Date(Date.now() - 30 * 60_000).toISOString());
  const prices = usePoll<{ prices: { bidCop: number; askCop: number; observedAt: string }[] }>(
    props.session,
    `/api/fx/v1/prices?from=${encodeURIComponent(from)}&limit=1000`,
    4000,
  );
  const chart = useMemo(() => {
    const p = prices?.prices ?? [];
    return {
      x: p.map((x) => Date.parse(x.observedAt) / 1000),
      series: [
        { label: t('bid'), values: p.map((x) => x.bidCop) },
        { label: t('ask'), values: p.map((x) => x.askCop) },
      ],
    };
  }, [prices, lang]);
  const lastBatch = o?.processor.lastBatchAt
    ? Math.max(0, (Date.parse(o.now) - Date.parse(o.processor.lastBatchAt)) / 1000)
    : undefined;
  return (
    <section class="card" aria-labelledby="vivo">
      <h2 id="vivo">{t('price')}</h2>
      <div class="grid-kpi">
        <div class="kpi">
          {t('bid')} <b>{o?.latestPrice ? fmt(lang, o.latestPrice.bidCopCents / 100, 2) : '—'}</b>
        </div>
        <div class="kpi">
          {t('ask')} <b>{o?.latestPrice ? fmt(lang, o.latestPrice.askCopCents / 100, 2) : '—'}</b>
        </div>
        <div class="kpi">
          {t('throughput')} <b>{rate === undefined ? '—' : fmt(lang, rate, 1)}</b>
        </div>
        <div class="kpi">
          {t('processed')} <b>{o ? fmt(lang, o.processor.records) : '—'}</b>
        </div>
        <div class="kpi">
          {t('lag')} <b>{lastBatch === undefined ? '—' : `${fmt(lang, lastBatch, 1)} s`}</b>
        </div>
        <div class="kpi">
          {t('reconcile')}{' '}
          <b>
            {o?.reconcileError
              ? o.reconcileError
              : o?.reconcile
                ? o.reconcile.ok
                  ? t('reconcileOk')
                  : t('reconcileDiff', { n: o.reconcile.differences })
                : t('reconcilePending', { cron: o?.reconcileSchedule ?? '' })}
          </b>
        </div>
        <div class="kpi">
          {t('served')}{' '}
          <b>{o?.servedModel ? `${o.servedModel.group} v${o.servedModel.version}` : t('rules')}</b>
        </div>
        <div class="kpi">
          {t('recommendations')}{' '}
          <b>{o?.orchestrator ? fmt(lang, o.orchestrator.recommendations) : '—'}</b>
        </div>
      </div>
      {chart.x.length > 1 && <Chart label={t('price')} x={chart.x} series={chart.series} time />}
    </section>
  );
}

function Registry(props: { session: Session }) {
  const t = useT(T);
  const lang = useLang();
  const models = useApi<Models>(props.session, '/api/fx/v1/ops/models');
  const versions = models.data?.groups.flatMap((g) => g.versions) ?? [];
  const [sel, setSel] = useState<{ group: string; version: number }>();
  const selected =
    versions.find((v) => v.group === sel?.group && v.version === sel.version) ??
    versions[versions.length - 1];
  const audit = useApi<Audit>(
    props.session,
    selected ? `/api/fx/v1/ops/models/${selected.group}/${selected.version}` : undefined,
    [selected?.status],
  );
  const [reason, setReason] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string }>();

  async function act(action: 'approve' | 'reject' | 'rollback') {
    if (!selected) return;
    const url =
      action === 'rollback'
        ? `/api/fx/v1/ops/models/${selected.group}/rollback`
        : `/api/fx/v1/ops/models/${selected.group}/${selected.version}/${action}`;
    try {
      const v = await api<Version>(props.session.token, 'POST', url, { reason });
      setMsg({ ok: true, text: `${v.group} v${v.version}: ${v.status}` });
      setReason('');
      models.reload();
      audit.reload();
    } catch (err) {
      setMsg({ ok: false, text: err instanceof ApiError ? err.detail : String(err) });
    }
  }

  const cal = useMemo(() => {
    const c = selected?.metrics.compra?.calibration?.bins ?? [];
    const v = selected?.metrics.venta?.calibration?.bins ?? [];
    const x = c.map((b) => (b.lo + b.hi) / 2);
    return {
      x,
      series: [
        { label: 'compra', values: c.map((b) => b.observedRate) },
        { label: 'venta', values: x.map((_, i) => v[i]?.observedRate ?? null) },
        { label: 'ideal', values: x, color: '#767680' },
      ],
    };
  }, [selected]);

  const metricRows = selected
    ? [
        { name: `${selected.group} v${selected.version}`, m: selected.metrics },
        ...Object.entries(selected.metrics.baselines ?? {}).map(([name, m]) => ({ name, m })),
      ]
    : [];

  return (
    <section class="card" aria-labelledby="registro">
      <h2 id="registro">{t('registry')}</h2>
      {models.error && <p class="alert">{models.error}</p>}
      <Scroll>
        <table id="tabla-modelos">
          <thead>
            <tr>
              <th scope="col">{t('version')}</th>
              <th scope="col">{t('status')}</th>
              <th scope="col" class="num">
                ROC AUC compra
              </th>
              <th scope="col" class="num">
                ROC AUC venta
              </th>
              <th scope="col">{t('created')}</th>
              <th scope="col">
                <span class="sr-only">{t('show')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr data-version={v.version} aria-selected={v === selected ? 'true' : 'false'}>
                <th scope="row">
                  {v.group} v{v.version}
                </th>
                <td>
                  <span
                    class={`badge ${v.status === 'Approved' ? 'good' : v.status === 'Rejected' ? 'bad' : 'wait'}`}
                  >
                    {v.status}
                  </span>
                </td>
                <td class="num">{fmt(lang, v.metrics.compra?.rocAuc, 3)}</td>
                <td class="num">{fmt(lang, v.metrics.venta?.rocAuc, 3)}</td>
                <td>
                  {fmtTime(lang, v.createdAt)} · {v.createdBy}
                </td>
                <td>
                  <button
                    aria-label={`${t('show')} v${v.version}`}
                    onClick={() => setSel({ group: v.group, version: v.version })}
                  >
                    {t('show')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
      {selected && (
        <>
          <h3>
            {t('metrics')} · v{selected.version}
          </h3>
          <Scroll>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('version')}</th>
                  <th scope="col" class="num">
                    compra ROC AUC
                  </th>
                  <th scope="col" class="num">
                    compra PR AUC
                  </th>
                  <th scope="col" class="num">
                    venta ROC AUC
                  </th>
                  <th scope="col" class="num">
                    venta PR AUC
                  </th>
                </tr>
              </thead>
              <tbody>
                {metricRows.map((r) => (
                  <tr>
                    <th scope="row">{r.name}</th>
                    <td class="num">{fmt(lang, r.m.compra?.rocAuc, 3)}</td>
                    <td class="num">{fmt(lang, r.m.compra?.prAuc, 3)}</td>
                    <td class="num">{fmt(lang, r.m.venta?.rocAuc, 3)}</td>
                    <td class="num">{fmt(lang, r.m.venta?.prAuc, 3)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
          {cal.x.length > 0 && (
            <>
              <h3>{t('calibration')}</h3>
              <Chart label={t('calibration')} x={cal.x} series={cal.series} height={200} />
            </>
          )}
          <div class="row" style={{ marginTop: '0.6rem' }}>
            <label style={{ flex: '1 1 260px' }}>
              {t('reasonLabel')}
              <input
                id="motivo-modelo"
                value={reason}
                minLength={3}
                onInput={(e) => setReason((e.target as HTMLInputElement).value)}
              />
            </label>
            <button
              class="primary"
              disabled={reason.trim().length < 3 || selected.status === 'Approved'}
              onClick={() => void act('approve')}
            >
              {t('approve')} v{selected.version}
            </button>
            <button
              class="danger"
              disabled={reason.trim().length < 3 || selected.status === 'Rejected'}
              onClick={() => void act('reject')}
            >
              {t('reject')} v{selected.version}
            </button>
            <button disabled={reason.trim().length < 3} onClick={() => void act('rollback')}>
              {t('rollback')}
            </button>
          </div>
          {msg && (
            <p class={msg.ok ? 'ok' : 'alert'} role="status">
              {msg.text}
            </p>
          )}
          <h3>{t('history')}</h3>
          <Scroll>
            <table id="historial-modelo">
              <thead>
                <tr>
                  <th scope="col">{t('when')}</th>
                  <th scope="col">{t('change')}</th>
                  <th scope="col">{t('actor')}</th>
                  <th scope="col">{t('reason')}</th>
                </tr>
              </thead>
              <tbody>
                {audit.data?.history.map((h) => (
                  <tr>
                    <td>{fmtTime(lang, h.at)}</td>
                    <td>
                      {h.from ?? '—'} → {h.to}
                    </td>
                    <td>{h.actor}</td>
                    <td>{h.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        </>
      )}
    </section>
  );
}

function SavedTable(props: { session: Session; saved: string }) {
  const t = useT(T);
  const [data, setData] = useState<QueryResult>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api<QueryResult>(props.session.token, 'POST', '/api/lake/v1/query', {
      saved: props.saved,
    }).then(setData, (err: unknown) =>
      setError(err instanceof ApiError ? err.detail : String(err)),
    );
  }, [props.saved]);
  if (error) {
    // Before the first recommendation reaches the lake its table does not exist yet.
    return <p class="muted">{/does not exist/.test(error) ? t('noLakeData') : error}</p>;
  }
  if (!data) return null;
  return (
    <Scroll>
      <table>
        <caption class="sr-only">{props.saved}</caption>
        <thead>
          <tr>
            {data.columns.map((c) => (
              <th scope="col">{c.name}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.rows.slice(0, 20).map((row) => (
            <tr>
              {data.columns.map((c) => (
                <td>{String(row[c.name] ?? '')}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

function Deliveries(props: { session: Session }) {
  const t = useT(T);
  const lang = useLang();
  const list = useApi<{ deliveries: Delivery[] }>(
    props.session,
    '/api/fx/v1/ops/deliveries?limit=15',
  );
  const dead = useApi<{ deadLetters: Delivery[] }>(props.session, '/api/fx/v1/ops/dead-letters');
  const [msg, setMsg] = useState<string>();
  async function replay(ids?: string[]) {
    try {
      const r = await api<{ replayed: Delivery[] }>(
        props.session.token,
        'POST',
        '/api/fx/v1/ops/dead-letters/replay',
        ids ? { ids } : {},
      );
      setMsg(r.replayed.map((d) => `${d.id}: ${d.status}`).join(' · '));
      dead.reload();
      list.reload();
    } catch (err) {
      setMsg(err instanceof ApiError ? err.detail : String(err));
    }
  }
  const rows = (ds: Delivery[], withReplay: boolean) => (
    <Scroll>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('user')}</th>
            <th scope="col">{t('channel')}</th>
            <th scope="col">{t('status')}</th>
            <th scope="col" class="num">
              {t('attempts')}
            </th>
            <th scope="col">{t('when')}</th>
            <th scope="col">{t('error')}</th>
            {withReplay && <th scope="col">{t('replay')}</th>}
          </tr>
        </thead>
        <tbody>
          {ds.map((d) => (
            <tr>
              <td>{d.userId}</td>
              <td>{d.channel}</td>
              <td>{d.status}</td>
              <td class="num">{d.attempts}</td>
              <td>{fmtTime(lang, d.updatedAt)}</td>
              <td>{d.lastError ?? ''}</td>
              {withReplay && (
                <td>
                  <button aria-label={`${t('replay')} ${d.id}`} onClick={() => void replay([d.id])}>
                    {t('replay')}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
  return (
    <section class="card" aria-labelledby="entregas">
      <h2 id="entregas">{t('deliveries')}</h2>
      {list.data && rows(list.data.deliveries, false)}
      <h3>{t('deadLetters')}</h3>
      {msg && <p role="status">{msg}</p>}
      {dead.data && dead.data.deadLetters.length === 0 && <p>{t('noDead')}</p>}
      {dead.data && dead.data.deadLetters.length > 0 && (
        <>
          <button onClick={() => void replay()}>{t('replayAll')}</button>
          {rows(dead.data.deadLetters, true)}
        </>
      )}
    </section>
  );
}

export function FxOpsView(props: { session: Session }) {
  const t = useT(T);
  if (!props.session.admin) return <p class="alert">{t('adminOnly')}</p>;
  return (
    <>
      <Live session={props.session} />
      <Registry session={props.session} />
      <section class="card" aria-labelledby="conversion">
        <h2 id="conversion">{t('conversion')}</h2>
        <SavedTable session={props.session} saved="fx_conversion_por_modelo" />
        <SavedTable session={props.session} saved="fx_conversion_por_razon" />
      </section>
      <Deliveries session={props.session} />
    </>
  );
}
