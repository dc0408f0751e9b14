/* The customer app's service worker: offline shell, and Web Push notifications. */
/* global self, clients, caches, fetch, URL */
const SHELL = 'corriente-app-v1';

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(['/app/', '/app/manifest.webmanifest'])));
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

// The shell from the network first (so a new build is seen at once), the cache when offline.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.pathname.startsWith('/api/')) return;
  event.respondWith(
    fetch(event.request)
      .then((res) => {
        if (res.ok && url.origin === self.location.origin) {
          const copy = res.clone();
          void caches.open(SHELL).then((c) => c.put(event.request, copy));
        }
        return res;
      })
      .catch(() => caches.match(event.request).then((r) => r ?? caches.match('/app/'))),
  );
});

// The server sends {title, body, data} (RFC 8291 encrypted; the browser decrypts it).
self.addEventListener('push', (event) => {
  let n = { title: 'corriente', body: '', data: {} };
  try {
    n = { ...n, ...event.data.json() };
  } catch {
    if (event.data) n.body = event.data.text();
  }
  event.waitUntil(
    self.registration.showNotification(n.title, {
      body: n.body,
      data: n.data,
      tag: n.data && n.data.id ? String(n.data.id) : undefined,
      icon: '/app/icon-192.png',
      lang: 'es',
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    clients.matchAll({ type: 'window' }).then((list) => {
      const open = list.find((c) => new URL(c.url).pathname.startsWith('/app'));
      return open ? open.focus() : clients.openWindow('/app/');
    }),
  );
});
