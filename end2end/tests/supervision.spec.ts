import { Browser, expect, Page, test } from '@playwright/test';
import { readFileSync } from 'fs';
import { call, hydrated, phones, publishAcknowledgingCost, reply, signUp, uniqueEmail } from './helpers';

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row); }
  return rows;
}

interface Campaign {
  orgId: string;
  actionId: string;
  code: string;
  contacts: { name: string; phone: string }[];
}

/** An organization with a published action of two contacts, an always-open texting window. */
async function campaign(admin: Page): Promise<Campaign> {
  await signUp(admin, 'Ada Admin', uniqueEmail('sadmin'));
  await admin.getByLabel('Organization name').fill('Supervision Campaign');
  await admin.getByRole('button', { name: 'Create organization' }).click();
  const code = (await admin.getByTestId('join-code').textContent())!.trim();
  const orgId = new URL(admin.url()).pathname.split('/')[2];
  await call(admin.request, 'save_texting_settings', {
    org_id: orgId, window_start: '00:00', window_end: '23:59', default_time_zone: 'America/Chicago',
    batch_size: '2', contact_fallback_name: 'friend', sender_fallback_name: 'a volunteer',
    sms_price: '0.0079', mms_price: '0.02', carrier_fee: '0.003', number_price: '1.15', default_region: 'US',
  });
  const numbers = phones(2);
  const contacts = ['Ana', 'Bo'].map((name, i) => ({ name, phone: numbers[i] }));
  const csv = 'first_name,last_name,cell\n' + contacts.map((c) => `${c.name},Supervised,${c.phone}`).join('\n') + '\n';
  await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Contacts' }).click();
  await admin.getByLabel('CSV file').setInputFiles({ name: 'watch.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await admin.getByRole('button', { name: 'Import' }).click();
  await expect(admin.getByText('Imported 2 of 2 rows.')).toBeVisible();

  await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Actions' }).click();
  await admin.getByLabel('Title').fill('Watch party');
  await admin.getByRole('button', { name: 'Create action' }).click();
  await expect(admin.getByRole('heading', { name: 'Watch party' })).toBeVisible();
  const actionId = new URL(admin.url()).pathname.split('/').pop()!;
  await admin.getByLabel('Contact list').selectOption({ label: 'watch (2 contacts)' });
  await admin.getByLabel('Initial script').fill('Hi {firstName}, come to our watch party? Text STOP to opt out');
  await admin.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(admin.getByText('Saved.')).toBeVisible();
  await publishAcknowledgingCost(admin);
  return { orgId, actionId, code, contacts };
}

/** A volunteer joins and texts the action's two contacts. */
async function volunteerTextsEveryone(browser: Browser, code: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, 'Vic Volunteer', uniqueEmail('svol'));
  await page.getByRole('link', { name: '+ Join another campaign' }).click();
  await page.getByLabel('6-digit code').fill(code);
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.getByRole('heading', { name: 'Watch party' })).toBeVisible();
  // One tap on the card: the batch is claimed and its first contact is on screen.
  await page.getByRole('button', { name: 'Start Texting' }).click();
  await expect(page.locator('#contact-name')).toBeVisible();
  await hydrated(page);
  for (let i = 0; i < 2; i++) {
    const name = (await page.locator('#contact-name').textContent())!;
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByText(`Sent to ${name} ✓`)).toBeVisible();
  }
  return page;
}

