import { expect, Page } from '@playwright/test';

/** A unique address per test run, so tests never share accounts and can run in parallel. */
export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.org`;
}

export const PASSWORD = 'correct horse battery';

/** Waits until the wasm bundle has hydrated the page (or gives up quietly without JS). */
export async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__hydrated === true, null, { timeout: 30_000 });
}

export async function signUp(page: Page, name: string, email: string, password = PASSWORD) {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: `Hi, ${name}` })).toBeVisible();
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
