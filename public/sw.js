// Service worker for P2P Texting.
//
// Goals, in priority order:
//  1. Never interfere with server functions (POST /api/...): texting must hit
//     the server or fail loudly, never be served from or written to a cache.
//  2. Never break hydration after a deploy: HTML and /pkg/* (js, wasm, css)
//     are network-first, so a fresh page always gets the matching fresh bundle.
//  3. Keep working as an installed app when offline: fall back to the cache,
//     and to /offline.html for pages we have never seen.

// Bump the version whenever the shell list or caching logic changes; the old
// cache is deleted on activate.
const CACHE_PREFIX = 'p2p-shell-';
const CACHE = CACHE_PREFIX + 'v1';
const OFFLINE_URL = '/offline.html';

const SHELL = [
  '/',
  OFFLINE_URL,
  '/manifest.json',
  '/favicon.ico',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/icons/icon-maskable-512.png',
  '/icons/apple-touch-icon.png',
  '/pkg/app.css',
  '/pkg/app.js',
  '/pkg/app_bg.wasm',
];

// Only store complete, same-origin 200s. Opaque/CORS responses can't be
// inspected; redirected ones can't be replayed for navigations (the browser
// rejects them); `no-store` lets the server opt sensitive pages out.
function cacheable(res) {
  return (
    res &&
    res.status === 200 &&
    res.type === 'basic' &&
    !res.redirected &&
    !/no-store/i.test(res.headers.get('Cache-Control') || '')
  );
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // Fetch each entry on its own (not cache.addAll) so one missing file
      // can't fail the whole install. `reload` bypasses the HTTP cache so we
      // store the build that is live right now.
      await Promise.all(
        SHELL.map(async (url) => {
          try {
            const res = await fetch(new Request(url, { cache: 'reload' }));
            if (cacheable(res)) await cache.put(url, res);
          } catch (_) {
            // Ignored on purpose: offline or 404 during install is not fatal.
          }
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      // Only delete our own old versions; leave other caches on the origin alone.
      const keys = await caches.keys();
      await Promise.all(
        keys
          .filter((k) => k.startsWith(CACHE_PREFIX) && k !== CACHE)
          .map((k) => caches.delete(k)),
      );
      await self.clients.claim();
    })(),
  );
});

// Let the page wipe cached HTML (e.g. on logout on a shared device):
//   navigator.serviceWorker.controller?.postMessage({ type: 'clear-cache' })
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'clear-cache') {
    event.waitUntil(caches.delete(CACHE));
  }
});

self.addEventListener('fetch', (event) => {
  const req = event.request;

  // Returning without respondWith() = the browser handles it as if no SW existed.
  if (req.method !== 'GET') return; // server functions are POSTs
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return;

  if (req.mode === 'navigate') {
    event.respondWith(networkFirst(event, true));
  } else if (url.pathname.startsWith('/pkg/')) {
    event.respondWith(networkFirst(event, false));
  } else if (url.pathname.startsWith('/icons/')) {
    event.respondWith(cacheFirst(event));
  }
  // Anything else (e.g. streams, other assets) goes straight to the network.
});

async function networkFirst(event, isNavigation) {
  const req = event.request;
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(req);
    // Write in the background so the response (notably the wasm, which is
    // compiled while streaming) isn't held back until it is fully cached.
    if (cacheable(res)) event.waitUntil(cache.put(req, res.clone()));
    return res; // includes 4xx/5xx: the server is reachable, so show its answer
  } catch (err) {
    const cached = await cache.match(req);
    if (cached) return cached;
    if (isNavigation) {
      const offline = await cache.match(OFFLINE_URL);
      if (offline) return offline;
    }
    return Response.error();
  }
}

async function cacheFirst(event) {
  const req = event.request;
  const cache = await caches.open(CACHE);
  const cached = await cache.match(req);
  if (cached) return cached;
  const res = await fetch(req);
  if (cacheable(res)) event.waitUntil(cache.put(req, res.clone()));
  return res;
}
