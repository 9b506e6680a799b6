import { expect, test } from '@playwright/test';
import { createAction, hydrated, importCsv, phones, publishAcknowledgingCost, signUp, uniqueEmail } from './helpers';

// An action limited to Spanish speakers in one district reaches a volunteer only once their
// texting profile says they qualify.
test('a volunteer sees a district and language limited action after setting their profile', async ({ page: admin, browser }) => {
  test.setTimeout(90_000);
  await signUp(admin, 'Lia Admin', uniqueEmail('padmin'));
  await admin.getByLabel('Organization name').fill('Profiles Campaign');
  await admin.getByRole('button', { name: 'Create organization' }).click();
  const code = (await admin.getByTestId('join-code').textContent())!.trim();

  const [phone] = phones(1);
  await importCsv(admin, 'ward.csv', `first_name,cell\nRosa,${phone}\n`, 1);

  await createAction(admin, 'Ward 7 en español', 'ward (1 contact)');
  await admin.getByLabel('Language').selectOption({ label: 'Spanish speakers' });
  await admin.getByLabel('Districts (comma-separated; empty for all)').fill('Ward 7, Ward 8');
  await admin.getByLabel('Initial script').fill('Hola {firstName}, ¿votará? Responda STOP para salir');
  await admin.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(admin.getByText('Saved.')).toBeVisible();
  await publishAcknowledgingCost(admin);

  const page = await (await browser.newContext()).newPage();
  await signUp(page, 'Paz Volunteer', uniqueEmail('pvol'));
  await page.getByRole('link', { name: '+ Join another campaign' }).click();
  await page.getByLabel('6-digit code').fill(code);
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.getByRole('heading', { name: 'Nothing to text yet' })).toBeVisible();
  await hydrated(page);

  await page.getByLabel('Languages you text in').selectOption({ label: 'English and Spanish' });
  await page.getByLabel('Your district').selectOption({ label: 'Ward 8' });
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Ward 7 en español' })).toBeVisible();
  await expect(page.getByText('Now: English and Spanish.')).toBeVisible();

  // The admin sees what the volunteer chose on the Volunteers page.
  await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Volunteers' }).click();
  await expect(admin.getByLabel('District of Paz Volunteer')).toHaveValue('Ward 8');
  await expect(admin.getByLabel('Languages of Paz Volunteer')).toHaveValue('en,es');
});
