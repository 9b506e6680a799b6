import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import { signUp, uniqueEmail } from './helpers';

/** A list big enough that the import takes a moment, with a few rows that must be rejected. */
function contactsCsv(rows: number): string {
  const lines = ['First Name,Surname,Handy,Zip,Ward'];
  for (let i = 0; i < rows; i++) {
    const line = String(1000 + (i % 9000)).padStart(4, '0');
    const exchange = 200 + Math.floor(i / 9000);
    lines.push(`Person${i},Family,(312) ${exchange}-${line},60601,${i % 40}`);
  }
  lines.push('Broken,Number,12345,60601,1');
  lines.push('No,Number,,60601,2');
  return lines.join('\n') + '\n';
}

test('an admin uploads a CSV, maps a renamed column, follows the progress and downloads the rejects', async ({ page }) => {
  test.setTimeout(120_000);
  await signUp(page, 'Casey Contacts', uniqueEmail('contacts'));
  await page.getByLabel('Organization name').fill('List Builders');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Contacts' }).click();
  await expect(page.getByRole('heading', { name: 'Contacts', level: 1 })).toBeVisible();

  const rows = 20_000;
  await page.getByLabel('CSV file').setInputFiles({
    name: 'district-7.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(contactsCsv(rows)),
  });
  // The preview shows the first rows; the name comes from the file.
  await expect(page.getByRole('cell', { name: 'Person0', exact: true })).toBeVisible();
  await expect(page.getByLabel('List name')).toHaveValue('district-7');
  // "Handy" is not a name we recognise: nothing is the cell column yet.
  await expect(page.getByRole('alert')).toContainText('No column can be the cell phone number');
  await expect(page.getByRole('button', { name: 'Import' })).toBeDisabled();
  await page.getByLabel('Column "Handy" is').selectOption('cell');
  await expect(page.getByLabel('Column "Surname" is')).toHaveValue('last_name');
  await expect(page.getByLabel('Column "Ward" is')).toHaveValue('custom');

  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByText(/rows read · .* stored/)).toBeVisible();
  await expect(page.getByText(`Imported ${rows.toLocaleString('en-US')} of ${(rows + 2).toLocaleString('en-US')} rows.`)).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('definition').filter({ hasText: /^1$/ })).toHaveCount(2);

  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download the 2 rejected rows' }).click();
  const download = await downloadPromise;
  const text = fs.readFileSync((await download.path())!, 'utf8');
  const lines = text.trim().split(/\r?\n/);
  expect(lines[0]).toBe('row,reason,cell,first_name,last_name,zip,email,external_id,assigned_user,ward');
  expect(lines).toHaveLength(3);
  expect(lines[1]).toContain('missing its area code,12345,Broken');
  expect(lines[2]).toContain('no cell phone number,,No');

  // The list is listed with its count, and opens.
  await page.getByRole('link', { name: 'View the list' }).click();
  await expect(page.getByRole('heading', { name: 'district-7' })).toBeVisible();
  await expect(page.getByText(`${rows.toLocaleString('en-US')} contacts`)).toBeVisible();
  await page.getByLabel('Search').fill('Person19999');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByText('1 matching')).toBeVisible();
  await expect(page.getByRole('cell', { name: 'America/Chicago' })).toBeVisible();
});

test('a file that is not UTF-8 is explained, and reads with the Windows-1252 choice', async ({ page }) => {
  await signUp(page, 'Lee Latin', uniqueEmail('latin'));
  await page.getByLabel('Organization name').fill('Encodings');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Contacts' }).click();
  await page.getByLabel('CSV file').setInputFiles({
    name: 'excel.csv',
    mimeType: 'text/csv',
    buffer: Buffer.concat([Buffer.from('cell;first_name\n3125552671;Jos'), Buffer.from([0xe9]), Buffer.from('\n')]),
  });
  await expect(page.getByRole('alert')).toContainText('Row 2, column "first_name" is not valid UTF-8');
  await page.getByLabel('Text encoding').selectOption('windows-1252');
  await expect(page.getByRole('cell', { name: 'José' })).toBeVisible();
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByText('Imported 1 of 1 rows.')).toBeVisible();
});
