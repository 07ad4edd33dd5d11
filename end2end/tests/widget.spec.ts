// The widget (/widget) inside a partner's page on another site, driven by the real `persona` npm
// SDK 5.9.0 (CONTRACT.md §7). The partner's page is embed/index.html, served from 127.0.0.1 on two
// ports: one on the destination's allowed origins, one not. Tessera is reached as `localhost`
// (the SDK's `host: "localhost:<port>"`), so the frame is cross-site.
import { test, expect, freshDemo, expectNoAxeViolations } from './fixtures';
import type { Page } from '@playwright/test';
import * as path from 'node:path';
import { chromiumArgs } from '../playwright.config';

// Third-party cookies blocked, as browsers are moving to: the flow must not need them. Tessera
// must not even try to set one (checked on every response below).
test.use({
  launchOptions: { executablePath: '/usr/bin/chromium', args: [...chromiumArgs, '--test-third-party-cookie-phaseout'] },
});

const cookiesSet: string[] = [];
test.beforeEach(async ({ page }) => {
  cookiesSet.length = 0;
  page.on('response', (response) => {
    if (new URL(response.url()).host === host && response.headers()['set-cookie'] !== undefined) {
      cookiesSet.push(response.url());
    }
  });
});
test.afterEach(() => {
  expect(cookiesSet, 'Tessera sets no cookie in a partner\'s frame').toEqual([]);
});

const bill = path.join(__dirname, 'files', 'utility-bill.png');
const host = `localhost:${process.env.TESSERA_E2E_PORT}`;
const allowedSite = `http://127.0.0.1:${process.env.EMBED_ALLOWED_PORT}`;
const refusedSite = `http://127.0.0.1:${process.env.EMBED_REFUSED_PORT}`;

type Recorded = {
  events: { name: string; metadata: Record<string, unknown> }[];
  completed: { inquiryId: string; status: string; fields: unknown } | null;
  cancelled: { inquiryId?: string; sessionToken?: string } | null;
  errors: unknown[];
  ready: boolean;
};

function partnerPage(site: string, options: Record<string, string>): string {
  return `${site}/?${new URLSearchParams({ sdk: 'persona', host, ...options })}`;
}

/**
 * Waits until the SDK's modal is open and has stopped sliding in (0.3 s): a click in the frame
 * while it moves lands elsewhere.
 */
async function settled(page: Page): Promise<void> {
  await expect(page.locator('iframe.persona-widget__iframe')).toBeVisible();
  await expect(modal(page).locator('[data-hydrated="true"]')).toHaveCount(1);
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
}

const recorded = (page: Page): Promise<Recorded> => page.evaluate(() => (window as unknown as { embed: Recorded }).embed);
const modal = (page: Page) => page.frameLocator('iframe.persona-widget__iframe');
const heading = (frame: ReturnType<Page['frameLocator']>, name: string | RegExp) =>
  frame.getByRole('heading', { level: 1, name });

/** The inline iframe takes the height the widget last announced in `page-change`. */
async function expectFrameFollowsHeight(page: Page): Promise<void> {
  await expect
    .poll(async () => {
      const heights = (await recorded(page)).events.filter((e) => e.name === 'page-change').map((e) => e.metadata.pageHeight);
      const frameHeight = await page.locator('#inline iframe').evaluate((el) => Math.round(el.getBoundingClientRect().height));
      return heights.length > 0 && frameHeight === heights[heights.length - 1];
    }, 'the iframe takes the height of the last page-change')
    .toBe(true);
}

/** The three steps the demo's extra template still needs after sharing. */
async function fillMissingSteps(frame: ReturnType<Page['frameLocator']>): Promise<void> {
  await frame.getByLabel('Street address').fill('1 Main St');
  await frame.getByLabel('City').fill('Springfield');
  await frame.getByLabel('Country code').fill('US');
  await frame.getByRole('button', { name: 'Continue' }).click();
  await frame.getByLabel('Phone number').fill('+14155550123');
  await frame.getByRole('button', { name: 'Continue' }).click();
  await frame.getByLabel('Proof of address').setInputFiles(bill);
  await frame.getByRole('button', { name: 'Continue' }).click();
}

