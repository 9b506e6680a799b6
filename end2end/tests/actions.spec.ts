import { expect, Page, test } from '@playwright/test';
import { signUp, uniqueEmail } from './helpers';

async function orgWithList(page: Page, name: string) {
  await signUp(page, name, uniqueEmail('actions'));
  await page.getByLabel('Organization name').fill(`${name} Campaign`);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Contacts' }).click();
  await page.getByLabel('CSV file').setInputFiles({
    name: 'precinct-12.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('first_name,cell,ward\nAna,3125552671,3\nBo,3125552672,4\n'),
  });
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByText('Imported 2 of 2 rows.')).toBeVisible();
}

test('an admin creates an action, writes the script, acknowledges the cost and publishes', async ({ page }) => {
  await orgWithList(page, 'Pat');
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Actions' }).click();
  await page.getByLabel('Title').fill('Weekend canvass reminders');
  await page.getByRole('button', { name: 'Create action' }).click();
  await expect(page.getByRole('heading', { name: 'Weekend canvass reminders' })).toBeVisible();
  await expect(page.getByTestId('action-status')).toHaveText('Draft');

  await page.getByLabel('Contact list').selectOption({ label: 'precinct-12 (2 contacts)' });
  const script = page.getByLabel('Initial script');
  await script.fill('Hi {firstName}, it’s {senderFirstName} — see you in ward {custom:ward}?');
  await expect(page.getByText(/UCS-2/).first()).toBeVisible();
  await expect(page.getByText('Add opt-out language')).toBeVisible();
  await page.getByRole('button', { name: 'Replace curly quotes, dashes and ellipses' }).click();
  await expect(script).toHaveValue("Hi {firstName}, it's {senderFirstName} - see you in ward {custom:ward}?");
  await script.fill("Hi {firstName}, it's {senderFirstName} - see you in ward {custom:ward}? Text STOP to opt out");
  await expect(page.getByText(/GSM-7 · 1 segment/)).toBeVisible();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('Saved.')).toBeVisible();

  await expect(page.getByTestId('estimate-total')).toHaveText('$10.00');
  await page.getByLabel('I understand this action will cost about $10.00').first().check();
  await page.getByRole('button', { name: 'Publish now' }).click();
  await expect(page.getByTestId('action-status')).toHaveText('Published');

  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('action-status')).toHaveText('Paused');
  await page.getByRole('button', { name: 'Close action' }).click();
  await expect(page.getByTestId('action-status')).toHaveText('Closed');
  await page.getByRole('button', { name: 'Duplicate' }).click();
  await expect(page.getByRole('heading', { name: 'Copy of Weekend canvass reminders' })).toBeVisible();
  await expect(page.getByTestId('action-status')).toHaveText('Draft');
  await expect(page.getByLabel('Contact list')).toHaveValue('');

  await page.getByRole('link', { name: '← All actions' }).click();
  await page.getByRole('navigation', { name: 'Filter by status' }).getByRole('link', { name: 'Closed' }).click();
  await expect(page.getByRole('link', { name: 'Weekend canvass reminders', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Copy of Weekend canvass reminders' })).toHaveCount(0);
});

test('texting settings keep the typed values and name the bad field', async ({ page }) => {
  await signUp(page, 'Sol Settings', uniqueEmail('settings'));
  await page.getByLabel('Organization name').fill('Settings Campaign');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByLabel('Batch size')).toHaveValue('50');
  await page.getByLabel('Batch size').fill('9000');
  await page.getByLabel('Contact\'s first name when unknown').fill('neighbor');
  await page.getByRole('button', { name: 'Save texting settings' }).click();
  await expect(page.getByText('The batch size is a whole number from 1 to 500.')).toBeVisible();
  await expect(page.getByLabel('Batch size')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Contact\'s first name when unknown')).toHaveValue('neighbor');
  await page.getByLabel('Batch size').fill('75');
  await page.getByRole('button', { name: 'Save texting settings' }).click();
  await expect(page.getByText('Texting settings saved.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Batch size')).toHaveValue('75');
  await expect(page.getByLabel('Contact\'s first name when unknown')).toHaveValue('neighbor');
});
