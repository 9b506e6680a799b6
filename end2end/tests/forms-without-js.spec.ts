import { expect, test } from '@playwright/test';
import { uniqueEmail, PASSWORD } from './helpers';

// Runs in the no-javascript project: every step is a plain HTML form post and redirect.
test('sign up, create an organization, sign out and sign in without JavaScript', async ({ page }) => {
  const email = uniqueEmail('nojs');
  await page.goto('/signup');
  await page.getByLabel('Your name').fill('Nora Nojs');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Hi, Nora Nojs' })).toBeVisible();

  await page.getByLabel('Organization name').fill('Plain Forms Coalition');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page.getByTestId('join-code')).toHaveText(/^\d{6}$/);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill('wrong password!');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong e-mail or password. Check both and try again.');

  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Hi, Nora Nojs' })).toBeVisible();
});