test('persona SDK: an embedded full match completes and onComplete gets the inquiry and its status', async ({ page }) => {
  const demo = freshDemo();
  await page.goto(partnerPage(allowedSite, {
    mode: 'client',
    templateId: demo['full-template-id'],
    shareToken: demo['full-share-token-id'],
  }));
  await expect.poll(async () => (await recorded(page)).ready, 'the widget says ready by itself').toBe(true);
  await expect(heading(modal(page), /share/i)).toBeVisible();
  await expectNoAxeViolations(page, 'iframe.persona-widget__iframe');
  await settled(page);

  await modal(page).getByRole('button', { name: 'Accept' }).click();

  await expect.poll(async () => (await recorded(page)).completed).toMatchObject({ status: 'completed' });
  const { completed, events } = await recorded(page);
  expect(completed?.inquiryId).toMatch(/^inq_/);
  expect(events.map((e) => e.name)).toEqual(expect.arrayContaining(['load', 'ready', 'start', 'page-change', 'complete']));
  await expect(page.locator('.persona-widget__overlay'), 'the SDK closes its modal on complete').toBeHidden();
});

test('persona SDK: cancel gives onCancel with a session token, and a second client resumes the inquiry', async ({ page }) => {
  const demo = freshDemo();
  await page.goto(partnerPage(allowedSite, {
    mode: 'client',
    templateId: demo['full-template-id'],
    shareToken: demo['full-share-token-id'],
  }));
  await expect(modal(page).getByRole('button', { name: 'Accept' })).toBeVisible();

  await page.evaluate(() => (window as unknown as { client: { cancel(force: boolean): void } }).client.cancel(true));

  await expect.poll(async () => (await recorded(page)).cancelled).not.toBeNull();
  const { cancelled } = await recorded(page);
  expect(cancelled?.inquiryId).toMatch(/^inq_/);
  expect(cancelled?.sessionToken, 'the host can resume with it').toBeTruthy();
  await expect(page.locator('.persona-widget__overlay')).toBeHidden();

  await page.goto(partnerPage(allowedSite, {
    mode: 'client',
    inquiryId: cancelled!.inquiryId!,
    sessionToken: cancelled!.sessionToken!,
  }));
  await settled(page);
  await modal(page).getByRole('button', { name: 'Accept' }).click();

  await expect.poll(async () => (await recorded(page)).completed).toMatchObject({
    inquiryId: cancelled!.inquiryId,
    status: 'completed',
  });
});

test('persona SDK: a share token nobody has reaches onError with its status and code, and the page says what to do', async ({ page }) => {
  const demo = freshDemo();
  await page.goto(partnerPage(allowedSite, {
    mode: 'client',
    templateId: demo['full-template-id'],
    shareToken: 'cnst_aaaaaaaaaaaaaaaaaaaaaaaaaa',
  }));

  await expect.poll(async () => (await recorded(page)).errors).toEqual([
    expect.objectContaining({ status: 404, code: 'share-token-not-found' }),
  ]);
  await expect(heading(modal(page), /./)).toBeVisible();
  await expectNoAxeViolations(page, 'iframe.persona-widget__iframe');
});

for (const [sdk, name] of [['persona', 'persona SDK'], ['tessera', 'Tessera client']]) {
  test(`${name}: inline with field mappings asks only the missing steps and the frame follows the page height`, async ({ page }) => {
    const demo = freshDemo();
    await page.goto(partnerPage(allowedSite, {
      sdk,
      mode: 'inline',
      templateId: demo['extra-template-id'],
      shareToken: demo['extra-share-token-id'],
      fieldMappings: JSON.stringify([{ sourceFieldName: 'name-last', destinationFieldName: 'name-last' }]),
    }));
    const frame = page.frameLocator('#inline iframe');
    const frameHeight = () => page.locator('#inline iframe').evaluate((el) => Math.round(el.getBoundingClientRect().height));
    await expect(frame.getByRole('button', { name: 'Accept' })).toBeVisible();
    await expectFrameFollowsHeight(page);
    const consentHeight = await frameHeight();
    await frame.getByRole('button', { name: 'Accept' }).click();

    await expect(heading(frame, 'Address')).toBeVisible();
    await expect(frame.getByRole('button', { name: 'Close' }), 'an inline flow has no close button').toHaveCount(0);
    // Polled: the step's own page-change may arrive after its heading shows (until then the frame
    // keeps the height of the page before, e.g. the waiting page).
    await expect.poll(frameHeight, 'the frame shrinks to a shorter step').toBeLessThan(consentHeight);
    await expectFrameFollowsHeight(page);
    await fillMissingSteps(frame);

    await expect.poll(async () => (await recorded(page)).completed).toMatchObject({ status: 'completed' });
  });
}

