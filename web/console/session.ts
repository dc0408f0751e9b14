import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.js';

export interface Session {
  token: string;
  /** True for the admin token (FX operations, re-ingest). */
  admin: boolean;
}

/** Loads `url` with the session's token; `reload()` fetches again. */
export function useApi<T>(
  session: Session,
  url: string | undefined,
  deps: unknown[] = [],
): { data?: T; error?: string; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!url) return;
    let live = true;
    api<T>(session.token, 'GET', url).then(
      (data) => live && setState({ data }),
      (err: unknown) =>
        live && setState({ error: err instanceof ApiError ? err.detail : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [url, n, session.token, ...deps]);
  return { ...state, reload: () => setN((x) => x + 1) };
}
