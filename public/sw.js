// Service worker for P2P Texting.
//
// Goals, in priority order:
//  1. Never interfere with server functions (POST /api/...): texting must hit
//     the server or fail loudly, never be served from or written to a cache.
//  2. Never break hydration after a deploy: HTML is network-first, so a fresh
//     page always names the matching bundle; the bundle's files carry a hash of
//     their contents in their names, so a cached one is never stale.
//  3. A second visit downloads nothing but the HTML and data: the bundle is
//     precached at install and then served from the cache.
//  4. Keep working as an installed app when offline: fall back to the cache,
//     and to /offline.html for pages we have never seen.

// scripts/lib.sh (build_site) writes the bundle's hashed name here, so each
// build has its own cache (the old one is deleted on activate) and its own
// worker bytes (browsers install a changed worker). A site built without it
// (cargo-leptos) keeps the plain name.
const BUNDLE_NAME = '__BUNDLE__';
const BUNDLE = BUNDLE_NAME.startsWith('__') ? 'app' : BUNDLE_NAME;
// Bump the version whenever the shell list or caching logic changes.
const CACHE_PREFIX = 'p2p-shell-';
const CACHE = CACHE_PREFIX + 'v3-' + BUNDLE;
const OFFLINE_URL = '/offline.html';
const HASHED = BUNDLE !== 'app';
// build_site puts a hashed bundle in its own folder (pkg/app-<hash>/app.js, ...).
const PKG = HASHED ? `/pkg/${BUNDLE}` : '/pkg';

const SHELL = [
  '/',
  OFFLINE_URL,
  '/manifest.json',
  '/favicon.ico',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/icons/icon-maskable-512.png',
  '/icons/apple-touch-icon.png',
  `${PKG}/app.css`,
  `${PKG}/app.js`,
  `${PKG}/app_bg.wasm`,
  // The loader of the lazily loaded chunks, which app.js imports.
  `${PKG}/__wasm_split.______________________.js`,
  // The lazily loaded chunks are left out on purpose: a volunteer's phone should not download
  // the admin area's at all (issue 19), nor every screen's up front. A page's first visit
  // fetches its own, and the fetch handler below keeps them (their names are immutable), so a
  // second visit, or one offline, takes them from the cache.
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
      // store the build that is live right now; the hashed bundle cannot be
      // stale, so it may come from the HTTP cache the page just filled rather
      // than crossing the network a second time.
      await Promise.all(
        SHELL.map(async (url) => {
          try {
            const immutable = HASHED && url.startsWith('/pkg/');
            const res = await fetch(new Request(url, { cache: immutable ? 'default' : 'reload' }));
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
    // A hashed name never changes its bytes: the cache is as good as the network.
    event.respondWith(HASHED ? cacheFirst(event) : networkFirst(event, false));
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
