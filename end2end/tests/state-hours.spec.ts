import { expect, test } from '@playwright/test';
import { call, hydrated, signUp, uniqueEmail } from './helpers';

// The server's texting clock is moved to 8:30 pm in Florida (scripts/test starts the server
// with P2P_TEST_CLOCK=1). The clock is the whole server's, so this file runs in its own
// Playwright project after every other one (playwright.config.ts).
const FLORIDA_8_30_PM = '2027-01-15T01:30:00Z'; // Thursday 14 January 2027, 20:30 EST

test.afterEach(async ({ request }) => {
  await request.delete('/_test/clock');
});

test('a Florida contact at 8:30 pm local: the texting screen says sending opens at 8:00 am', async ({ page: admin, browser }) => {
  test.setTimeout(90_000);
  await signUp(admin, 'Flo Admin', uniqueEmail('fladmin'));
  await admin.getByLabel('Organization name').fill('Sunshine Canvass');
  await admin.getByRole('button', { name: 'Create organization' }).click();
  const code = (await admin.getByTestId('join-code').textContent())!.trim();
  const orgId = new URL(admin.url()).pathname.split('/')[2];
  // The organization texts around the clock, so only Florida's own 8 am–8 pm can refuse.
  await call(admin.request, 'save_texting_settings', {
    org_id: orgId, window_start: '00:00', window_end: '23:59', default_time_zone: 'America/New_York',
    batch_size: '1', contact_fallback_name: 'friend', sender_fallback_name: 'a volunteer',
    sms_price: '0.0079', mms_price: '0.02', carrier_fee: '0.003', number_price: '1.15', default_region: 'US',
  });
  const exchange = 200 + Math.floor(Math.random() * 700);
  const line = 2000 + Math.floor(Math.random() * 7000);
  const csv = `first_name,cell,zip\nFay,+1305${exchange}${line},33101\n`;
  await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Contacts' }).click();
  await admin.getByLabel('CSV file').setInputFiles({ name: 'miami.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await admin.getByRole('button', { name: 'Import' }).click();
  await expect(admin.getByText('Imported 1 of 1 rows.')).toBeVisible();

  await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Actions' }).click();
  await admin.getByLabel('Title').fill('Miami turnout');
  await admin.getByRole('button', { name: 'Create action' }).click();
  await expect(admin.getByRole('heading', { name: 'Miami turnout' })).toBeVisible();
  await hydrated(admin);
  await admin.getByLabel('Contact list').selectOption({ label: 'miami (1 contact)' });
  await admin.getByLabel('Initial script').fill('Hi {firstName}, this is Sunshine Canvass. Will you vote? Text STOP to opt out');
  await admin.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(admin.getByText('Saved.')).toBeVisible();
  // The first text names the organization and says how to opt out: no warning to acknowledge.
  await admin.reload();
  await hydrated(admin);
  const total = (await admin.getByTestId('estimate-total').textContent())!.trim();
  await admin.getByLabel(`I understand this action will cost about ${total}`).first().check();
  await admin.getByRole('button', { name: 'Publish now' }).click();
  await expect(admin.getByTestId('action-status')).toHaveText('Published');

  const moved = await admin.request.put('/_test/clock', { form: { now: FLORIDA_8_30_PM } });
  expect(moved.ok(), await moved.text()).toBeTruthy();

  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const volunteer = await context.newPage();
  await signUp(volunteer, 'Val Volunteer', uniqueEmail('flvol'));
  await volunteer.getByRole('link', { name: '+ Join another campaign' }).click();
  await volunteer.getByLabel('6-digit code').fill(code);
  await volunteer.getByRole('button', { name: 'Join' }).click();
  await expect(volunteer.getByRole('heading', { name: 'Miami turnout' })).toBeVisible();
  await hydrated(volunteer);
  await volunteer.getByRole('button', { name: 'Start Texting' }).click();
  await expect(volunteer.locator('#contact-name')).toHaveText('Fay');
  await hydrated(volunteer);
  // 8:30 pm EST is past Florida's 8 pm; it opens again at 8:00 am, eleven and a half hours on.
  await expect(volunteer.getByRole('status').filter({ hasText: 'Outside this contact' })).toHaveText(
    "Outside this contact's texting hours: sending opens at 8:00 am in the contact's time (in 11 h 30 m).",
  );
  await expect(volunteer.getByRole('button', { name: 'Send' })).toBeDisabled();
  await context.close();
});
