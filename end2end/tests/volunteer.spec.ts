import { Browser, expect, Page, test } from '@playwright/test';
import { call, hydrated, phones, publishAcknowledgingCost, reply, signUp, uniqueEmail } from './helpers';

interface Campaign {
  orgId: string;
  actionId: string;
  code: string;
  contacts: { name: string; phone: string }[];
}

/** An organization with a published action: a branched script with a tag on "Yes", a report
 * tag, an always-open texting window and batches of 2. */
async function campaign(admin: Page): Promise<Campaign> {
  await signUp(admin, 'Ada Admin', uniqueEmail('vadmin'));
  await admin.getByLabel('Organization name').fill('Volunteer Flow Campaign');
  await admin.getByRole('button', { name: 'Create organization' }).click();
  const code = (await admin.getByTestId('join-code').textContent())!.trim();
  const orgId = new URL(admin.url()).pathname.split('/')[2];
  const request = admin.request;
  await call(request, 'save_texting_settings', {
    org_id: orgId, window_start: '00:00', window_end: '23:59', default_time_zone: 'America/Chicago',
    batch_size: '2', contact_fallback_name: 'friend', sender_fallback_name: 'a volunteer',
    sms_price: '0.0079', mms_price: '0.02', carrier_fee: '0.003', number_price: '1.15', default_region: 'US',
  });
  const numbers = phones(4);
  const contacts = ['Ana', 'Bo', 'Cy', 'Di'].map((name, i) => ({ name, phone: numbers[i] }));
  const csv = 'first_name,cell\n' + contacts.map((c) => `${c.name},${c.phone}`).join('\n') + '\n';
  await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Contacts' }).click();
  await admin.getByLabel('CSV file').setInputFiles({ name: 'flow.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await admin.getByRole('button', { name: 'Import' }).click();
  await expect(admin.getByText('Imported 4 of 4 rows.')).toBeVisible();

  await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Actions' }).click();
  await admin.getByLabel('Title').fill('Early vote push');
  await admin.getByRole('button', { name: 'Create action' }).click();
  await expect(admin.getByRole('heading', { name: 'Early vote push' })).toBeVisible();
  const actionId = new URL(admin.url()).pathname.split('/').pop()!;
  await admin.getByLabel('Contact list').selectOption({ label: 'flow (4 contacts)' });
  await admin.getByLabel('Initial script').fill('Hi {firstName}, can we count on your early vote? Text STOP to opt out');
  await admin.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(admin.getByText('Saved.')).toBeVisible();

  const supporter = await call(request, 'create_data_item', { org_id: orgId, kind: 'tag', name: 'Supporter' });
  const lead = await call(request, 'create_data_item', { org_id: orgId, kind: 'tag', name: 'Volunteer lead' });
  const tree = {
    question: 'Can we count on your vote?',
    answers: [
      { id: 'yes', label: 'Yes', body: 'Wonderful, {firstName}! Do you need a ride?', question: 'Need a ride?', tags: [supporter],
        field_values: [], answers: [{ id: 'ride', label: 'Needs a ride', body: 'We will call you about a ride.', question: '', answers: [], tags: [], field_values: [] }] },
      { id: 'no', label: 'No', body: 'Thanks for your time.', question: '', answers: [], tags: [], field_values: [] },
    ],
    standalone: [],
  };
  await call(request, 'save_script', { org_id: orgId, action_id: actionId, tree: JSON.stringify(tree) });
  await call(request, 'save_report_settings', { org_id: orgId, action_id: actionId, tag_ids: String(lead), field_ids: '' });

  await publishAcknowledgingCost(admin);
  return { orgId, actionId, code, contacts };
}

async function volunteer(browser: Browser, name: string, code: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, name, uniqueEmail('vol'));
  await page.getByRole('link', { name: '+ Join another campaign' }).click();
  await page.getByLabel('6-digit code').fill(code);
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.getByRole('navigation', { name: 'Volunteer' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Early vote push' })).toBeVisible();
  // The card's Start claims the batch and opens the texting screen in one tap (the test presses it).
  await hydrated(page);
  return page;
}

const contactName = (page: Page) => page.locator('#contact-name');
const filter = (page: Page, name: RegExp) =>
  page.getByRole('navigation', { name: 'Filter conversations' }).getByRole('link', { name });

test('volunteers text a batch, answer replies from the script, report, archive and reassign', async ({ page: admin, browser }) => {
  test.setTimeout(120_000);
  const c = await campaign(admin);
  const first = await volunteer(browser, 'Vic First', c.code);
  const second = await volunteer(browser, 'Wen Second', c.code);

  // Both press Start at the same moment: disjoint contacts.
  await Promise.all([
    first.getByRole('button', { name: 'Start Texting' }).click(),
    second.getByRole('button', { name: 'Start Texting' }).click(),
  ]);
  await expect(contactName(first)).toBeVisible();
  await expect(contactName(second)).toBeVisible();
  await hydrated(first);
  await hydrated(second);

  // The first volunteer holds Enter down: one text, and the next contact appears at once.
  const firstNames = [(await contactName(first).textContent())!];
  await expect(first.getByLabel('Message')).toHaveValue(new RegExp(`^Hi ${firstNames[0]}, can we count`));
  await first.getByLabel('Message').focus();
  await first.keyboard.down('Enter');
  await first.keyboard.down('Enter');
  await first.keyboard.down('Enter');
  await first.keyboard.up('Enter');
  await expect(first.getByText(`Sent to ${firstNames[0]} ✓`)).toBeVisible();
  await expect(first.getByText('1 left in this batch')).toBeVisible();
  firstNames.push((await contactName(first).textContent())!);
  await first.getByLabel('Message').press('Enter');
  await expect(first.getByText(`Sent to ${firstNames[1]} ✓`)).toBeVisible();
  await expect(first.getByRole('heading', { name: 'Batch done — thank you!' })).toBeVisible();

  const secondNames = [(await contactName(second).textContent())!];
  await second.getByRole('button', { name: 'Send' }).click();
  await expect(second.getByText(`Sent to ${secondNames[0]} ✓`)).toBeVisible();
  secondNames.push((await contactName(second).textContent())!);
  await second.getByRole('button', { name: 'Send' }).click();
  await expect(second.getByText(`Sent to ${secondNames[1]} ✓`)).toBeVisible();
  expect(new Set([...firstNames, ...secondNames]).size).toBe(4);
  // The first finished while the second still held two contacts: the first is told so, not
  // that everyone has been texted. Once the second is done, that is true and said.
  await expect(first.getByText(/No more contacts for you right now: 2 contacts not texted yet/)).toBeVisible();
  await expect(second.getByText('Everyone in this action has been texted.')).toBeVisible();

  // A reply arrives while the first volunteer looks at Needs Attention: no reload needed.
  const phoneOf = (name: string) => c.contacts.find((x) => x.name === name)!.phone;
  await first.getByRole('link', { name: 'Go to your inbox' }).click();
  await filter(first, /Needs Attention/).click();
  await expect(first.getByText('Nothing here')).toBeVisible();
  await first.getByLabel('Archive a conversation when I file its report').check();
  await reply(first.request, phoneOf(firstNames[0]), 'Yes, I will vote early!');
  await reply(first.request, phoneOf(firstNames[1]), 'STOP');
  const thread = first.getByRole('link', { name: new RegExp(firstNames[0]) });
  await expect(thread).toBeVisible({ timeout: 20_000 });
  // The STOP reply never needs attention.
  await expect(first.getByRole('link', { name: new RegExp(firstNames[1]) })).toHaveCount(0);

  // Answer with the branched script, then report: the thread archives itself.
  await thread.click();
  await expect(first.getByText('Yes, I will vote early!')).toBeVisible();
  await first.getByRole('button', { name: 'Yes', exact: true }).click();
  await expect(first.getByLabel('Reply')).toHaveValue(`Wonderful, ${firstNames[0]}! Do you need a ride?`);
  await first.getByRole('button', { name: 'Send reply' }).click();
  await expect(first.getByText('Need a ride?', { exact: true })).toBeVisible();
  await expect(first.getByRole('button', { name: 'Needs a ride' })).toBeVisible();
  await expect(first.locator('.facts').getByText('Supporter')).toBeVisible();
  await first.getByLabel('Volunteer lead').check();
  await first.getByRole('button', { name: 'Save report' }).click();
  await expect(first.getByText('Report saved; the conversation is archived.')).toBeVisible();

  await first.getByRole('link', { name: '← Inbox' }).click();
  await filter(first, /Archived/).click();
  await expect(first.getByRole('link', { name: new RegExp(firstNames[0]) })).toBeVisible();
  await filter(first, /Needs Attention/).click();
  await expect(first.getByText('Nothing here')).toBeVisible();
  // A new reply brings it back.
  await reply(first.request, phoneOf(firstNames[0]), 'Actually, yes, I need a ride');
  await expect(first.getByRole('link', { name: new RegExp(firstNames[0]) })).toBeVisible({ timeout: 20_000 });

  // The second volunteer hands their threads to the action's creator.
  await reply(second.request, phoneOf(secondNames[0]), 'Who is this?');
  await second.goto(`/o/${c.orgId}/inbox`);
  await hydrated(second);
  await second.getByRole('link', { name: new RegExp(secondNames[0]) }).click();
  await second.getByRole('button', { name: 'Reassign all conversations in this action' }).click();
  await expect(second.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
  await expect(second.getByText('Nothing here')).toBeVisible();
  await admin.goto(`/o/${c.orgId}/inbox`);
  await expect(admin.getByText('Wen Second reassigned 2 conversations in "Early vote push" to you.')).toBeVisible();
  await expect(admin.getByRole('link', { name: new RegExp(secondNames[0]) })).toBeVisible();

  // The admin watches the results: a reply arriving shows without a reload.
  await admin.goto(`/o/${c.orgId}/admin/actions/${c.actionId}/results`);
  await hydrated(admin);
  await expect(admin.getByTestId('stat-initial-messages')).toHaveText('4');
  await expect(admin.getByRole('table', { name: 'Volunteers' }).getByRole('row', { name: /Vic First/ })).toBeVisible();
  await expect(admin.getByRole('img', { name: 'Answers to: Can we count on your vote?' })).toContainText('Yes1 (100%)');
  const before = Number((await admin.getByTestId('stat-replies').textContent())!.trim());
  await reply(admin.request, phoneOf(secondNames[1]), 'Put me down as a yes');
  await expect(admin.getByTestId('stat-replies')).toHaveText(String(before + 1), { timeout: 20_000 });

  await first.context().close();
  await second.context().close();
});
