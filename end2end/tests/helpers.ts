import { APIRequestContext, expect, Page } from '@playwright/test';

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

// The carrier simulator's own address (scripts/test starts the app with SIMULATOR_ADDRESS): a
// contact "replies" through it, and it posts the signed webhook to the app like Twilio would.
export const SIMULATOR = process.env.SIMULATOR_URL || 'http://127.0.0.1:3199';

/** Numbers unique to this run, so parallel runs never answer each other's texts. */
export function phones(n: number): string[] {
  const base = 2000 + Math.floor(Math.random() * 7000);
  const exchange = 200 + Math.floor(Math.random() * 700);
  return Array.from({ length: n }, (_, i) => `+1312${exchange}${String(base + i).padStart(4, '0')}`);
}

export async function call(request: APIRequestContext, endpoint: string, form: Record<string, string>) {
  const response = await request.post(`/api/${endpoint}`, { form });
  expect(response.ok(), `${endpoint}: ${await response.text()}`).toBeTruthy();
  return response.json();
}

/** A contact texts back: the simulator posts a signed inbound webhook from them. */
export async function reply(request: APIRequestContext, from: string, body: string) {
  // "Sent ✓" means our outbox has the text; the carrier gets it a moment later, and only then
  // can the contact answer.
  await expect(async () => {
    const response = await request.post(`${SIMULATOR}/_simulator/reply`, { form: { From: from, Body: body } });
    expect(response.ok(), await response.text()).toBeTruthy();
  }).toPass({ timeout: 10_000 });
}

/** Imports a CSV as a contact list through the Contacts page. */
export async function importCsv(page: Page, fileName: string, csv: string, rows: number) {
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Contacts' }).click();
  await page.getByLabel('CSV file').setInputFiles({ name: fileName, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByText(`Imported ${rows} of ${rows} rows.`)).toBeVisible();
}

/** The test scripts do not name their organization: tick "Publish anyway" on the Publish form. */
export async function acknowledgeScriptWarnings(page: Page) {
  await page.getByLabel('Publish anyway: I acknowledge the first text does not identify us or offer a way to opt out').first().check();
}

/** On a saved action's page: reads the estimate, acknowledges it and publishes now. */
export async function publishAcknowledgingCost(page: Page) {
  await page.reload();
  await hydrated(page);
  const total = (await page.getByTestId('estimate-total').textContent())!.trim();
  await page.getByLabel(`I understand this action will cost about ${total}`).first().check();
  await acknowledgeScriptWarnings(page);
  await page.getByRole('button', { name: 'Publish now' }).click();
  await expect(page.getByTestId('action-status')).toHaveText('Published');
}

/** Creates an action from the Actions page and waits on its (hydrated) page for the list. */
export async function createAction(page: Page, title: string, listLabel: string) {
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Actions' }).click();
  await page.getByLabel('Title').fill(title);
  await page.getByRole('button', { name: 'Create action' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Contact list').selectOption({ label: listLabel });
}
