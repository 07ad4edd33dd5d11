// The dashboard as an organization's people use it: sign in, see the share tokens shared with the
// organization, filter and search them, sign out; in English and Spanish, with and without
// JavaScript, by keyboard, and axe-clean.
import { Page } from '@playwright/test';
import { test, expect, expectNoAxeViolations, freshDemo, newMember } from './fixtures';

async function signIn(page: Page, member: { email: string; password: string }) {
  await page.goto('/dashboard/sign-in');
  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/dashboard\/connect\/share-tokens$/);
}

test('a member signs in, sees the tokens shared with the organization, filters, searches and signs out', async ({ page }) => {
  const demo = freshDemo();
  const member = newMember(demo['destination-organization-id']);

  await page.goto('/dashboard');
  await expect(page, 'a visitor without a session is sent to sign in').toHaveURL(/\/dashboard\/sign-in$/);
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  await expectNoAxeViolations(page);
  await signIn(page, member);

  const heading = page.getByRole('heading', { level: 1, name: 'Share Tokens' });
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Share Tokens' })).toHaveAttribute('href', '/dashboard/connect/share-tokens');
  await expect(heading).toBeFocused();
  await expect(page.getByText(`Signed in as ${member.email}`)).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: demo['full-share-token-id'] });
  await expect(row, 'inbound tokens of every status, by default').toHaveCount(1);
  await expect(row).toContainText('Inbound');
  await expect(row).toContainText('Northwind Bank (demo)');
  await expect(row).toContainText('Created');
  await expectNoAxeViolations(page);

  await page.getByLabel('Status').selectOption('redeemed');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/status=redeemed/);
  await expect(page.getByRole('row').filter({ hasText: demo['full-share-token-id'] })).toHaveCount(0);

  await page.getByLabel('Status').selectOption('any');
  await page.getByLabel('Token id').fill(demo['extra-share-token-id']);
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page.getByRole('row').filter({ hasText: demo['extra-share-token-id'] })).toHaveCount(1);
  await expect(page.getByRole('row')).toHaveCount(2); // the header and the one token

  await page.getByRole('link', { name: demo['extra-share-token-id'], exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/dashboard/connect/share-tokens/${demo['extra-share-token-id']}$`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Share Token');
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  await expect(page.getByRole('heading', { name: 'Timeline' })).toBeVisible();
  await expectNoAxeViolations(page);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/dashboard\/sign-in\?problem=signed-out$/);
  await expect(page.getByText('You are signed out.')).toBeVisible();
  await page.goto('/dashboard/connect/share-tokens');
  await expect(page, 'the session ended').toHaveURL(/\/dashboard\/sign-in/);
});

test('another organization does not see the token, and a wrong password says so in place', async ({ page }) => {
  const demo = freshDemo();
  const outsider = newMember(demo['automated-organization-id']);

  await page.goto('/dashboard/sign-in');
  await page.getByLabel('Email').fill(outsider.email);
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('do not match');
  await expectNoAxeViolations(page);
  await signIn(page, outsider);
  await page.goto(`/dashboard/connect/share-tokens?q=${demo['full-share-token-id']}`);

  await expect(page.getByText('No share token of yours has that id.')).toBeVisible();
  await expect(page.getByRole('table')).toHaveCount(0);
});

test('keyboard only: sign in and reach the filters', async ({ page }) => {
  const demo = freshDemo();
  const member = newMember(demo['destination-organization-id']);

  await page.goto('/dashboard/sign-in');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Email')).toBeFocused();
  await page.keyboard.type(member.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(member.password);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/dashboard\/connect\/share-tokens$/);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Redeem Share Token' }), 'focus goes from the heading to the page action').toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Direction'), 'then to the first filter').toBeFocused();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('signing in and filtering work with plain form posts', async ({ page }) => {
    const demo = freshDemo();
    const member = newMember(demo['destination-organization-id']);

    await signIn(page, member);
    await page.getByLabel('Direction').selectOption('outbound');
    await page.getByRole('button', { name: 'Show' }).click();

    await expect(page).toHaveURL(/direction=outbound/);
    await expect(page.getByText('No share tokens match these filters.')).toBeVisible();
  });
});

test.describe('in Spanish', () => {
  test.use({ locale: 'es-ES' });

  test('the sign-in page and the list speak Spanish', async ({ page }) => {
    const demo = freshDemo();
    const member = newMember(demo['destination-organization-id']);

    await page.goto('/dashboard/sign-in');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Inicia sesión en tu organización');
    await expect(page.locator('html')).toHaveAttribute('lang', 'es');
    await page.getByLabel('Correo electrónico').fill(member.email);
    await page.getByLabel('Contraseña').fill(member.password);
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();

    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tokens compartidos');
    await expect(page.getByRole('row').filter({ hasText: demo['full-share-token-id'] })).toContainText('Creado');
    await expectNoAxeViolations(page);
  });
});

test('settings: a new API key is shown once, origins are added, and the page is axe-clean', async ({ page }) => {
  const demo = freshDemo();
  await signIn(page, newMember(demo['automated-organization-id']));

  await page.getByRole('navigation').getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/\/dashboard\/settings$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeFocused();
  await expect(page.getByRole('heading', { name: 'Workflows' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Workflows', exact: true }), 'the demo workflow is listed').toContainText('Auto-redeem partner shares (demo)');
  await expectNoAxeViolations(page);

  await page.getByRole('button', { name: 'Create API key' }).click();
  await expect(page.getByRole('status')).toContainText('A new API key was created.');
  await expect(page.getByText('Copy this key now: it is not shown again.')).toBeVisible();
  await expect(page.locator('.new-key code')).toHaveText(/^tsk_/);
  await page.reload();
  await expect(page.locator('.new-key'), 'shown once').toHaveCount(0);

  await page.getByLabel('Origin', { exact: true }).fill('https://partner.example');
  await page.getByRole('button', { name: 'Add origin' }).click();
  await expect(page.getByRole('status')).toContainText('The origin was added.');
  await expect(page.getByRole('button', { name: 'Remove https://partner.example' })).toBeVisible();
  await page.getByLabel('Origin', { exact: true }).fill('not an origin');
  await page.getByRole('button', { name: 'Add origin' }).click();
  await expect(page.getByRole('alert')).toContainText('That is not an origin.');
  await expectNoAxeViolations(page);
});
