import { devices, expect, test } from '@playwright/test';
import { call, hydrated, phones, publishAcknowledgingCost, signUp, uniqueEmail } from '../tests/helpers';

// A volunteer's cheap Android phone on a mobile network: 390×844, the CPU slowed 4× and the
// network throttled to DevTools' "Fast 3G" (1.6 Mbit/s down, 750 kbit/s up, 150 ms latency),
// both through the DevTools protocol.
const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  userAgent: devices['Pixel 7'].userAgent,
};
const FAST_3G = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };
const SENDS = 40;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.round((sorted.length - 1) * p)];
}

test('texting screen on a throttled phone', async ({ browser }) => {
  // Set-up at full speed: an organization, a list of SENDS contacts, a published action with
  // batches that hold them all, and a volunteer who joined.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signUp(admin, 'Bea Bench', uniqueEmail('bench-admin'));
  await admin.getByLabel('Organization name').fill('Bench Campaign');
  await admin.getByRole('button', { name: 'Create organization' }).click();
  const code = (await admin.getByTestId('join-code').textContent())!.trim();
  const orgId = new URL(admin.url()).pathname.split('/')[2];
  await call(admin.request, 'save_texting_settings', {
    org_id: orgId, window_start: '00:00', window_end: '23:59', default_time_zone: 'America/Chicago',
    batch_size: String(SENDS), contact_fallback_name: 'friend', sender_fallback_name: 'a volunteer',
    sms_price: '0.0079', mms_price: '0.02', carrier_fee: '0.003', number_price: '1.15', default_region: 'US',
  });
  const numbers = phones(SENDS);
  const csv = 'first_name,cell\n' + numbers.map((n, i) => `Person${i},${n}`).join('\n') + '\n';
  await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Contacts' }).click();
  await admin.getByLabel('CSV file').setInputFiles({ name: 'bench.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await admin.getByRole('button', { name: 'Import' }).click();
  await expect(admin.getByText(`Imported ${SENDS} of ${SENDS} rows.`)).toBeVisible();
  await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Actions' }).click();
  await admin.getByLabel('Title').fill('Bench push');
  await admin.getByRole('button', { name: 'Create action' }).click();
  await expect(admin.getByRole('heading', { name: 'Bench push' })).toBeVisible();
  const actionId = new URL(admin.url()).pathname.split('/').pop()!;
  await hydrated(admin);
  await admin.getByLabel('Contact list').selectOption({ label: `bench (${SENDS} contacts)` });
  await admin.getByLabel('Initial script').fill('Hi {firstName}, can we count on your vote? Text STOP to opt out');
  await admin.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(admin.getByText('Saved.')).toBeVisible();
  await publishAcknowledgingCost(admin);

  const setupContext = await browser.newContext();
  const setup = await setupContext.newPage();
  await signUp(setup, 'Val Bench', uniqueEmail('bench-vol'));
  await setup.getByRole('link', { name: '+ Join another campaign' }).click();
  await setup.getByLabel('6-digit code').fill(code);
  await setup.getByRole('button', { name: 'Join' }).click();
  await expect(setup.getByRole('heading', { name: 'Bench push' })).toBeVisible();
  const session = await setupContext.storageState();
  await setupContext.close();

  // The measured visit: a new context (empty HTTP cache, no service worker) with the session.
  const context = await browser.newContext({ ...PHONE, storageState: session });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', FAST_3G);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  let wireBytes = 0;
  cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => { wireBytes += e.encodedDataLength; });

  await page.goto(`/o/${orgId}/text/${actionId}`, { waitUntil: 'commit' });
  await hydrated(page);
  // Hydrated means a press does something: the first control of the screen is live.
  const start = page.getByRole('button', { name: 'Start Texting' });
  const send = page.getByRole('button', { name: 'Send', exact: true });
  await expect(start.or(send).first()).toBeEnabled({ timeout: 120_000 });
  const hydratedMs = await page.evaluate(() => performance.now());
  if (await start.isVisible()) await start.click();
  await expect(send).toBeEnabled({ timeout: 120_000 });
  const sendReadyMs = await page.evaluate(() => performance.now());
  console.log(`BENCH texting_load hydrated_ms=${Math.round(hydratedMs)} send_ready_ms=${Math.round(sendReadyMs)} wire_bytes=${wireBytes}`);

  // Enter → the next contact's name painted: from the keydown's timestamp to the first frame
  // after the name changed, measured in the page.
  await page.evaluate(() => {
    const w = window as any;
    w.__samples = [];
    document.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.repeat) return;
      const t = e.timeStamp;
      const before = document.querySelector('#contact-name')?.textContent;
      const observer = new MutationObserver(() => {
        if (document.querySelector('#contact-name')?.textContent === before) return;
        observer.disconnect();
        requestAnimationFrame(() => w.__samples.push(performance.now() - t));
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    }, true);
  });
  for (let i = 0; i < SENDS - 1; i++) {
    const name = await page.locator('#contact-name').textContent();
    await expect(send).toBeEnabled();
    await page.getByLabel('Message').press('Enter');
    await expect(page.locator('#contact-name')).not.toHaveText(name!);
  }
  const samples: number[] = (await page.evaluate(() => (window as any).__samples)).sort((a: number, b: number) => a - b);
  expect(samples.length).toBeGreaterThanOrEqual(30);
  console.log(
    `BENCH texting_keypress samples=${samples.length} p50_ms=${percentile(samples, 0.5).toFixed(1)} p95_ms=${percentile(samples, 0.95).toFixed(1)}`,
  );
  await context.close();
  await adminContext.close();
});