test.describe('an embedding page on an origin that is not allowed', () => {
  test.use({ expectedConsoleErrors: [/frame-ancestors/] });

  test("with Tessera's client, the modal still closes on Escape and gives focus back", async ({ page }) => {
    const demo = freshDemo();
    await page.goto(partnerPage(refusedSite, {
      sdk: 'tessera',
      open: 'click',
      templateId: demo['full-template-id'],
      shareToken: demo['full-share-token-id'],
    }));
    const opener = page.getByRole('button', { name: 'Verify your identity' });
    // The client loads asynchronously (a module from Tessera): no `ready` will come to say so.
    await page.waitForFunction(() => (window as unknown as { client?: unknown }).client !== undefined);
    await opener.click();
    await expect(page.getByRole('dialog')).toBeVisible();

    await page.keyboard.press('Escape');

    await expect(page.getByRole('dialog'), 'a flow that never loads must not trap the user').toBeHidden();
    await expect(opener).toBeFocused();
    expect((await recorded(page)).events, 'no message from a refused frame').toEqual([]);
  });

  test('gets no working flow and no message', async ({ page }) => {
    const demo = freshDemo();
    const refusal = page.waitForEvent('console', (msg) => msg.type() === 'error' && /frame-ancestors/.test(msg.text()));

    await page.goto(partnerPage(refusedSite, {
      mode: 'client',
      templateId: demo['full-template-id'],
      shareToken: demo['full-share-token-id'],
    }));

    await refusal;
    await expect(modal(page).getByRole('button', { name: 'Accept' })).toHaveCount(0);
    const { events, ready } = await recorded(page);
    expect(events, 'no message reaches a page that may not frame the flow').toEqual([]);
    expect(ready).toBe(false);
  });
});

// Tessera's own embed client (/embed.js): the same flows, plus the modal's keyboard behaviour.
const tesseraModal = (page: Page) => page.frameLocator('.tessera-embed-dialog iframe');
const opener = (page: Page) => page.getByRole('button', { name: 'Verify your identity' });
const activeTag = (page: Page) => page.evaluate(() => document.activeElement?.tagName);

/** A partner page with Tessera's client on a fresh full-match token, its modal opened by a click. */
async function openTesseraModal(page: Page): Promise<void> {
  const demo = freshDemo();
  await page.goto(partnerPage(allowedSite, {
    sdk: 'tessera',
    open: 'click',
    templateId: demo['full-template-id'],
    shareToken: demo['full-share-token-id'],
  }));
  await expect.poll(async () => (await recorded(page)).ready, 'the widget says ready by itself').toBe(true);
  await opener(page).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await expect(tesseraModal(page).locator('[data-hydrated="true"]')).toHaveCount(1);
}

test('Tessera client: a modal opened from a button completes, and focus goes back to the button', async ({ page }) => {
  await openTesseraModal(page);
  await expect.poll(() => activeTag(page), 'focus moves into the flow').toBe('IFRAME');
  await expectNoAxeViolations(page, '.tessera-embed-dialog iframe');

  await tesseraModal(page).getByRole('button', { name: 'Accept' }).click();

  await expect.poll(async () => (await recorded(page)).completed).toMatchObject({ status: 'completed' });
  expect((await recorded(page)).completed?.inquiryId).toMatch(/^inq_/);
  await expect(page.getByRole('dialog')).toBeHidden();
  await expect(opener(page), 'focus returns to what opened the modal').toBeFocused();
});

test('Tessera client: focus stays in the modal, Escape cancels with a session token, and a second client resumes', async ({ page }) => {
  await openTesseraModal(page);

  for (let press = 0; press < 12; press++) {
    await page.keyboard.press('Tab');
    expect(await activeTag(page), `after ${press + 1} Tab presses focus is still in the flow`).toBe('IFRAME');
  }
  // Bare events, as other scripts and browser autofill dispatch them (no `key`, no `origin`):
  // the client ignores them without an error (the fixture fails the test on any page error).
  await page.evaluate(() => {
    window.dispatchEvent(new Event('keydown'));
    window.dispatchEvent(new Event('message'));
  });
  await expect(page.getByRole('dialog'), 'a bare keydown is not Escape').toBeVisible();
  await page.keyboard.press('Escape');

  await expect.poll(async () => (await recorded(page)).cancelled).not.toBeNull();
  const { cancelled } = await recorded(page);
  expect(cancelled?.inquiryId).toMatch(/^inq_/);
  expect(cancelled?.sessionToken, 'the host can resume with it').toBeTruthy();
  await expect(page.getByRole('dialog')).toBeHidden();
  await expect(opener(page)).toBeFocused();

  await page.goto(partnerPage(allowedSite, {
    sdk: 'tessera',
    inquiryId: cancelled!.inquiryId!,
    sessionToken: cancelled!.sessionToken!,
  }));
  await expect(tesseraModal(page).locator('[data-hydrated="true"]')).toHaveCount(1);
  await tesseraModal(page).getByRole('button', { name: 'Accept' }).click();

  await expect.poll(async () => (await recorded(page)).completed).toMatchObject({
    inquiryId: cancelled!.inquiryId,
    status: 'completed',
  });
});
