// Shared test fixtures: every test fails if the page throws or logs an error, and `hydrated`
// waits until the WASM has taken over the page (clicks before that would do nothing).
import { test as base, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

type Fixtures = {
  /** Console errors a test expects (for example the 404 of a page that must not exist). */
  expectedConsoleErrors: RegExp[];
  pageErrors: string[];
};

export const test = base.extend<Fixtures>({
  expectedConsoleErrors: [[], { option: true }],
  pageErrors: [
    async ({ page, expectedConsoleErrors }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
      page.on('console', (msg) => {
        const text = msg.text();
        if (msg.type() === 'error' && !expectedConsoleErrors.some((re) => re.test(text))) {
          errors.push(`console error: ${text}`);
        }
      });
      await use(errors);
      expect(errors, 'the page reported errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Waits until hydration has finished (an Effect sets `data-hydrated` only in the browser). */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('[data-hydrated="true"]')).toHaveCount(1);
}

/**
 * Fails with the list of violations when axe-core finds any on the current page, or only inside
 * the iframe matched by `frame` (the widget inside a partner's page, which is not ours to judge).
 */
export async function expectNoAxeViolations(page: Page, frame?: string): Promise<void> {
  const builder = new AxeBuilder({ page });
  if (frame) builder.include([frame, 'html']);
  const results = await builder.analyze();
  const summary = results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, 'axe-core accessibility violations').toEqual([]);
}

/** What `tessera demo --json` prints: fresh share tokens (and keys) for each test. */
export type Demo = {
  'destination-organization-id': string;
  'automated-organization-id': string;
  'source-api-key': string;
  'destination-api-key': string;
  'full-template-id': string;
  'full-share-token-id': string;
  'extra-template-id': string;
  'extra-share-token-id': string;
  'one-click-url': string;
  'extra-steps-url': string;
};

const binary = process.env.TESSERA_BIN ?? path.join(__dirname, '..', '..', 'target', 'debug', 'tessera');

/** Seeds fresh demo share tokens in the database of the server under test. */
export function freshDemo(): Demo {
  const out = execFileSync(binary, [
    'demo',
    '--database-url',
    `sqlite://${process.env.TESSERA_E2E_DB}`,
    '--public-url',
    `http://127.0.0.1:${process.env.TESSERA_E2E_PORT}`,
    '--json',
  ]);
  return JSON.parse(out.toString()) as Demo;
}

/** The path and query of a full URL (tests navigate relative to their baseURL). */
export function relative(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

/**
 * A new member of `organization` with a generated password (`tessera user create`). Each test
 * makes its own: the demo's members get new passwords, and lose their sessions, on every
 * `freshDemo()` of a test running beside it.
 */
export function newMember(organization: string): { email: string; password: string } {
  const email = `e2e-${Date.now()}-${Math.random().toString(36).slice(2, 10)}@members.example`;
  const out = execFileSync(binary, [
    'user',
    'create',
    '--org',
    organization,
    '--email',
    email,
    '--database-url',
    `sqlite://${process.env.TESSERA_E2E_DB}`,
  ]);
  const created = JSON.parse(out.toString()) as { email: string; password: string };
  return { email: created.email, password: created.password };
}
