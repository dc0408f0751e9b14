import type { ObjectStore } from '../object-store/object-store.js';

/**
 * Folder of a key prefix as a table or partition location: the absolute folder path for a
 * local store, else `<store url>/<prefix>` (e.g. `s3://bucket/prefix/raw/clientes/`).
 */
export function locationOf(store: ObjectStore, prefix: string): string {
  const local = localPathOf(store, prefix.replace(/\/+$/, ''));
  if (local !== undefined) return local;
  return `${store.url.replace(/\/+$/, '')}/${prefix}`;
}

/**
 * Path of a key on disk when the store is a local folder. Checked by shape (a `pathOf`
 * method, as LocalFsObjectStore has) so the crawler imports no adapter.
 */
export function localPathOf(store: ObjectStore, key: string): string | undefined {
  const pathOf = (store as { pathOf?: unknown }).pathOf;
  return typeof pathOf === 'function' ? (pathOf.call(store, key) as string) : undefined;
}
