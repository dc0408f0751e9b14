import { Scroll } from '../lib/chart.js';
import { useState } from 'preact/hooks';
import { fmt, fmtTime, useLang, useT } from '../lib/i18n.js';
import { useApi, type Session } from './session.js';
import { T } from './texts.js';

interface Listing {
  databases: {
    name: string;
    description?: string;
    tables: {
      name: string;
      format: string;
      schemaVersion: number;
      columns: number;
      partitions: number;
      updatedAt: string;
    }[];
  }[];
}
interface Details {
  table: {
    database: string;
    name: string;
    location: string;
    format: string;
    schemaVersion: number;
    columns: { name: string; type: string; removed?: boolean }[];
    partitionKeys: { name: string }[];
  };
  partitions: {
    values: string[];
    schemaVersion: number;
    files: number;
    bytes: number;
    readsAsNull: string[];
  }[];
  schemaVersions: { version: number; createdAt: string; columns: unknown[]; changes: string[] }[];
}

export function CatalogView(props: { session: Session }) {
  const t = useT(T);
  const lang = useLang();
  const listing = useApi<Listing>(props.session, '/api/lake/v1/catalog');
  const [selected, setSelected] = useState<string>();
  const details = useApi<Details>(
    props.session,
    selected ? `/api/lake/v1/catalog/${selected}` : undefined,
  );
  return (
    <>
      <section class="card" aria-labelledby="bases">
        <h2 id="bases">{t('databases')}</h2>
        {listing.error && <p class="alert">{listing.error}</p>}
        {!listing.data && !listing.error && <p>{t('loading')}</p>}
        {listing.data?.databases.map((db) => (
          <>
            <h3>
              {db.name} {db.description && <span class="muted">— {db.description}</span>}
            </h3>
            <Scroll>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('table')}</th>
                    <th scope="col">{t('format')}</th>
                    <th scope="col" class="num">
                      {t('columns')}
                    </th>
                    <th scope="col" class="num">
                      {t('partitions')}
                    </th>
                    <th scope="col" class="num">
                      {t('schemaVersion')}
                    </th>
                    <th scope="col">
                      <span class="sr-only">{t('show')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {db.tables.map((tb) => (
                    <tr>
                      <th scope="row">{tb.name}</th>
                      <td>{tb.format}</td>
                      <td class="num">{tb.columns}</td>
                      <td class="num">{tb.partitions}</td>
                      <td class="num">v{tb.schemaVersion}</td>
                      <td>
                        <button
                          aria-label={`${t('show')} ${db.name}.${tb.name}`}
                          onClick={() => setSelected(`${db.name}/${tb.name}`)}
                        >
                          {t('show')}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Scroll>
          </>
        ))}
      </section>
      {selected && details.data && (
        <section class="card" aria-labelledby="detalle">
          <h2 id="detalle">
            {details.data.table.database}.{details.data.table.name}
          </h2>
          <p class="muted">
            {details.data.table.format} · {details.data.table.location}
          </p>
          <h3>{t('columns')}</h3>
          <Scroll>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('columns')}</th>
                  <th scope="col">{t('type')}</th>
                </tr>
              </thead>
              <tbody>
                {details.data.table.columns.map((c) => (
                  <tr>
                    <td>{c.name}</td>
                    <td>
                      <code>{c.type}</code>{' '}
                      {c.removed && <span class="badge wait">{t('removed')}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
          <h3>{t('partitions')}</h3>
          <Scroll>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('partitions')}</th>
                  <th scope="col" class="num">
                    {t('schemaVersion')}
                  </th>
                  <th scope="col" class="num">
                    {t('files')}
                  </th>
                  <th scope="col" class="num">
                    bytes
                  </th>
                  <th scope="col">{t('readsAsNull')}</th>
                </tr>
              </thead>
              <tbody>
                {details.data.partitions.map((p) => (
                  <tr>
                    <td>
                      {details
                        .data!.table.partitionKeys.map((k, i) => `${k.name}=${p.values[i] ?? ''}`)
                        .join('/')}
                    </td>
                    <td class="num">v{p.schemaVersion}</td>
                    <td class="num">{p.files}</td>
                    <td class="num">{fmt(lang, p.bytes)}</td>
                    <td>{p.readsAsNull.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
          <h3>{t('schemaVersions')}</h3>
          <Scroll>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('version')}</th>
                  <th scope="col">{t('created')}</th>
                  <th scope="col" class="num">
                    {t('columns')}
                  </th>
                  <th scope="col">{t('changes')}</th>
                </tr>
              </thead>
              <tbody>
                {details.data.schemaVersions.map((v) => (
                  <tr>
                    <td>v{v.version}</td>
                    <td>{fmtTime(lang, v.createdAt)}</td>
                    <td class="num">{v.columns.length}</td>
                    <td>{v.changes.join('; ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        </section>
      )}
    </>
  );
}
