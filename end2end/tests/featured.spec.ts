import { expect, test } from '@playwright/test';
import { createAction, hydrated, importCsv, phones, publishAcknowledgingCost, signUp, uniqueEmail } from './helpers';

// "Mark featured" pins an older action above a newer one in the volunteers' list.
test('a featured action is first in the volunteers list, with its badge', async ({ page: admin, browser }) => {
  test.setTimeout(120_000);
  await signUp(admin, 'Fay Admin', uniqueEmail('fadmin'));
  await admin.getByLabel('Organization name').fill('Featured Campaign');
  await admin.getByRole('button', { name: 'Create organization' }).click();
  const code = (await admin.getByTestId('join-code').textContent())!.trim();
  const [a, b] = phones(2);
  await importCsv(admin, 'friends.csv', `first_name,cell\nAda,${a}\nBo,${b}\n`, 2);

  for (const title of ['Canvass launch', 'Early vote push']) {
    await createAction(admin, title, 'friends (2 contacts)');
    await admin.getByLabel('Initial script').fill('Hi {firstName}, will you vote? Reply STOP to opt out');
    await admin.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(admin.getByText('Saved.')).toBeVisible();
    await publishAcknowledgingCost(admin);
  }
  // Back to the first, older action: featured.
  await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Actions' }).click();
  await admin.getByRole('link', { name: 'Canvass launch' }).click();
  await hydrated(admin);
  await admin.getByRole('button', { name: 'Mark featured' }).click();
  await expect(admin.getByRole('button', { name: 'Remove from featured' })).toBeVisible();
  // The admin's list marks it too.
  await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Actions' }).click();
  await expect(admin.getByRole('row').filter({ hasText: 'Canvass launch' })).toContainText('Featured');
  await expect(admin.getByRole('row').filter({ hasText: 'Early vote push' })).not.toContainText('Featured');

  const page = await (await browser.newContext()).newPage();
  await signUp(page, 'Van Volunteer', uniqueEmail('fvol'));
  await page.getByRole('link', { name: '+ Join another campaign' }).click();
  await page.getByLabel('6-digit code').fill(code);
  await page.getByRole('button', { name: 'Join' }).click();
  const cards = page.locator('.action-card h2');
  await expect(cards).toHaveCount(2);
  await expect(cards.nth(0)).toHaveText('Canvass launch Featured');
  await expect(cards.nth(1)).toHaveText('Early vote push');
});