test('an admin supervises conversations: filters, reads a thread, reassigns and exports', async ({ page: admin, browser }) => {
  test.setTimeout(120_000);
  const c = await campaign(admin);
  const volunteer = await volunteerTextsEveryone(browser, c.code);
  const [ana, bo] = c.contacts;
  await reply(volunteer.request, ana.phone, 'Count me in for the watch party!');

  // Every conversation of the organization, with its volunteer; the reply arrives without a reload.
  await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Conversations' }).click();
  await expect(admin.getByRole('heading', { name: 'Conversations', level: 1 })).toBeVisible();
  await hydrated(admin);
  const rows = admin.locator('table.supervision tbody tr');
  const anaRow = rows.filter({ hasText: 'Ana Supervised' });
  const boRow = rows.filter({ hasText: 'Bo Supervised' });
  await expect(boRow).toContainText('Vic Volunteer');
  await expect(anaRow).toContainText('Count me in for the watch party!', { timeout: 20_000 });
  await expect(anaRow).toContainText('Needs Attention');
  await expect(anaRow).toContainText(ana.phone);
  await expect(anaRow).toContainText('Watch party');

  // Needs Attention: only Ana; the filter is in the URL and survives a reload.
  await admin.getByLabel('Status').selectOption({ label: 'Needs Attention' });
  await expect(admin).toHaveURL(/status=needs-attention/);
  await expect(boRow).toHaveCount(0);
  await expect(anaRow).toHaveCount(1);
  await admin.reload();
  await hydrated(admin);
  await expect(admin.getByLabel('Status')).toHaveValue('needs-attention');
  await expect(anaRow).toHaveCount(1);
  await expect(boRow).toHaveCount(0);

  // The thread, with what an admin can do in it, and back to the filtered list.
  await anaRow.getByRole('link', { name: 'Ana Supervised' }).click();
  await expect(admin.getByRole('heading', { name: 'Ana Supervised' })).toBeVisible();
  const messages = admin.getByRole('list', { name: 'Messages' });
  await expect(messages).toContainText('Hi Ana, come to our watch party? Text STOP to opt out');
  await expect(messages).toContainText('Count me in for the watch party!');
  await expect(admin.getByLabel('Reply as yourself')).toBeVisible();
  await expect(admin.getByRole('button', { name: 'Send reply' })).toBeEnabled();
  await expect(admin.getByRole('button', { name: 'Opt this person out' })).toBeVisible();
  await admin.getByRole('link', { name: '← Conversations' }).click();
  await expect(admin).toHaveURL(/status=needs-attention/);
  await hydrated(admin);

  // Reassign the selected conversation to the admin, who is told in their inbox.
  await anaRow.getByRole('checkbox', { name: 'Select Ana Supervised' }).check();
  await expect(admin.getByText('1 selected')).toBeVisible();
  await admin.getByLabel('Reassign selected to…').selectOption({ label: 'Ada Admin (Owner)' });
  await admin.getByRole('button', { name: 'Reassign', exact: true }).click();
  await expect(admin.getByText('Reassigned 1 conversation to Ada Admin.')).toBeVisible();
  await expect(anaRow).toContainText('Ada Admin');
  await expect(anaRow).not.toContainText('Vic Volunteer');

  // The contacts export: one row per conversation, parsed back.
  await admin.goto(`/o/${c.orgId}/admin/actions/${c.actionId}`);
  await hydrated(admin);
  const [download] = await Promise.all([
    admin.waitForEvent('download'),
    admin.getByRole('link', { name: 'Export contacts (CSV)' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('watch-party-contacts.csv');
  const csv = parseCsv(readFileSync((await download.path())!, 'utf8'));
  const [header, ...data] = csv;
  expect(header).toEqual([
    'first_name', 'last_name', 'phone', 'zip', 'time_zones', 'email', 'external_id', 'volunteer', 'first_texted_at',
    'opted_out', 'undeliverable', 'tags', 'last_message', 'last_message_at', 'last_message_direction', 'last_message_status',
  ]);
  expect(data).toHaveLength(2);
  const byName = (name: string) => Object.fromEntries(header.map((h, i) => [h, data.find((r) => r[0] === name)![i]]));
  expect(byName('Ana')).toMatchObject({
    last_name: 'Supervised', phone: ana.phone, volunteer: 'Ada Admin', opted_out: 'no',
    last_message: 'Count me in for the watch party!', last_message_direction: 'inbound',
  });
  // In the organization's zone, with its offset.
  expect(byName('Ana').last_message_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  expect(byName('Ana').first_texted_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  expect(byName('Bo')).toMatchObject({
    phone: bo.phone, volunteer: 'Vic Volunteer', opted_out: 'no', last_message_direction: 'outbound',
    last_message: 'Hi Bo, come to our watch party? Text STOP to opt out',
  });

  // The volunteer cannot reach the page's data.
  const refused = await volunteer.request.get(`/api/actions/${c.actionId}/export/contacts.csv`);
  expect(refused.status()).toBe(403);
  await volunteer.goto(`/o/${c.orgId}/admin/conversations`);
  // Admin pages send a volunteer to their own area.
  await expect(volunteer).not.toHaveURL(/\/admin\//);
  await expect(volunteer.locator('table.supervision')).toHaveCount(0);
  await volunteer.context().close();
});
