import { render } from 'preact';
import { lazy, Suspense } from 'preact/compat';
import { useEffect, useState } from 'preact/hooks';
import '../lib/style.css';
import { api, initialToken, storeToken } from '../lib/api.js';
import type { Session } from './session.js';
import { initialLang, LangContext, saveLang, useT, type Lang } from '../lib/i18n.js';
import { CatalogView } from './catalog.js';
import { JobsView } from './jobs.js';
import { LakeView } from './lake.js';
import { T } from './texts.js';
import { FxOpsView } from './fx-ops.js';

// The SQL editor (CodeMirror) is the heaviest part: loaded when its tab opens.
const SqlView = lazy(() => import('./sql.js').then((m) => ({ default: m.SqlView })));

const TABS = ['lago', 'catalogo', 'trabajos', 'sql', 'fx'] as const;
type Tab = (typeof TABS)[number];
const TAB_TEXT: Record<Tab, string> = {
  lago: 'lake',
  catalogo: 'catalog',
  trabajos: 'jobs',
  sql: 'sql',
  fx: 'fx',
};

function tabOf(hash: string): Tab {
  const t = hash.replace(/^#\/?/, '') as Tab;
  return TABS.includes(t) ? t : 'lago';
}

function SignIn(props: { onSession: (s: Session) => void; error?: string }) {
  const t = useT(T);
  const [token, setToken] = useState('');
  const [error, setError] = useState(props.error);
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    const s = await probe(token.trim());
    setBusy(false);
    if (s) props.onSession(s);
    else setError(t('badToken'));
  }
  return (
    <main class="signin">
      <section class="card">
        <h2>{t('signin')}</h2>
        <p class="muted">{t('signinHelp')}</p>
        <form onSubmit={submit}>
          <label>
            {t('token')}
            <input
              type="password"
              name="token"
              autocomplete="off"
              required
              value={token}
              onInput={(e) => setToken((e.target as HTMLInputElement).value)}
            />
          </label>
          {error && (
            <p class="alert" role="alert">
              {error}
            </p>
          )}
          <button class="primary" type="submit" disabled={busy}>
            {t('signin')}
          </button>
        </form>
      </section>
    </main>
  );
}

/** Who the token is: a lake principal (the lake answers), and the admin (FX ops answer). */
async function probe(token: string): Promise<Session | undefined> {
  if (!token) return undefined;
  const lake = await api(token, 'GET', '/api/lake/v1/saved-queries').then(
    () => true,
    () => false,
  );
  if (!lake) return undefined;
  const admin = await api(token, 'GET', '/api/fx/v1/ops/overview').then(
    () => true,
    () => false,
  );
  return { token, admin };
}

function Console() {
  const [lang, setLang] = useState<Lang>(initialLang());
  const [session, setSession] = useState<Session | undefined>();
  const [checking, setChecking] = useState(true);
  const [tab, setTab] = useState<Tab>(tabOf(location.hash));
  useEffect(() => {
    saveLang(lang);
  }, [lang]);
  useEffect(() => {
    const token = initialToken('console');
    if (!token) {
      setChecking(false);
      return;
    }
    void probe(token).then((s) => {
      setSession(s);
      if (!s) storeToken('console', undefined);
      setChecking(false);
    });
  }, []);
  useEffect(() => {
    const on = () => setTab(tabOf(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  useEffect(() => {
    document.title = `${T[TAB_TEXT[tab]]?.[lang] ?? ''} · ${T.title![lang]}`;
  }, [tab, lang]);

  return (
    <LangContext.Provider value={lang}>
      <Header
        lang={lang}
        setLang={setLang}
        {...(session
          ? {
              onSignOut: () => {
                storeToken('console', undefined);
                setSession(undefined);
              },
            }
          : {})}
      />
      {checking ? null : !session ? (
        <SignIn
          onSession={(s) => {
            storeToken('console', s.token);
            setSession(s);
          }}
        />
      ) : (
        <>
          <Tabs tab={tab} />
          <main id="contenido">
            {tab === 'lago' && <LakeView session={session} />}
            {tab === 'catalogo' && <CatalogView session={session} />}
            {tab === 'trabajos' && <JobsView session={session} />}
            {tab === 'sql' && (
              <Suspense fallback={<p>…</p>}>
                <SqlView session={session} />
              </Suspense>
            )}
            {tab === 'fx' && <FxOpsView session={session} />}
          </main>
        </>
      )}
    </LangContext.Provider>
  );
}

function Header(props: { lang: Lang; setLang: (l: Lang) => void; onSignOut?: () => void }) {
  const t = useT(T);
  return (
    <header class="top">
      <h1>{t('title')}</h1>
      <span class="spacer" />
      <label class="inline">
        <span>{t('language')}</span>
        <select
          value={props.lang}
          onChange={(e) => props.setLang((e.target as HTMLSelectElement).value as Lang)}
        >
          <option value="es">Español</option>
          <option value="en">English</option>
        </select>
      </label>
      {props.onSignOut && <button onClick={props.onSignOut}>{t('signout')}</button>}
    </header>
  );
}

function Tabs(props: { tab: Tab }) {
  const t = useT(T);
  return (
    <nav class="tabs" aria-label={t('sections')}>
      {TABS.map((k) => (
        <a href={`#/${k}`} aria-current={props.tab === k ? 'page' : undefined}>
          {t(TAB_TEXT[k])}
        </a>
      ))}
    </nav>
  );
}

render(<Console />, document.getElementById('root')!);
