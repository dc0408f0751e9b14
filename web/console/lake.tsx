import { Scroll } from '../lib/chart.js';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.js';
import { fmt, fmtTime, useLang, useT } from '../lib/i18n.js';
import { useApi, type Session } from './session.js';
import { T } from './texts.js';

interface Ingestion {
  entities: {
    entity: string;
    files: number;
    rows: number;
    lastLoadedAt?: string;
    lastFile?: string;
    days: { date: string; files: number; rows: number }[];
  }[];
}
interface Status {
  freshness: { entity: string; overdue: boolean; latestLoadDate?: string; ageHours?: number }[];
}
interface Quarantine {
  files: {
    key: string;
    date: string;
    fileName: string;
    code: string;
    message: string;
    mensaje: string;
    quarantinedAt: string;
  }[];
}

/** A calendar heat map of rows per load date: the last 8 weeks, one square per day. */
function Heatmap(props: { entity: string; days: { date: string; rows: number }[] }) {
  const t = useT(T);
  const lang = useLang();
  const byDate = new Map(props.days.map((d) => [d.date, d.rows]));
  const max = Math.max(1, ...props.days.map((d) => d.rows));
  const today = new Date();
  const cells = [];
  for (let i = 55; i >= 0; i--) {
    const d = new Date(today.getTime() - i * 86_400_000).toISOString().slice(0, 10);
    const rows = byDate.get(d) ?? 0;
    const level = rows === 0 ? 0 : 0.25 + (0.75 * rows) / max;
    cells.push(
      <span
        class="cell"
        title={`${d}: ${fmt(lang, rows)}`}
        style={{ background: rows ? `rgba(11, 87, 208, ${level})` : '#f0f0f3' }}
      />,
    );
  }
  const loaded = props.days.filter((d) => d.rows > 0);
  return (
    <div>
      <div
        class="heatmap"
        role="img"
        aria-label={`${t('rowsPerDay')} · ${props.entity}: ${loaded
          .map((d) => `${d.date} ${fmt(lang, d.rows)}`)
          .join(', ')}`}
      >
        {cells}
      </div>
    </div>
  );
}

export function LakeView(props: { session: Session }) {
  const t = useT(T);
  const lang = useLang();
  const ingestion = useApi<Ingestion>(props.session, '/api/lake/v1/ingestion');
  const status = useApi<Status>(props.session, '/api/lake/v1/status');
  const quarantine = useApi<Quarantine>(props.session, '/api/lake/v1/quarantine');
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();

  async function reingest(key: string, fileName: string) {
    try {
      await api(props.session.token, 'POST', '/api/lake/v1/quarantine/reingest', { key });
      setMessage({ ok: true, text: t('reingested', { file: fileName }) });
      quarantine.reload();
      setTimeout(() => ingestion.reload(), 4000);
    } catch (err) {
      setMessage({ ok: false, text: err instanceof ApiError ? err.detail : String(err) });
    }
  }
  function refresh() {
    ingestion.reload();
    status.reload();
    quarantine.reload();
  }

  return (
    <>
      <section class="card" aria-labelledby="zonas">
        <div class="row" style={{ justifyContent: 'space-between' }}>
          <h2 id="zonas">{t('zones')}</h2>
          <button onClick={refresh}>{t('refresh')}</button>
        </div>
        {ingestion.error && <p class="alert">{ingestion.error}</p>}
        {!ingestion.data ? (
          <p>{t('loading')}</p>
        ) : (
          <Scroll>
            <table id="tabla-lago">
              <thead>
                <tr>
                  <th scope="col">{t('entity')}</th>
                  <th scope="col" class="num">
                    {t('files')}
                  </th>
                  <th scope="col" class="num">
                    {t('rows')}
                  </th>
                  <th scope="col">{t('lastIngestion')}</th>
                  <th scope="col">{t('freshness')}</th>
                  <th scope="col">{t('rowsPerDay')}</th>
                </tr>
              </thead>
              <tbody>
                {ingestion.data.entities.map((e) => {
                  const f = status.data?.freshness.find((x) => x.entity === e.entity);
                  return (
                    <tr data-entity={e.entity}>
                      <th scope="row">raw/{e.entity}</th>
                      <td class="num">{fmt(lang, e.files)}</td>
                      <td class="num" data-rows={e.rows}>
                        {fmt(lang, e.rows)}
                      </td>
                      <td>
                        {e.lastLoadedAt ? fmtTime(lang, e.lastLoadedAt) : t('never')}
                        {e.lastFile && <div class="muted">{e.lastFile}</div>}
                      </td>
                      <td>
                        {f &&
                          (f.overdue ? (
                            <span class="badge bad overdue">{t('overdue')}</span>
                          ) : (
                            <span class="badge good">{t('fresh')}</span>
                          ))}
                        {f?.ageHours !== undefined && (
                          <div class="muted">{fmt(lang, f.ageHours, 1)} h</div>
                        )}
                      </td>
                      <td>
                        <Heatmap entity={e.entity} days={e.days} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </Scroll>
        )}
      </section>
      <section class="card" aria-labelledby="cuarentena">
        <h2 id="cuarentena">{t('quarantine')}</h2>
        {props.session.admin && <p class="muted">{t('reingestHelp')}</p>}
        {message && (
          <p class={message.ok ? 'ok' : 'alert'} role="status">
            {message.text}
          </p>
        )}
        {quarantine.error && <p class="alert">{quarantine.error}</p>}
        {quarantine.data && quarantine.data.files.length === 0 && <p>{t('noQuarantine')}</p>}
        {quarantine.data && quarantine.data.files.length > 0 && (
          <Scroll>
            <table id="tabla-cuarentena">
              <thead>
                <tr>
                  <th scope="col">{t('file')}</th>
                  <th scope="col">{t('date')}</th>
                  <th scope="col">{t('reason')}</th>
                  {props.session.admin && <th scope="col">{t('reingest')}</th>}
                </tr>
              </thead>
              <tbody>
                {quarantine.data.files.map((f) => (
                  <tr data-file={f.fileName}>
                    <td>{f.fileName}</td>
                    <td>{fmtTime(lang, f.quarantinedAt)}</td>
                    <td class="motivo">
                      <span class="badge wait">{f.code}</span>{' '}
                      {lang === 'es' ? f.mensaje : f.message}
                      <div class="muted" lang={lang === 'es' ? 'en' : 'es'}>
                        {lang === 'es' ? f.message : f.mensaje}
                      </div>
                    </td>
                    {props.session.admin && (
                      <td>
                        <button
                          onClick={() => void reingest(f.key, f.fileName)}
                          aria-label={`${t('reingest')} ${f.fileName}`}
                        >
                          {t('reingest')}
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        )}
      </section>
    </>
  );
}
