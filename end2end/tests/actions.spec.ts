import { expect, Page, test } from '@playwright/test';
import { acknowledgeScriptWarnings, createAction, hydrated, signUp, uniqueEmail } from './helpers';

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
  // The script never says who is texting: the editor said so, and publishing needs an acknowledgement.
  await expect(page.getByText('Say who is texting').first()).toBeVisible();
  await acknowledgeScriptWarnings(page);
  await page.getByRole('button', { name: 'Publish now' }).click();
  await expect(page.getByTestId('action-status')).toHaveText('Published');

  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('action-status')).toHaveText('Paused');
  // Closing asks first: without the box ticked nothing happens.
  await page.getByRole('button', { name: 'Close action' }).click();
  await expect(page.getByTestId('action-status')).toHaveText('Paused');
  await page.getByLabel(/Yes, close it/).check();
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
  // The new organization lands on its Volunteers page; a click before that navigation ends is lost.
  await expect(page.getByTestId('join-code')).toBeVisible();
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

// A 1×1 PNG: the smallest picture a carrier would take.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

test('an admin adds a script variant and a picture; the estimate turns to MMS and both survive a reload', async ({ page }) => {
  await orgWithList(page, 'Max');
  await createAction(page, 'Rally with a picture', 'precinct-12 (2 contacts)');
  await page.getByLabel('Initial script').fill('Hi ');
  // Variables go in by button, custom fields of the list included.
  // The first box's buttons are the initial script's.
  const insert = page.getByRole('group', { name: 'Insert a variable' }).first();
  await insert.getByRole('button', { name: "Contact's first name" }).click();
  await expect(page.getByLabel('Initial script')).toHaveValue('Hi {firstName}');
  await page.getByLabel('Initial script').fill('Hi {firstName}, rally Saturday! Text STOP to opt out');
  await page.getByRole('button', { name: 'Add a variant' }).click();
  const variant = page.getByLabel('Variant 2');
  await expect(variant).toHaveValue('Hi {firstName}, rally Saturday! Text STOP to opt out');
  await variant.fill('Hey {firstName}, see you at the rally Saturday? Text STOP to opt out');
  // A bad variable in the variant is named, and the typed text stays.
  await page.getByRole('button', { name: 'Add a variant' }).click();
  await page.getByLabel('Variant 3').fill('Yo {nickname}');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(/Variant 3: .*nickname/)).toBeVisible();
  await expect(page.getByLabel('Variant 3')).toHaveValue('Yo {nickname}');
  await page.getByRole('button', { name: 'Remove variant 3' }).click();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await expect(page.getByText('Segments per message (worst case)')).toBeVisible();

  // A file that is not a picture is refused in the browser, before any upload.
  await page.getByLabel('Add a picture').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(page.getByRole('alert').filter({ hasText: 'Only JPEG, PNG or GIF' })).toBeVisible();
  await page.getByLabel('Add a picture').setInputFiles({ name: 'rally.png', mimeType: 'image/png', buffer: PNG });
  await expect(page.getByTestId('image-name')).toHaveText('rally.png');
  await expect(page.getByTestId('estimate-kind')).toHaveText('MMS (with the picture)');
  await expect(page.getByText('Phone numbers (5)')).toBeVisible();
  // The card's image is shown to volunteers only; it changes nothing in the estimate.
  await page.getByLabel('Add an image for volunteers').setInputFiles({ name: 'banner.png', mimeType: 'image/png', buffer: PNG });
  await expect(page.getByTestId('card-image-name')).toHaveText('banner.png');
  await expect(page.getByText('Phone numbers (5)')).toBeVisible();

  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('Variant 2')).toHaveValue('Hey {firstName}, see you at the rally Saturday? Text STOP to opt out');
  await expect(page.getByLabel('Variant 3')).toHaveCount(0);
  // With the list saved, its custom fields are offered as variables too.
  await expect(page.getByRole('group', { name: 'Insert a variable' }).first().getByRole('button', { name: "Contact's ward" })).toBeVisible();
  await expect(page.getByRole('img', { name: 'Picture sent with the initial script' })).toBeVisible();
  await page.getByRole('button', { name: 'Remove the picture' }).click();
  await expect(page.getByText('Segments per message (worst case)')).toBeVisible();
  await expect(page.getByRole('img', { name: 'Image shown to volunteers' })).toBeVisible();

  // Volunteers see the card's image on the action once it is live (admins see every action).
  const total = (await page.getByTestId('estimate-total').textContent())!.trim();
  await page.getByLabel(`I understand this action will cost about ${total}`).first().check();
  await acknowledgeScriptWarnings(page);
  await page.getByRole('button', { name: 'Publish now' }).click();
  await expect(page.getByTestId('action-status')).toHaveText('Published');
  // The results page lists both scripts to compare (nothing texted yet).
  await page.getByRole('link', { name: 'View Results' }).click();
  const variants = page.getByRole('table', { name: 'Initial script variants' });
  await expect(variants.getByRole('row')).toHaveCount(3);
  await expect(page.getByTestId('variant-2')).toContainText('Hey {firstName}, see you at the rally Saturday?');
  await page.goBack();
  await page.getByRole('link', { name: 'Volunteer view' }).click();
  await expect(page.getByRole('heading', { name: 'Rally with a picture' })).toBeVisible();
  await expect(page.locator('.action-card-image')).toBeVisible();
});

test('a draft saves itself a moment after the admin stops typing, and the estimate follows', async ({ page }) => {
  await orgWithList(page, 'Ava');
  await createAction(page, 'Autosaved canvass', 'precinct-12 (2 contacts)');
  await page.getByLabel('Initial script').fill('Hi {firstName}, canvass Sunday? Text STOP to opt out');
  await expect(page.getByText('Draft saved automatically.')).toBeVisible();
  // The estimate updated in place; the form was not replaced, so typing goes on where it was.
  await expect(page.getByTestId('estimate-total')).toHaveText('$10.00');
  await page.getByLabel('Initial script').press('End');
  await page.getByLabel('Initial script').pressSequentially(' now');
  await expect(page.getByLabel('Initial script')).toHaveValue('Hi {firstName}, canvass Sunday? Text STOP to opt out now');
  // A bad edit is refused by the same checks as Save, and stays on screen as typed.
  await page.getByLabel('Initial script').fill('Hi {nickname}');
  // The counter says at once that it cannot count it; the autosave's refusal comes from the server.
  await expect(page.getByTestId('segment-counter').first()).toContainText('nickname');
  await expect(page.locator('.field-error').filter({ hasText: /nickname/ }).first()).toBeVisible();
  await expect(page.getByLabel('Initial script')).toHaveValue('Hi {nickname}');
  await page.getByLabel('Initial script').fill('Hi {firstName}, canvass Sunday at 10? Text STOP to opt out');
  await expect(page.getByText('Draft saved automatically.')).toBeVisible();

  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('Initial script')).toHaveValue('Hi {firstName}, canvass Sunday at 10? Text STOP to opt out');
  await expect(page.getByLabel('Contact list')).toHaveValue(/.+/);
});
