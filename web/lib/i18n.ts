import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Lang = 'es' | 'en';

/** Spanish is the default; English is offered beside it. */
export function initialLang(): Lang {
  return localStorage.getItem('corriente.lang') === 'en' ? 'en' : 'es';
}

export function saveLang(lang: Lang): void {
  localStorage.setItem('corriente.lang', lang);
  document.documentElement.lang = lang;
}

export type Dict = Record<string, { es: string; en: string }>;

export const LangContext = createContext<Lang>('es');

/** `t('key')` in the current language (the key itself when the dictionary lacks it). */
export function useT(dict: Dict): (key: string, vars?: Record<string, string | number>) => string {
  const lang = useContext(LangContext);
  return (key, vars) => {
    let s = dict[key]?.[lang] ?? key;
    for (const [k, v] of Object.entries(vars ?? {})) s = s.replaceAll(`{${k}}`, String(v));
    return s;
  };
}

export function useLang(): Lang {
  return useContext(LangContext);
}

export const numberFormat = (lang: Lang, digits = 0) =>
  new Intl.NumberFormat(lang === 'es' ? 'es-CO' : 'en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });

export function fmt(lang: Lang, n: number | null | undefined, digits = 0): string {
  return n === null || n === undefined || Number.isNaN(n)
    ? '—'
    : numberFormat(lang, digits).format(n);
}

export function fmtTime(lang: Lang, iso: string | undefined | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(lang === 'es' ? 'es-CO' : 'en-US', {
    dateStyle: 'short',
    timeStyle: 'medium',
  });
}
