import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import '../lib/style.css';
import { api, ApiError, initialToken, storeToken } from '../lib/api.js';
import { Chart, Scroll } from '../lib/chart.js';
import {
  fmt,
  fmtTime,
  initialLang,
  LangContext,
  saveLang,
  useLang,
  useT,
  type Lang,
} from '../lib/i18n.js';
import { T } from './texts.js';

interface Portfolio {
  usd: number;
  cop: number;
  avgCostCop: number;
  unrealizedPnlCop: number | null;
  bidCop: number | null;
  askCop: number | null;
  priceStale: boolean;
}
interface Price {
  bidCop: number;
  askCop: number;
  observedAt: string;
  stale: boolean;
}
interface Tx {
  id: string;
  side: 'BUY' | 'SELL';
  amountUsd: number;
  priceCop: number;
  totalCop: number;
  executedAt: string;
}
interface Note {
  id: string;
  kind: string;
  title: string;
  body: string;
  createdAt: string;
  data?: { side?: 'BUY' | 'SELL'; amountUsd?: number; reasons?: { texto: string }[] };
}
type Side = 'BUY' | 'SELL';

const FX = '/api/fx/v1';

function SignIn(props: { onToken: (t: string) => void; error?: string }) {
  const t = useT(T);
  const [token, setToken] = useState('');
  const [error, setError] = useState(props.error);
  async function submit(e: Event) {
    e.preventDefault();
    const ok = await api(token.trim(), 'GET', `${FX}/portfolio`).then(
      () => true,
      () => false,
    );
    if (ok) props.onToken(token.trim());
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
          <button class="primary" type="submit">
            {t('signin')}
          </button>
        </form>
      </section>
    </main>
  );
}

function PortfolioCard(props: { p?: Portfolio }) {
  const t = useT(T);
  const lang = useLang();
  const p = props.p;
  return (
    <section class="card" aria-labelledby="portafolio-titulo" id="portafolio">
      <h2 id="portafolio-titulo">{t('portfolio')}</h2>
      <div class="grid-kpi">
        <div class="kpi">
          {t('usd')} <b data-testid="usd">{fmt(lang, p?.usd, 2)}</b>
        </div>
        <div class="kpi">
          {t('cop')} <b data-testid="cop">{fmt(lang, p?.cop, 2)}</b>
        </div>
        <div class="kpi">
          {t('avgCost')} <b>{fmt(lang, p?.avgCostCop, 2)}</b>
        </div>
        <div class="kpi">
          {t('pnl')} <b>{fmt(lang, p?.unrealizedPnlCop, 2)}</b>
        </div>
      </div>
    </section>
  );
}

