import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

let source: Promise<string> | undefined;

/**
 * Runs axe-core (WCAG 2.2 A and AA rules, and axe's best practices) on the page as it is now. The engine is evaluated through the
 * DevTools protocol, which the page's CSP does not govern, so the page keeps its real policy.
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  source ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(await source);
  const violations = (await page.evaluate(`(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({ target: node.target, failureSummary: node.failureSummary })),
    }));
  })()`)) as AxeViolation[];
  return violations;
}

/** One line per violation (and its first elements), for the suite's output. */
export function describeViolations(screen: string, violations: AxeViolation[]): string {
  if (violations.length === 0) return `axe ${screen}: no violations`;
  const lines = violations.map(
    (violation) =>
      `  [${violation.impact}] ${violation.id}: ${violation.help} (${violation.nodes.length}×, e.g. ${violation.nodes
        .slice(0, 2)
        .map((node) => node.target.join(' '))
        .join(', ')})`,
  );
  return `axe ${screen}: ${violations.length} violation(s)\n${lines.join('\n')}`;
}

export const isSeriousOrCritical = (violation: AxeViolation) =>
  violation.impact === 'serious' || violation.impact === 'critical';

/** Runs axe on the page, prints what it found (the suite's record), and fails on serious or critical. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await runAxe(page);
  console.log(describeViolations(screen, violations));
  expect(violations.filter(isSeriousOrCritical), screen).toEqual([]);
}
