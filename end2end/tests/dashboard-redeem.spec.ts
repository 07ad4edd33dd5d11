// Redeeming a partner's share token by hand from the dashboard (CONTRACT.md §8): the Redeem Share
// Token dialog into each destination type, with and without field mappings, the preview next to
// the result, refusals in place, keyboard-only use, and the destination object's page.
import { APIRequestContext, Page } from '@playwright/test';
import { test, expect, expectNoAxeViolations, freshDemo, newMember, Demo } from './fixtures';

async function signIn(page: Page, member: { email: string; password: string }) {
  await page.goto('/dashboard/sign-in');
  await page.getByLabel('Email').fill(member.email);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/dashboard\/connect\/share-tokens$/);
}

async function openDialog(page: Page) {
  await page.getByRole('button', { name: 'Redeem Share Token' }).click();
  const dialog = page.getByRole('dialog', { name: 'Redeem Share Token' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading', { name: 'Redeem Share Token' })).toBeFocused();
  return dialog;
}

/** The paths listed under `heading` in a hydration report or preview. */
async function pathsUnder(scope: ReturnType<Page['locator']>, heading: string): Promise<string[]> {
  const list = scope.getByRole('heading', { name: heading, exact: true }).locator('xpath=following-sibling::*[1]');
  if ((await list.evaluate((el) => el.tagName)) !== 'UL') return [];
  return (await list.locator('li').allInnerTexts()).map((t) => t.trim()).sort();
}

async function tokenStatus(request: APIRequestContext, demo: Demo, id: string): Promise<string> {
  const response = await request.get(`/api/v1/connect/share-tokens/${id}`, {
    headers: { Authorization: `Bearer ${demo['destination-api-key']}` },
  });
  return (await response.json()).data.attributes.status;
}

test('redeeming into a transaction with field mappings: the preview matches what arrives', async ({ page }) => {
  const demo = freshDemo();
  await signIn(page, newMember(demo['destination-organization-id']));
  const dialog = await openDialog(page);
  await expectNoAxeViolations(page);

  await dialog.getByLabel('Share Token').fill(demo['full-share-token-id']);
  await dialog.getByLabel('Destination type').selectOption('transaction');
  await expect(dialog.getByLabel('Transaction Type')).toBeVisible();
  await expect(dialog.getByLabel('Inquiry Template'), 'only the select that fits shows').toBeHidden();
  await dialog.getByRole('tab', { name: 'Field mappings (optional)' }).click();
  await expect(dialog.getByRole('tab', { name: 'Field mappings (optional)' })).toHaveAttribute('aria-selected', 'true');
  await dialog.getByRole('button', { name: 'Add mapping' }).click();
  await expect(dialog.getByLabel('Source field').first(), 'focus goes to the new row').toBeFocused();
  await dialog.getByLabel('Source field').first().fill('name-first');
  await dialog.getByLabel('Destination field').first().fill('name.first');
  await dialog.getByRole('button', { name: 'Add mapping' }).click();
  await dialog.getByLabel('Source field').nth(1).fill('name-last');
  await dialog.getByLabel('Destination field').nth(1).fill('name.last');
  await dialog.getByRole('button', { name: 'Preview' }).click();

  const preview = dialog.getByRole('region', { name: 'What redeeming would fill' });
  await expect(preview).toBeFocused();
  const previewed = await pathsUnder(preview, 'Filled by a field mapping');
  expect(previewed).toEqual(['name.first', 'name.last']);
  expect(await pathsUnder(preview, 'Left unset')).toEqual(['amount']);
  await expect(preview, 'a preview names paths, never values').not.toContainText('Alex');
  await expectNoAxeViolations(page);

  await dialog.getByRole('button', { name: 'Redeem Share Token' }).click();
  await expect(dialog.getByText('The share token is redeemed.')).toBeVisible();
  const open = dialog.getByRole('link', { name: /^Open the transaction txn_/ });
  await expect(open).toBeFocused();
  expect(await tokenStatus(page.request, demo, demo['full-share-token-id'])).toBe('redeemed');
  await open.click();

  await expect(page).toHaveURL(/\/dashboard\/transactions\/txn_/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Transaction txn_');
  await expect(page.getByRole('row', { name: /First name/ })).toContainText('Alex');
  await expect(page.getByRole('row', { name: /Last name/ })).toContainText('Rivera');
  await expect(page.getByRole('row', { name: /Amount/ })).toContainText('Not set');
  await expectNoAxeViolations(page);

  await page.goto(`/dashboard/connect/share-tokens/${demo['full-share-token-id']}`);
  expect(await pathsUnder(page.locator('main'), 'Filled by a field mapping'), 'the result matches the preview').toEqual(previewed);
});

test('redeeming into an inquiry runs its verifications, and into an account only hydrates', async ({ page }) => {
  const demo = freshDemo();
  await signIn(page, newMember(demo['destination-organization-id']));

  // From the list: the row's Redeem link opens the dialog with the token filled in.
  await page.getByRole('link', { name: `Redeem ${demo['full-share-token-id']}` }).click();
  let dialog = page.getByRole('dialog', { name: 'Redeem Share Token' });
  await expect(dialog.getByLabel('Share Token')).toHaveValue(demo['full-share-token-id']);
  await dialog.getByLabel('Inquiry Template').selectOption({ label: `Identity check (demo) (${demo['full-template-id']})` });
  await dialog.getByRole('button', { name: 'Preview' }).click();
  await expect(dialog.getByRole('heading', { name: 'Required but missing: the inquiry would wait for these' })).toBeVisible();
  expect(await pathsUnder(dialog, 'Required but missing: the inquiry would wait for these')).toEqual([]);
  await dialog.getByRole('button', { name: 'Redeem Share Token' }).click();
  await dialog.getByRole('link', { name: /^Open the inquiry inq_/ }).click();

  await expect(page.getByRole('heading', { level: 1 })).toContainText('Inquiry inq_');
  await expect(page.getByText('Completed', { exact: true })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Verifications' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Verifications' })).toContainText('Passed');
  await expect(page.getByRole('region', { name: 'Timeline' })).toContainText('Completed');
  await expect(page.getByRole('region', { name: 'Consent' }), 'redeemed by hand: no consent screen was involved').toContainText('None recorded.');
  await expect(page.getByRole('link', { name: /\.png$/ }).first(), 'files are links for members').toHaveAttribute('href', /^\/dashboard\/files\/doc_/);
  await expectNoAxeViolations(page);

  await page.goto('/dashboard/connect/share-tokens');
  dialog = await openDialog(page);
  await dialog.getByLabel('Share Token').fill(demo['extra-share-token-id']);
  await dialog.getByLabel('Destination type').selectOption('account');
  await dialog.getByRole('button', { name: 'Redeem Share Token' }).click();
  await dialog.getByRole('link', { name: /^Open the account act_/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Account act_');
  await expect(page.getByRole('row', { name: /Date of birth/ })).toContainText('1988-06-15');
  await expect(page.getByRole('row', { name: /Contact email/ }), 'no mapping: left unset').toContainText('Not set');
});

test('a bad token id and an expired token are refused in the dialog, keeping what was typed', async ({ page }) => {
  const demo = freshDemo();
  await signIn(page, newMember(demo['destination-organization-id']));
  const dialog = await openDialog(page);

  await dialog.getByLabel('Share Token').fill('cnst_notarealtoken');
  await dialog.getByRole('button', { name: 'Redeem Share Token' }).click();
  await expect(dialog.getByRole('alert')).toContainText('No share token for your organization has this id.');
  await expect(dialog.getByRole('alert')).toBeFocused();
  await expect(dialog.getByLabel('Share Token')).toHaveValue('cnst_notarealtoken');
  await expect(dialog.getByLabel('Share Token')).toHaveAttribute('aria-invalid', 'true');
  await expectNoAxeViolations(page);

  const expired = await page.request.post(`/api/v1/connect/share-tokens/${demo['extra-share-token-id']}/expire`, {
    headers: { Authorization: `Bearer ${demo['source-api-key']}` },
  });
  expect(expired.status()).toBe(200);
  await dialog.getByLabel('Share Token').fill(demo['extra-share-token-id']);
  await dialog.getByRole('button', { name: 'Redeem Share Token' }).click();
  await expect(dialog.getByRole('alert')).toContainText('This share token has expired. Ask the partner for a new one.');

  await dialog.getByLabel('Share Token').fill(demo['full-share-token-id']);
  await dialog.getByRole('tab', { name: 'Field mappings (optional)' }).click();
  await dialog.getByRole('button', { name: 'Add mapping' }).click();
  await dialog.getByLabel('Source field').fill('salary');
  await dialog.getByLabel('Destination field').fill('income');
  await dialog.getByRole('button', { name: 'Redeem Share Token' }).click();
  await expect(dialog.getByRole('alert')).toContainText('The destination has no field with this name.');
  await expect(dialog.getByLabel('Destination field')).toHaveAttribute('aria-invalid', 'true');
  expect(await tokenStatus(page.request, demo, demo['full-share-token-id']), 'nothing was redeemed').toBe('created');
});

test('keyboard only: open the dialog, stay inside it, preview with Enter, close with Escape', async ({ page }) => {
  const demo = freshDemo();
  await signIn(page, newMember(demo['destination-organization-id']));

  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Redeem Share Token' })).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Redeem Share Token' });
  await expect(dialog.getByRole('heading', { name: 'Redeem Share Token' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('link', { name: 'Close' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByLabel('Share Token')).toBeFocused();
  await page.keyboard.type(demo['full-share-token-id']);
  await page.keyboard.press('Enter');
  await expect(dialog.getByRole('region', { name: 'What redeeming would fill' }), 'Enter previews').toBeFocused();

  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    const inside = await page.evaluate(() => {
      const active = document.activeElement;
      return !active || active === document.body || !!active.closest('#redeem-dialog');
    });
    expect(inside, `focus stays in the dialog (Tab ${i + 1})`).toBe(true);
  }

  await page.keyboard.press('Escape');
  await expect(page).toHaveURL(/\/dashboard\/connect\/share-tokens$/);
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 1, name: 'Share Tokens' })).toBeFocused();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the dialog redeems with plain form posts', async ({ page }) => {
    const demo = freshDemo();
    await signIn(page, newMember(demo['destination-organization-id']));
    const dialog = await openDialog(page);

    await dialog.getByLabel('Share Token').fill(demo['full-share-token-id']);
    await dialog.getByLabel('Destination type').selectOption('transaction');
    await dialog.getByRole('button', { name: 'Redeem Share Token' }).click();

    await expect(dialog.getByRole('link', { name: /^Open the transaction txn_/ })).toBeVisible();
  });
});

test('the redeemed objects are listed, filtered by template and status', async ({ page }) => {
  const demo = freshDemo();
  await signIn(page, newMember(demo['destination-organization-id']));
  await page.getByRole('link', { name: `Redeem ${demo['full-share-token-id']}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Redeem Share Token' });
  await dialog.getByLabel('Inquiry Template').selectOption({ label: `Identity check (demo) (${demo['full-template-id']})` });
  await dialog.getByRole('button', { name: 'Redeem Share Token' }).click();
  const open = dialog.getByRole('link', { name: /^Open the inquiry inq_/ });
  const inquiry = (await open.textContent())!.match(/inq_[a-z0-9]+/)![0];
  await dialog.getByRole('link', { name: 'Close' }).click();

  await page.getByRole('navigation').getByRole('link', { name: 'Inquiries' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Inquiries' })).toBeFocused();
  await page.getByLabel('Inquiry Template').selectOption({ label: 'Identity check (demo)' });
  await page.getByLabel('Status').selectOption('completed');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page.getByRole('row').filter({ hasText: inquiry })).toContainText('Completed');
  await expectNoAxeViolations(page);
  await page.getByLabel('Status').selectOption('failed');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page.getByRole('row').filter({ hasText: inquiry })).toHaveCount(0);
});
