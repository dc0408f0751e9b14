import { sql, StandardSQL } from '@codemirror/lang-sql';
import { basicSetup, EditorView } from 'codemirror';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.js';
import { useT } from '../lib/i18n.js';
import { ResultView, type QueryResult } from '../lib/results.js';
import { useApi, type Session } from './session.js';
import { T } from './texts.js';

interface Saved {
  savedQueries: { name: string; description: string; sql: string }[];
}
interface Tables {
  tables: { database: string; table: string; columns: { name: string }[] }[];
}

export function SqlView(props: { session: Session }) {
  const t = useT(T);
  const saved = useApi<Saved>(props.session, '/api/lake/v1/saved-queries');
  const tables = useApi<Tables>(props.session, '/api/lake/v1/tables');
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const [name, setName] = useState('');
  const [result, setResult] = useState<QueryResult>();
  const [plan, setPlan] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!host.current || !tables.data) return undefined;
    // Completion of table and column names: every readable table as db.table and bare name.
    const schema: Record<string, string[]> = {};
    for (const tb of tables.data.tables) {
      const cols = tb.columns.map((c) => c.name);
      schema[`${tb.database}.${tb.table}`] = cols;
      schema[tb.table] ??= cols;
    }
    const v = new EditorView({
      doc:
        view.current?.state.doc.toString() ?? 'SELECT * FROM energy_processed_db.clientes LIMIT 10',
      extensions: [
        basicSetup,
        EditorView.lineWrapping,
        sql({ dialect: StandardSQL, schema, upperCaseKeywords: true }),
        EditorView.contentAttributes.of({ 'aria-label': t('editor') }),
      ],
      parent: host.current,
    });
    view.current?.destroy();
    view.current = v;
    return () => v.destroy();
  }, [tables.data]);

  function pick(n: string) {
    setName(n);
    const q = saved.data?.savedQueries.find((s) => s.name === n);
    if (q && view.current) {
      view.current.dispatch({
        changes: { from: 0, to: view.current.state.doc.length, insert: q.sql.trim() },
      });
    }
  }

  async function run(explain: boolean) {
    const text = view.current?.state.doc.toString() ?? '';
    setBusy(true);
    setError(undefined);
    try {
      const body =
        name &&
        !explain &&
        text.trim() === saved.data?.savedQueries.find((s) => s.name === name)?.sql.trim()
          ? { saved: name }
          : { sql: explain ? `EXPLAIN ${text}` : text, limit: 10_000 };
      const r = await api<QueryResult>(props.session.token, 'POST', '/api/lake/v1/query', body);
      if (explain) {
        setPlan(r.rows.map((row) => Object.values(row).map(String).join('\n')).join('\n'));
      } else {
        setResult(r);
        setPlan(undefined);
      }
    } catch (err) {
      setError(err instanceof ApiError ? `${err.title}: ${err.detail}` : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <section class="card" aria-labelledby="consulta">
        <h2 id="consulta">{t('editor')}</h2>
        <div class="row" style={{ marginBottom: '0.5rem' }}>
          <label>
            {t('saved')}
            <select
              id="consultas-guardadas"
              value={name}
              onChange={(e) => pick((e.target as HTMLSelectElement).value)}
            >
              <option value="">{t('choose')}</option>
              {saved.data?.savedQueries.map((q) => (
                <option value={q.name} title={q.description}>
                  {q.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div ref={host} id="editor-sql" />
        <div class="row" style={{ marginTop: '0.5rem' }}>
          <button class="primary" disabled={busy} onClick={() => void run(false)}>
            {t('run')}
          </button>
          <button disabled={busy} onClick={() => void run(true)}>
            {t('plan')}
          </button>
        </div>
        {error && (
          <p class="alert" role="alert">
            {error}
          </p>
        )}
      </section>
      {plan !== undefined && (
        <section class="card" aria-labelledby="plan">
          <h2 id="plan">{t('plan')}</h2>
          <pre style={{ fontSize: '0.8rem' }}>{plan}</pre>
        </section>
      )}
      {result && (
        <section class="card" aria-labelledby="resultados">
          <h2 id="resultados">{t('results')}</h2>
          <ResultView result={result} t={T} id="resultado" name={name} />
        </section>
      )}
    </>
  );
}
