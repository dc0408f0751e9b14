/** A problem+json answer of the API, shown to people as it is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const TOKEN_KEY = (scope: string) => `corriente.${scope}.token`;

/** Reads `#token=` from the address (then removes it) or the session's stored token. */
export function initialToken(scope: string): string | undefined {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m?.[1]) {
    const token = decodeURIComponent(m[1]);
    sessionStorage.setItem(TOKEN_KEY(scope), token);
    history.replaceState(null, '', location.pathname + location.search);
    return token;
  }
  return sessionStorage.getItem(TOKEN_KEY(scope)) ?? undefined;
}

export function storeToken(scope: string, token: string | undefined): void {
  if (token) sessionStorage.setItem(TOKEN_KEY(scope), token);
  else sessionStorage.removeItem(TOKEN_KEY(scope));
}

/** A JSON call with the bearer token; errors become `ApiError` with the problem's detail. */
export async function api<T>(
  token: string,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) {
    throw new ApiError(
      res.status,
      String(json.type ?? 'about:blank').replace('urn:corriente:problem:', ''),
      String(json.title ?? res.statusText),
      String(json.detail ?? res.statusText),
    );
  }
  return json as T;
}
