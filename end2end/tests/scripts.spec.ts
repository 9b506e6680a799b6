import { expect, test } from '@playwright/test';
import { PASSWORD, signUp, uniqueEmail } from './helpers';

test('an admin builds a two-level branched script with a tag, and it is there after a reload', async ({ page, javaScriptEnabled }) => {
  // The script editor is a rich editor: it needs the wasm bundle.
  test.skip(!javaScriptEnabled, 'the script editor needs JavaScript');
  await signUp(page, 'Robin Scripts', uniqueEmail('scripts'));
  await page.getByLabel('Organization name').fill('Scripts Campaign');
  await page.getByRole('button', { name: 'Create organization' }).click();

  // Data → Tags: the built-in Opt Out tag is listed, a new tag is added.
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Data' }).click();
  await expect(page.getByRole('heading', { name: 'Tags' })).toBeVisible();
  await expect(page.getByText('Opt Out')).toBeVisible();
  await page.getByLabel('New tag').fill('Ride needed');
  await page.getByRole('button', { name: 'Add' }).first().click();
  await expect(page.getByLabel('Name of Ride needed')).toHaveValue('Ride needed');
  await page.getByLabel('New tag').fill('ride NEEDED');
  await page.getByRole('button', { name: 'Add' }).first().click();
  await expect(page.getByText('There is already a tag named "ride NEEDED"')).toBeVisible();

  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Actions' }).click();
  await page.getByLabel('Title').fill('Branched GOTV');
  await page.getByRole('button', { name: 'Create action' }).click();
  await expect(page.getByRole('heading', { name: 'Branched GOTV' })).toBeVisible();

  const status = page.getByTestId('script-save-status');
  await page.getByLabel('Question the first text asks').fill('Can we count on your vote?');
  await page.getByRole('button', { name: 'Add answer choice' }).click();
  const answers = page.getByRole('list', { name: 'Answer choices' }).locator(':scope > li');
  const yes = answers.nth(0);
  await yes.getByLabel('Answer choice').first().fill('Yes');
  await yes.getByLabel('Response script').first().fill('Great, {firstName}! Do you need a ride?');
  await expect(yes.getByText(/GSM-7 · 1 segment/).first()).toBeVisible();
  await yes.getByLabel('Further question (optional)').first().fill('Do you need a ride?');
  await yes.getByRole('button', { name: 'Add answer to this question' }).first().click();

  const ride = yes.locator('.script-tree.nested > li').first();
  await ride.getByLabel('Answer choice').fill('Needs a ride');
  await ride.getByLabel('Response script').fill("We'll call you about a ride, ");
  await ride.getByRole('button', { name: "Contact's first name" }).click();
  await expect(ride.getByLabel('Response script')).toHaveValue("We'll call you about a ride, {firstName}");
  await ride.getByText('Advanced options').click();
  await ride.getByRole('checkbox', { name: 'Ride needed' }).check();
  // A tag and a custom field made right here, without a trip to the Data page.
  await ride.getByLabel('New tag').fill('Needs childcare');
  await ride.getByRole('button', { name: 'Create tag' }).click();
  await expect(ride.getByRole('checkbox', { name: 'Needs childcare' })).toBeChecked();
  await ride.getByLabel('New custom field').fill('Pickup time');
  await ride.getByRole('button', { name: 'Create field' }).click();
  // The tree is rebuilt to show the new value row; the options stay open.
  const rideNow = page.getByRole('list', { name: 'Answer choices' }).locator(':scope > li').nth(0).locator('.script-tree.nested > li').first();
  await expect(rideNow.getByLabel('Custom field', { exact: true })).toHaveValue(/.+/);
  await expect(rideNow.getByRole('checkbox', { name: 'Needs childcare' })).toBeChecked();
  await rideNow.getByLabel('Value', { exact: true }).fill('6 pm');

  // A second answer without its script: the problem shows next to it and the edits stay.
  await page.getByRole('button', { name: 'Add answer choice' }).click();
  const no = answers.nth(1);
  await no.getByLabel('Answer choice').first().fill('No');
  await expect(status).toContainText('Not saved');
  await expect(no.getByText('Write the response script.')).toBeVisible();
  await expect(no.getByLabel('Answer choice').first()).toHaveValue('No');
  await no.getByLabel('Response script').first().fill('Thanks anyway!');
  await expect(status).toHaveText('Saved');

  // Reorder, then check what was stored after a reload.
  await page.getByRole('button', { name: 'Move No up' }).click();
  await expect(answers.nth(0).getByLabel('Answer choice').first()).toHaveValue('No');
  await page.getByRole('button', { name: 'Move No down' }).click();
  await expect(status).toHaveText('Saved');

  // What the server renders after a reload (the values are in the HTML, hydrated or not).
  await page.reload();
  await expect(page.getByLabel('Question the first text asks')).toHaveValue('Can we count on your vote?');
  await expect(answers).toHaveCount(2);
  await expect(answers.nth(0).getByLabel('Answer choice').first()).toHaveValue('Yes');
  await expect(answers.nth(0).getByLabel('Further question (optional)').first()).toHaveValue('Do you need a ride?');
  const rideAgain = answers.nth(0).locator('.script-tree.nested > li').first();
  await expect(rideAgain.getByLabel('Answer choice')).toHaveValue('Needs a ride');
  await expect(rideAgain.getByLabel('Response script')).toHaveValue("We'll call you about a ride, {firstName}");
  await rideAgain.getByText('Advanced options').click();
  await expect(rideAgain.getByRole('checkbox', { name: 'Ride needed' })).toBeChecked();
  await expect(rideAgain.getByRole('checkbox', { name: 'Needs childcare' })).toBeChecked();
  await expect(rideAgain.getByLabel('Value', { exact: true })).toHaveValue('6 pm');
  await expect(answers.nth(1).getByLabel('Answer choice').first()).toHaveValue('No');
  await expect(answers.nth(1).getByLabel('Response script').first()).toHaveValue('Thanks anyway!');

  // The preview fills in sample values (the action has no list).
  await page.getByText('Preview', { exact: true }).click();
  await expect(page.getByText('Great, Jordan! Do you need a ride?')).toBeVisible();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('tags and custom fields are managed with plain forms, and the action page renders', async ({ page }) => {
    await page.goto('/signup');
    await page.getByLabel('Your name').fill('Dana Data');
    await page.getByLabel('E-mail').fill(uniqueEmail('data-nojs'));
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByLabel('Organization name').fill('Plain Data Coalition');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Data' }).click();

    await page.getByLabel('New custom field').fill('Best time to call');
    await page.getByRole('button', { name: 'Add' }).nth(1).click();
    await expect(page.getByLabel('Name of Best time to call')).toHaveValue('Best time to call');
    await page.getByLabel('New custom field').fill('BEST TIME TO CALL');
    await page.getByRole('button', { name: 'Add' }).nth(1).click();
    await expect(page.getByText('There is already a custom field named "BEST TIME TO CALL"').first()).toBeVisible();
    await page.getByLabel('Name of Best time to call').fill('Callback time');
    await page.getByRole('button', { name: 'Rename' }).click();
    await expect(page.getByLabel('Name of Callback time')).toHaveValue('Callback time');
    await page.getByRole('button', { name: 'Delete Callback time' }).click();
    await expect(page.getByLabel('Name of Callback time')).toHaveCount(0);
    await expect(page.getByText('Built in')).toBeVisible();

    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Actions' }).click();
    await page.getByLabel('Title').fill('Plain action');
    await page.getByRole('button', { name: 'Create action' }).click();
    await expect(page.getByRole('heading', { name: 'Branched script' })).toBeVisible();
    await expect(page.getByText('The script editor needs JavaScript.', { exact: false })).toBeVisible();
    await expect(page.getByLabel('Question the first text asks')).toBeDisabled();
  });
});