function MarketCard(props: { token: string; price?: Price }) {
  const t = useT(T);
  const lang = useLang();
  const [points, setPoints] = useState<{ x: number[]; bid: number[]; ask: number[] }>();
  useEffect(() => {
    let live = true;
    async function load() {
      // The day so far in Bogotá (UTC−5), at most 2,000 quotes, thinned for the chart.
      const now = Date.now();
      const startOfDay = new Date(now - 5 * 3_600_000);
      startOfDay.setUTCHours(5, 0, 0, 0);
      if (startOfDay.getTime() > now) startOfDay.setTime(startOfDay.getTime() - 86_400_000);
      const all: Price[] = [];
      let cursor: string | undefined;
      do {
        const page = await api<{ prices: Price[]; nextCursor?: string }>(
          props.token,
          'GET',
          `${FX}/prices?from=${encodeURIComponent(startOfDay.toISOString())}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        all.push(...page.prices);
        cursor = page.nextCursor;
      } while (cursor && all.length < 2000);
      const step = Math.max(1, Math.ceil(all.length / 300));
      const thin = all.filter((_, i) => i % step === 0 || i === all.length - 1);
      if (live) {
        setPoints({
          x: thin.map((p) => Date.parse(p.observedAt) / 1000),
          bid: thin.map((p) => p.bidCop),
          ask: thin.map((p) => p.askCop),
        });
      }
    }
    void load().catch(() => undefined);
    const timer = setInterval(() => void load().catch(() => undefined), 15_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [props.token]);
  const series = useMemo(
    () =>
      points
        ? [
            { label: t('bid'), values: points.bid },
            { label: t('ask'), values: points.ask },
          ]
        : [],
    [points, lang],
  );
  const p = props.price;
  return (
    <section class="card" aria-labelledby="mercado">
      <h2 id="mercado">{t('market')}</h2>
      <div class="grid-kpi" aria-live="polite">
        <div class="kpi">
          {t('bid')} <b data-testid="bid">{fmt(lang, p?.bidCop, 2)}</b>
        </div>
        <div class="kpi">
          {t('ask')} <b data-testid="ask">{fmt(lang, p?.askCop, 2)}</b>
        </div>
      </div>
      {p?.stale && <p class="alert">{t('stale')}</p>}
      {points && points.x.length > 1 && (
        <Chart label={t('dayChart')} x={points.x} series={series} time height={200} />
      )}
    </section>
  );
}

function TradeCard(props: {
  token: string;
  price?: Price;
  preset?: { side: Side; amount: number; n: number };
  onDone: () => void;
}) {
  const t = useT(T);
  const lang = useLang();
  const [side, setSide] = useState<Side>('BUY');
  const [amount, setAmount] = useState('100');
  const [pending, setPending] = useState<{
    side: Side;
    amount: number;
    price: number;
    key: string;
  }>();
  const [msg, setMsg] = useState<{ ok: boolean; text: string }>();
  const dialog = useRef<HTMLDialogElement>(null);
  const review = (s: Side, a: number) => {
    if (!props.price || !(a > 0)) return;
    setMsg(undefined);
    setPending({
      side: s,
      amount: a,
      price: s === 'BUY' ? props.price.askCop : props.price.bidCop,
      key: crypto.randomUUID(),
    });
  };
  useEffect(() => {
    if (props.preset) {
      setSide(props.preset.side);
      setAmount(String(props.preset.amount));
      review(props.preset.side, props.preset.amount);
    }
  }, [props.preset?.n]);
  useEffect(() => {
    if (pending && dialog.current && !dialog.current.open) dialog.current.showModal();
    if (!pending && dialog.current?.open) dialog.current.close();
  }, [pending]);
  const sideText = (s: Side) => (s === 'BUY' ? t('buy') : t('sell'));

  async function confirm() {
    if (!pending) return;
    const order = pending;
    setPending(undefined);
    try {
      const r = await api<Tx>(
        props.token,
        'POST',
        `${FX}/transactions`,
        { side: order.side, amountUsd: order.amount },
        { 'idempotency-key': order.key },
      );
      setMsg({
        ok: true,
        text: t('done', {
          side: r.side === 'BUY' ? t('bought') : t('sold'),
          amount: fmt(lang, r.amountUsd, 2),
          price: fmt(lang, r.priceCop, 2),
          total: fmt(lang, r.totalCop, 2),
        }),
      });
      props.onDone();
    } catch (err) {
      if (err instanceof ApiError) {
        const known = T[err.type] ? t(err.type) : err.title;
        setMsg({ ok: false, text: `${known} (${err.status}) ${err.detail}` });
      } else setMsg({ ok: false, text: String(err) });
    }
  }

  return (
    <section class="card" aria-labelledby="operar">
      <h2 id="operar">{t('trade')}</h2>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          review(side, Number(amount.replace(',', '.')));
        }}
      >
        <fieldset class="row" style={{ border: 0, padding: 0, margin: 0 }}>
          <legend class="sr-only">{t('side')}</legend>
          <label class="inline">
            <input
              type="radio"
              name="lado"
              checked={side === 'BUY'}
              onChange={() => setSide('BUY')}
            />
            {t('buy')}
          </label>
          <label class="inline">
            <input
              type="radio"
              name="lado"
              checked={side === 'SELL'}
              onChange={() => setSide('SELL')}
            />
            {t('sell')}
          </label>
        </fieldset>
        <label>
          {t('amount')}
          <input
            id="monto"
            inputMode="decimal"
            required
            value={amount}
            onInput={(e) => setAmount((e.target as HTMLInputElement).value)}
          />
        </label>
        <button class="primary" type="submit" disabled={!props.price}>
          {t('review')}
        </button>
      </form>
      {msg && (
        <p class={msg.ok ? 'ok' : 'alert'} role={msg.ok ? 'status' : 'alert'} id="resultado-orden">
          {msg.text}
        </p>
      )}
      <dialog ref={dialog} aria-labelledby="confirmar-titulo" onClose={() => setPending(undefined)}>
        {pending && (
          <>
            <h2 id="confirmar-titulo">{t('confirmTitle')}</h2>
            <p id="confirmar-texto">
              {t('confirmText', {
                side: sideText(pending.side),
                amount: fmt(lang, pending.amount, 2),
                price: fmt(lang, pending.price, 2),
                total: fmt(lang, pending.amount * pending.price, 2),
              })}
            </p>
            <p class="muted">{t('priceNote')}</p>
            <p class="muted">
              {t('orderKey')}: <code>{pending.key}</code>
            </p>
            <div class="row">
              <button class="primary" onClick={() => void confirm()}>
                {t('confirm')}
              </button>
              <button onClick={() => setPending(undefined)}>{t('cancel')}</button>
            </div>
          </>
        )}
      </dialog>
    </section>
  );
}

function HistoryCard(props: { token: string; version: number }) {
  const t = useT(T);
  const lang = useLang();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ transactions: Tx[]; nextCursor?: string }>();
  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    void api<{ transactions: Tx[]; nextCursor?: string }>(
      props.token,
      'GET',
      `${FX}/transactions?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    ).then(setPage, () => undefined);
  }, [cursor, props.version]);
  return (
    <section class="card" aria-labelledby="historial">
      <h2 id="historial">{t('history')}</h2>
      {page && page.transactions.length === 0 && <p>{t('noHistory')}</p>}
      {page && page.transactions.length > 0 && (
        <Scroll>
          <table id="tabla-historial">
            <thead>
              <tr>
                <th scope="col">{t('when')}</th>
                <th scope="col">{t('side')}</th>
                <th scope="col" class="num">
                  USD
                </th>
                <th scope="col" class="num">
                  {t('price')}
                </th>
                <th scope="col" class="num">
                  {t('total')}
                </th>
              </tr>
            </thead>
            <tbody>
              {page.transactions.map((x) => (
                <tr>
                  <td>{fmtTime(lang, x.executedAt)}</td>
                  <td>{x.side === 'BUY' ? t('buy') : t('sell')}</td>
                  <td class="num">{fmt(lang, x.amountUsd, 2)}</td>
                  <td class="num">{fmt(lang, x.priceCop, 2)}</td>
                  <td class="num">{fmt(lang, x.totalCop, 2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <div class="row">
        <button disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          {t('newer')}
        </button>
        <button
          disabled={!page?.nextCursor}
          onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}
        >
          {t('older')}
        </button>
      </div>
    </section>
  );
}

/**
 * Recommendations: the inbox once at sign-in, then new ones over Server-Sent Events only
 * (a ticket per connection; on an error a new ticket, resuming after the last event id).
 */
function Recommendations(props: { token: string; onDo: (side: Side, amount: number) => void }) {
  const t = useT(T);
  const lang = useLang();
  const [notes, setNotes] = useState<Note[]>([]);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    let closed = false;
    let es: EventSource | undefined;
    let lastId: string | undefined;
    void api<{ notifications: (Note & { eventId: number })[] }>(
      props.token,
      'GET',
      `${FX}/notifications?limit=20`,
    ).then(
      (r) => {
        setNotes(r.notifications.filter((n) => n.kind === 'recomendacion'));
        lastId = r.notifications[0] ? String(r.notifications[0].eventId) : undefined;
        void connect();
      },
      () => void connect(),
    );
    async function connect() {
      if (closed) return;
      try {
        const { ticket } = await api<{ ticket: string }>(
          props.token,
          'POST',
          `${FX}/notifications/stream-ticket`,
        );
        const url =
          `${FX}/notifications/stream?ticket=${encodeURIComponent(ticket)}` +
          (lastId ? `&lastEventId=${encodeURIComponent(lastId)}` : '');
        es = new EventSource(url);
        es.onopen = () => setConnected(true);
        es.onmessage = (e) => {
          lastId = e.lastEventId;
          const n = JSON.parse(e.data as string) as Note;
          if (n.kind === 'recomendacion') {
            setNotes((list) =>
              list.some((x) => x.id === n.id) ? list : [n, ...list].slice(0, 50),
            );
          }
        };
        es.onerror = () => {
          es?.close();
          setConnected(false);
          setTimeout(() => void connect(), 2000);
        };
      } catch {
        setTimeout(() => void connect(), 5000);
      }
    }
    return () => {
      closed = true;
      es?.close();
    };
  }, [props.token]);
  return (
    <section class="card" aria-labelledby="recomendaciones">
      <div class="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="recomendaciones">{t('recommendations')}</h2>
        <span class={`badge ${connected ? 'good' : 'wait'}`} id="estado-vivo">
          {connected ? t('live') : t('offline')}
        </span>
      </div>
      {notes.length === 0 && <p>{t('noRecommendations')}</p>}
      <ul class="plain" id="lista-recomendaciones" aria-live="polite">
        {notes.map((n) => (
          <li data-id={n.id}>
            <strong>{n.title}</strong>
            <div>{n.body}</div>
            {n.data?.reasons && n.data.reasons.length > 0 && (
              <ul>
                {n.data.reasons.map((r) => (
                  <li>{r.texto}</li>
                ))}
              </ul>
            )}
            <div class="row" style={{ justifyContent: 'space-between' }}>
              <span class="muted">{fmtTime(lang, n.createdAt)}</span>
              {n.data?.side && n.data.amountUsd !== undefined && (
                <button onClick={() => props.onDo(n.data!.side!, n.data!.amountUsd!)}>
                  {t('doThis', {
                    side: n.data.side === 'BUY' ? t('buy') : t('sell'),
                    amount: fmt(lang, n.data.amountUsd, 2),
                  })}
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

interface Prefs {
  channels: { inApp: boolean; webPush: boolean; webhook: boolean; mobilePush: boolean };
  quietHours: { start: string; end: string } | null;
}

function urlBase64ToBytes(s: string): Uint8Array<ArrayBuffer> {
  const b = atob((s + '='.repeat((4 - (s.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(new ArrayBuffer(b.length));
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}

function PreferencesCard(props: { token: string }) {
  const t = useT(T);
  const [prefs, setPrefs] = useState<Prefs>();
  const [quiet, setQuiet] = useState({ on: false, start: '21:00', end: '07:00' });
  const [msg, setMsg] = useState<{ ok: boolean; text: string }>();
  const [push, setPush] = useState<string>();
  useEffect(() => {
    void api<Prefs>(props.token, 'GET', `${FX}/notifications/preferences`).then((p) => {
      setPrefs(p);
      if (p.quietHours) setQuiet({ on: true, ...p.quietHours });
    });
  }, [props.token]);
  async function save(e: Event) {
    e.preventDefault();
    if (!prefs) return;
    try {
      const p = await api<Prefs>(props.token, 'PUT', `${FX}/notifications/preferences`, {
        channels: { inApp: prefs.channels.inApp, webPush: prefs.channels.webPush },
        quietHours: quiet.on ? { start: quiet.start, end: quiet.end } : null,
      });
      setPrefs(p);
      setMsg({ ok: true, text: t('saved') });
    } catch (err) {
      setMsg({ ok: false, text: err instanceof ApiError ? err.detail : String(err) });
    }
  }
  async function enablePush() {
    try {
      if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
        setPush(t('pushUnsupported'));
        return;
      }
      if ((await Notification.requestPermission()) !== 'granted') {
        setPush(t('pushDenied'));
        return;
      }
      const reg = await navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' });
      await navigator.serviceWorker.ready;
      const { publicKey } = await api<{ publicKey: string }>(
        props.token,
        'GET',
        `${FX}/notifications/webpush/public-key`,
      );
      const sub = await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: urlBase64ToBytes(publicKey),
      });
      await api(props.token, 'POST', `${FX}/notifications/webpush/subscriptions`, sub.toJSON());
      setPush(t('pushOn'));
    } catch (err) {
      setPush(err instanceof ApiError ? err.detail : String(err));
    }
  }
  const toggle = (k: 'inApp' | 'webPush') =>
    prefs && setPrefs({ ...prefs, channels: { ...prefs.channels, [k]: !prefs.channels[k] } });
  return (
    <section class="card" aria-labelledby="preferencias">
      <h2 id="preferencias">{t('preferences')}</h2>
      {prefs && (
        <form onSubmit={save} class="row">
          <label class="inline">
            <input
              type="checkbox"
              checked={prefs.channels.inApp}
              onChange={() => toggle('inApp')}
            />
            {t('inApp')}
          </label>
          <label class="inline">
            <input
              type="checkbox"
              checked={prefs.channels.webPush}
              onChange={() => toggle('webPush')}
            />
            {t('webPush')}
          </label>
          <label class="inline">
            <input
              type="checkbox"
              checked={quiet.on}
              onChange={() => setQuiet({ ...quiet, on: !quiet.on })}
            />
            {t('quiet')}
          </label>
          <label>
            {t('quietFrom')}
            <input
              type="time"
              disabled={!quiet.on}
              value={quiet.start}
              onInput={(e) => setQuiet({ ...quiet, start: (e.target as HTMLInputElement).value })}
            />
          </label>
          <label>
            {t('quietTo')}
            <input
              type="time"
              disabled={!quiet.on}
              value={quiet.end}
              onInput={(e) => setQuiet({ ...quiet, end: (e.target as HTMLInputElement).value })}
            />
          </label>
          <button type="submit">{t('save')}</button>
        </form>
      )}
      {msg && (
        <p class={msg.ok ? 'ok' : 'alert'} role="status">
          {msg.text}
        </p>
      )}
      <div class="row" style={{ marginTop: '0.6rem' }}>
        <button class="primary" id="activar-push" onClick={() => void enablePush()}>
          {t('push')}
        </button>
      </div>
      {push && (
        <p role="status" id="estado-push">
          {push}
        </p>
      )}
    </section>
  );
}

function Home(props: { token: string }) {
  const [portfolio, setPortfolio] = useState<Portfolio>();
  const [price, setPrice] = useState<Price>();
  const [version, setVersion] = useState(0);
  const [preset, setPreset] = useState<{ side: Side; amount: number; n: number }>();
  useEffect(() => {
    void api<Portfolio>(props.token, 'GET', `${FX}/portfolio`).then(setPortfolio, () => undefined);
  }, [props.token, version]);
  useEffect(() => {
    let live = true;
    const load = () =>
      api<Price>(props.token, 'GET', `${FX}/prices/latest`).then(
        (p) => live && setPrice(p),
        () => undefined,
      );
    void load();
    const timer = setInterval(load, 2000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [props.token]);
  return (
    <main>
      <PortfolioCard {...(portfolio ? { p: portfolio } : {})} />
      <MarketCard token={props.token} {...(price ? { price } : {})} />
      <TradeCard
        token={props.token}
        {...(price ? { price } : {})}
        {...(preset ? { preset } : {})}
        onDone={() => setVersion((v) => v + 1)}
      />
      <Recommendations
        token={props.token}
        onDo={(side, amount) => setPreset({ side, amount, n: Date.now() })}
      />
      <HistoryCard token={props.token} version={version} />
      <PreferencesCard token={props.token} />
    </main>
  );
}

function App() {
  const [lang, setLang] = useState<Lang>(initialLang());
  const [token, setToken] = useState<string | undefined>(() => initialToken('app'));
  useEffect(() => saveLang(lang), [lang]);
  // The service worker makes the app installable and works offline; push uses it too.
  useEffect(() => {
    if ('serviceWorker' in navigator) {
      navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => undefined);
    }
  }, []);
  const t = (k: string) => T[k]?.[lang] ?? k;
  return (
    <LangContext.Provider value={lang}>
      <header class="top">
        <h1>{t('title')}</h1>
        <span class="spacer" />
        <label class="inline">
          <span>{t('language')}</span>
          <select
            value={lang}
            onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}
          >
            <option value="es">Español</option>
            <option value="en">English</option>
          </select>
        </label>
        {token && (
          <button
            onClick={() => {
              storeToken('app', undefined);
              setToken(undefined);
            }}
          >
            {t('signout')}
          </button>
        )}
      </header>
      {token ? (
        <Home token={token} />
      ) : (
        <SignIn
          onToken={(tk) => {
            storeToken('app', tk);
            setToken(tk);
          }}
        />
      )}
    </LangContext.Provider>
  );
}

render(<App />, document.getElementById('root')!);
