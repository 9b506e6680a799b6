import { expect, test } from '@playwright/test';
import { hydrated, signIn, signUp, uniqueEmail, PASSWORD } from './helpers';

test('an admin creates an organization and a volunteer joins it with the code', async ({ browser }) => {
  // The organizer, in one browser context.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signUp(admin, 'Olivia Organizer', uniqueEmail('admin'));
  await admin.getByLabel('Organization name').fill('Riverside Tenants Union');
  await admin.getByRole('button', { name: 'Create organization' }).click();

  await expect(admin.getByRole('heading', { name: 'Volunteers', level: 1 })).toBeVisible();
  await expect(admin.getByRole('navigation', { name: 'Admin' })).toBeVisible();
  const code = (await admin.getByTestId('join-code').textContent())!.trim();
  expect(code).toMatch(/^\d{6}$/);
  await expect(admin.getByLabel('Or share the join link')).toHaveValue(new RegExp(`/join/${code}$`));

  // The volunteer, in a second, separate browser context.
  const volunteerContext = await browser.newContext();
  const volunteer = await volunteerContext.newPage();
  await signUp(volunteer, 'Val Volunteer', uniqueEmail('volunteer'));
  await volunteer.getByRole('link', { name: '+ Join another campaign' }).click();
  await volunteer.getByLabel('6-digit code').fill(code);
  await volunteer.getByRole('button', { name: 'Join' }).click();

  await expect(volunteer.getByRole('navigation', { name: 'Volunteer' })).toBeVisible();
  await expect(volunteer.getByText('Riverside Tenants Union')).toBeVisible();
  await expect(volunteer.getByRole('heading', { name: 'Actions', level: 1 })).toBeVisible();
  await volunteer.getByRole('navigation', { name: 'Volunteer' }).getByRole('link', { name: 'Inbox' }).click();
  await expect(volunteer.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
  // Volunteers do not get the admin area.
  await expect(volunteer.getByRole('link', { name: 'Admin' })).toHaveCount(0);

  // The organizer sees the new member.
  await admin.reload();
  await expect(admin.getByRole('cell', { name: 'Val Volunteer', exact: true })).toBeVisible();

  await adminContext.close();
  await volunteerContext.close();
});

test('a join link signs a newcomer up straight into the organization', async ({ browser }) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signUp(admin, 'Link Owner', uniqueEmail('owner'));
  await admin.getByLabel('Organization name').fill('Link Campaign');
  await admin.getByRole('button', { name: 'Create organization' }).click();
  const link = await admin.getByLabel('Or share the join link').inputValue();
  const path = new URL(link).pathname;

  const newcomerContext = await browser.newContext();
  const newcomer = await newcomerContext.newPage();
  await newcomer.goto(path);
  await hydrated(newcomer);
  await expect(newcomer.getByLabel('6-digit code')).toHaveValue(path.split('/').pop()!);
  await newcomer.getByLabel('Your name').fill('Nia Newcomer');
  await newcomer.getByLabel('E-mail').fill(uniqueEmail('newcomer'));
  await newcomer.getByLabel('Password').fill(PASSWORD);
  await newcomer.getByRole('button', { name: 'Create account' }).click();
  await expect(newcomer.getByText('Link Campaign')).toBeVisible();
  await expect(newcomer.getByRole('navigation', { name: 'Volunteer' })).toBeVisible();

  await adminContext.close();
  await newcomerContext.close();
});

test('sign-out ends the session and a wrong password gives a clear error', async ({ page }) => {
  const email = uniqueEmail('signout');
  await signUp(page, 'Sam Signout', email);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  // Signed out: the organizations page is no longer reachable.
  await page.goto('/');
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();

  await signIn(page, email, 'definitely not it');
  await expect(page.getByRole('alert')).toHaveText('Wrong e-mail or password. Check both and try again.');
  await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Hi, Sam Signout' })).toBeVisible();
});

test('a page behind sign-in sends visitors to sign in and back', async ({ page }) => {
  const email = uniqueEmail('back');
  await signUp(page, 'Bea Back', email);
  await page.getByLabel('Organization name').fill('Back Campaign');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page.getByRole('heading', { name: 'Volunteers', level: 1 })).toBeVisible();
  const settings = page.url().replace(/volunteers$/, 'settings');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  await page.goto(settings);
  await expect(page).toHaveURL(/\/login\?next=/);
  await hydrated(page);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  await expect(page).toHaveURL(settings);
});
