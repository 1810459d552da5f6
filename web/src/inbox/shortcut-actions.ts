import type { NavigateFunction } from 'react-router';

/** The composer's tab (Reply / Private note), then its text field. */
function compose(tabName: string) {
  const tab = [...document.querySelectorAll<HTMLElement>('.composer [role="tab"]')].find(
    (element) => element.textContent?.trim() === tabName,
  );
  tab?.click();
  requestAnimationFrame(() => document.querySelector<HTMLElement>('.composer textarea')?.focus());
}

/**
 * What each inbox shortcut does (loaded with the first shortcut pressed). The actions press the same
 * controls a mouse would, so a shortcut never does what the screen does not offer.
 */
export function runShortcut(
  key: string,
  conversationId: string | null,
  navigate: NavigateFunction,
  onHelp: () => void,
): void {
  const links = [...document.querySelectorAll<HTMLAnchorElement>('a.conversation-item')];
  const at = links.findIndex((link) => link.getAttribute('href') === `/inbox/${conversationId}`);
  const go = (index: number) => {
    const link = links[index];
    if (!link) return;
    navigate(link.getAttribute('href') ?? '/inbox');
    link.scrollIntoView({ block: 'nearest' });
  };
  switch (key) {
    case 'j':
      go(at === -1 ? 0 : Math.min(at + 1, links.length - 1));
      return;
    case 'k':
      go(at === -1 ? 0 : Math.max(at - 1, 0));
      return;
    case 'r':
      compose('Reply');
      return;
    case 'n':
      compose('Private note');
      return;
    case 'e':
      document.querySelector<HTMLButtonElement>('[data-shortcut="close"]')?.click();
      return;
    case '/':
      document.querySelector<HTMLInputElement>('.conversation-list input[type="search"]')?.focus();
      return;
    case '?':
      onHelp();
      return;
  }
}
