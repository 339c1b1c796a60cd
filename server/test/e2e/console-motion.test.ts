import { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleStack, openConsole, postCardChat } from '../helpers/console';

/**
 * The console follows the person's reduce-motion setting (prefers-reduced-motion), also when it changes while the page
 * is open. The other browser tests ask for reduced motion; this one starts without it.
 */
let c: ConsoleStack;

beforeAll(async () => {
  c = await openConsole('consolemotion', 3);
  await postCardChat(c, 'My card was declined twice today.');
}, 300_000);

afterAll(async () => {
  await c?.close();
});

describe('motion in the console', () => {
  it("the person's reduce-motion setting is followed while the page is open: a popup zooms or slides in only without it", async () => {
    const { page, problems } = await c.watchedPage({ reducedMotion: 'no-preference' });
    await c.signIn(page, 'quinn');
    await expect.poll(() => page.locator('tbody tr.ant-table-row').count()).toBeGreaterThan(0);
    await page.locator('[data-motion="full"]').waitFor();
    // every class an element takes while a popup opens: with motion, the popup goes through *-appear-active or
    // *-enter-active (the classes that animate it), without, it is only placed (*-appear-prepare). A popup already
    // opened once keeps the motion it was made with, so the second look is at another popup
    const opening = async (open: () => Promise<void>, popup: Locator) => {
      await page.evaluate(() => {
        const w = window as unknown as { seen: string[] };
        w.seen = [];
        new MutationObserver((ms) => {
          for (const m of ms) {
            // a class held only between two records is the record's old value, not the element's class now
            w.seen.push(m.oldValue ?? '');
            for (const el of [m.target, ...Array.from(m.addedNodes)])
              if (el instanceof Element) w.seen.push(el.className.toString());
          }
        }).observe(document.body, {
          subtree: true,
          childList: true,
          attributes: true,
          attributeFilter: ['class'],
          attributeOldValue: true,
        });
      });
      await open();
      await popup.waitFor();
      // open and settled: no appear/enter class left on it
      await expect.poll(async () => (await popup.getAttribute('class')) ?? '').not.toMatch(/-(appear|enter)/);
      const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen.join(' '));
      await page.keyboard.press('Escape');
      await expect.poll(() => popup.isVisible()).toBe(false);
      return seen;
    };
    const motion = /-(appear|enter)-active/;
    const columns = () => page.getByTestId('columns').click();
    expect(await opening(columns, page.locator('.ant-popover'))).toMatch(motion);
    await page.emulateMedia({ reducedMotion: 'reduce' });
    // the change reaches the page as an event, and the console re-renders after it
    await page.locator('[data-motion="reduced"]').waitFor();
    const verdict = () => page.getByRole('combobox', { name: 'Verdict' }).click();
    expect(await opening(verdict, page.locator('.ant-select-dropdown'))).not.toMatch(motion);
    expect(problems).toEqual([]);
  });
});
