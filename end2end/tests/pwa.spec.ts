import { expect, test } from '@playwright/test';
import { hydrated, signUp, uniqueEmail } from './helpers';

test('the app is installable: manifest, icons and a service worker', async ({ page, request }) => {
  const manifest = await (await request.get('/manifest.json')).json();
  expect(manifest.display).toBe('standalone');
  expect(manifest.start_url).toBe('/');
  const sizes = manifest.icons.map((i: { sizes: string }) => i.sizes);
  expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
  for (const icon of manifest.icons) {
    const res = await request.get(icon.src);
    expect(res.status(), icon.src).toBe(200);
    expect(res.headers()['content-type']).toContain('image/png');
  }

  await page.goto('/login');
  await hydrated(page);
  await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', '/manifest.json');
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  expect(scope).toMatch(/\/$/);
});

test('offline, a page seen before still loads and a new one shows the offline page', async ({ page, context }) => {
  await page.goto('/login');
  await hydrated(page);
  await page.evaluate(async () => navigator.serviceWorker.ready);
  // A controlled reload lets the worker cache the page.
  await page.reload();
  await hydrated(page);
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.goto('/signup?never-seen=1');
  await expect(page.getByText(/offline/i).first()).toBeVisible();
  await context.setOffline(false);
});

test('server functions are never served from the cache', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  await page.evaluate(async () => navigator.serviceWorker.ready);
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const urls: string[] = [];
    for (const name of names) {
      for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
    }
    return urls;
  });
  expect(cached.filter((u) => u.startsWith('/api/'))).toEqual([]);
});

test('signing out drops the pages kept for offline use', async ({ page }) => {
  await signUp(page, 'Sol Shared', uniqueEmail('pwa'));
  await page.evaluate(async () => navigator.serviceWorker.ready);
  await page.reload();
  await hydrated(page);
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  const signedInPath = new URL(page.url()).pathname;
  const cachedPages = () =>
    page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) {
        for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
      }
      return urls;
    });
  await expect.poll(cachedPages).toContain(signedInPath);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect.poll(cachedPages).not.toContain(signedInPath);
});
