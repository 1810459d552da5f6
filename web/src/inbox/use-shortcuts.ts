import { useEffect } from 'react';
import { useNavigate } from 'react-router';

const KEYS = 'jkrne/?';

/**
 * The inbox's keyboard shortcuts: j/k next and previous conversation (in the list's order), r reply,
 * n note, e close, / search, ? the help overlay. Only this listener is in the inbox's first load; what the
 * keys do loads with the first one pressed. Keys typed into a field are text, never a shortcut.
 */
export function useInboxShortcuts(conversationId: string | null, onHelp: () => void) {
  const navigate = useNavigate();
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (
        !KEYS.includes(event.key) ||
        event.defaultPrevented ||
        event.ctrlKey ||
        event.metaKey ||
        event.altKey ||
        target.isContentEditable ||
        /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) ||
        document.querySelector('dialog[open]')
      ) {
        return;
      }
      event.preventDefault();
      void import('./shortcut-actions').then((module) =>
        module.runShortcut(event.key, conversationId, navigate, onHelp),
      );
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [conversationId, navigate, onHelp]);
}
